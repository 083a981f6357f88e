"""The library's meaning search: which embedding models it uses, their vectors built, checked
and repaired from the catalog's text, and what is said while some are missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app.application.degraded import degraded_notice, set_aside_notices, unavailable_notice
from desktop_app.core.cancel import CancelToken, ReembedCallback
from desktop_app.core.settings import Settings
from desktop_app.services.search.retrieval import Retriever
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.health import has_room
from desktop_app.services.store.vector_index import VectorStoreUnavailable
from desktop_app.services.store.vector_spaces import VectorSpaces
from desktop_app.services.store.vector_store_process import VectorStoreProcess


class EmbeddingIndex:
    def __init__(
        self,
        spaces: VectorSpaces,
        vectors: VectorStoreProcess,
        retriever: Retriever,
        catalog: Catalog,
        settings: Settings,
        save_settings: Callable[[], None],
        root: Path,
    ) -> None:
        self._spaces = spaces
        self._vectors = vectors
        self._retriever = retriever
        self._catalog = catalog
        self._settings = settings
        self._save_settings = save_settings
        self._root = root

    @property
    def chosen(self) -> tuple[str, ...]:
        return self._spaces.chosen

    def choose(self, keys: Sequence[str]) -> list[str]:
        """Search with these models from now on (saved in the settings); returns notices,
        and changes nothing, when one of them cannot be used. Their vectors are built by
        build(); search keeps the old ones until then."""
        notices = self._spaces.models.unavailable(keys)
        if notices:
            return notices
        self._settings.embedding_models = list(keys)
        self._settings.embedding_model = ""
        self._save_settings()
        return self._spaces.choose(self._settings.chosen_embedding_models())

    def to_build(self) -> int:
        """Models whose vectors are to be built, repaired or given sentence vectors."""
        s = self._spaces
        return len(s.building()) + len(s.damaged()) + len(s.without_sentences())

    def build(
        self, on_progress: ReembedCallback | None = None, cancel: CancelToken | None = None
    ) -> int:
        """Repair what check() found, and embed every stored passage with the newly chosen
        models (resumable; Cancelled when cancelled); returns passages embedded."""
        return self._spaces.build(on_progress, cancel)

    def repair(
        self, on_progress: ReembedCallback | None = None, cancel: CancelToken | None = None
    ) -> int:
        """Repair only what check() found (build also builds new models')."""
        return self._spaces.repair(on_progress, cancel)

    def room_to_repair(self) -> bool:
        """Whether a repair may write now (else it waits: searching writes nothing)."""
        return not self._catalog.read_only and has_room(self._root)

    def check(self) -> list[str]:
        """Compare the vector store with the catalog (seconds on a big library: never on the
        GUI thread); returns what is wrong, for the user; build() repairs it from the
        catalog's text (a damaged store was set aside: services.store.vector_store_process)."""
        try:
            found = [damage.describe() for damage in self._spaces.check()]
        except VectorStoreUnavailable as exc:  # a full disk: nothing can be repaired now
            return [unavailable_notice(exc, self._root)]
        return [*set_aside_notices(self._vectors), *found]

    def degraded_notice(self) -> str | None:
        """What the front ends say while search goes by words alone for some models (their
        vectors being rebuilt, or unreachable on a full disk); None when all is well."""
        return degraded_notice(self._spaces, self._retriever)

    def load_models(self) -> None:
        """Load the models indexing and search use (seconds; call it off the GUI thread)."""
        self._spaces.load_models()

    def describe(self) -> list[dict[str, object]]:
        """Each vector space's model and state (what `librarian embeddings` shows)."""
        return self._spaces.describe()
