"""The application facade: one object that opens a library and hands out its services.

The CLI and the GUI talk to this, never to Chroma, SQLite or the models directly. Opening is
cheap (no model is loaded, no heavy library imported); the embedding model loads on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from desktop_app.application.background import BackgroundJobs
from desktop_app.application.chats import Chats
from desktop_app.application.degraded import keep_exchange
from desktop_app.application.embeddings import EmbeddingIndex
from desktop_app.application.library_in_use import LibraryInUse
from desktop_app.application.model_status import ModelLoader, ModelStatus, configured_model
from desktop_app.application.models import ModelShelf
from desktop_app.application.pending import PendingIndex
from desktop_app.application.space import SpaceEstimate
from desktop_app.application.space import estimate as estimate_space
from desktop_app.application.teaching import Teacher
from desktop_app.application.writers import cannot_write
from desktop_app.core.cancel import CancelToken, ProgressCallback
from desktop_app.core.conversation import Conversation
from desktop_app.core.paths import DataPaths, resolve_data_dir
from desktop_app.core.quotes import Quote
from desktop_app.core.records import DiskState, DocumentInfo, PageText, RunSummary, SearchHit
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings import Embedder, make_embedder
from desktop_app.services.ingestion.disk_state import disk_state
from desktop_app.services.ingestion.index_run import ReportCallback
from desktop_app.services.ingestion.ingest import IngestService
from desktop_app.services.llm import (
    LlmConfig,
    LlmEngine,
    LlmError,
    ModelState,
    Placement,
    check_files,
    default_llm_path,
)
from desktop_app.services.search.answer import Answer, Writing
from desktop_app.services.search.retrieval import Retriever, SearchMode
from desktop_app.services.store import backups
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.conversations import ConversationNotFound, ConversationStore
from desktop_app.services.store.health import raise_for_fault
from desktop_app.services.store.instance_lock import InstanceLock
from desktop_app.services.store.vector_index import VectorStoreUnavailable
from desktop_app.services.store.vector_spaces import VectorSpaces
from desktop_app.services.store.vector_store_process import VectorStoreProcess

log = logging.getLogger(__name__)

# What the front ends may name besides Library: they import nothing from the services
# (an import-linter contract), so the types that cross this door are re-exported here.
__all__ = [
    "Answer", "Conversation", "ConversationNotFound", "Library", "LlmConfig", "LlmError",
    "ModelState", "ModelStatus", "Placement", "Quote", "default_llm_path",
]  # fmt: skip


class Library:
    """An open library (data directory). Holds the single-instance lock while open.

    `embedders`: embedding models already loaded, by key, to use instead of loading them again
    (tests and benchmarks share them between libraries).
    `team_or_local`: when the team library in use cannot be reached, open with this computer's
    library (`in_use.unreachable` says why; the window offers to try again) instead of raising."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        settings: Settings | None = None,
        embedders: Mapping[str, Embedder] | None = None,
        team_or_local: bool = False,
    ) -> None:
        self.paths = DataPaths(resolve_data_dir(data_dir))
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self._lock = InstanceLock(self.paths.lock)
        self._lock.acquire()
        self._background = BackgroundJobs()
        try:
            problems: list[str] = []
            self.settings = settings or Settings.load(self.paths.settings, problems)
            self.catalog = Catalog(self.paths.catalog)
            self.pending = PendingIndex(self.catalog)  # runs to resume at the next start
            self.vectors = VectorStoreProcess(self.paths.vector_store)
            self.spaces = VectorSpaces(self.catalog, self.vectors, self._make_embedder, embedders)
            self.ingest = IngestService(self.catalog, self.spaces, self.settings)
            self.retriever = Retriever(self.catalog, self.spaces)
            self.llm = LlmEngine()
            self._model = ModelLoader(self.llm)
            self.models = ModelShelf(self.paths.models, self.settings, self.save_settings)
            self.teaching = Teacher(self.paths.adapters, self.settings, self.save_settings)
            self.chats = Chats(ConversationStore(self.paths.conversations))
            self.embeddings = EmbeddingIndex(
                self.spaces,
                self.vectors,
                self.retriever,
                self.catalog,
                self.settings,
                self.save_settings,
                self.paths.root,
            )
            self.notices: list[str] = [  # things the user should be told once, at opening
                *problems,
                *self.spaces.choose(
                    self.settings.chosen_embedding_models(), self.settings.embedding_fallback()
                ),
            ]
            # A team library in use (`librarian team use`): search, answers, the documents'
            # list, indexing and removal act on it; everything else stays on this computer.
            self.in_use = LibraryInUse(self.paths, self.retriever, self.llm, self._chosen_models)
            self.in_use.open(team_or_local)
        except BaseException:
            self._lock.release()
            raise

    def _chosen_models(self) -> dict[str, Embedder]:
        made = {key: self.spaces.models.get(key) for key in self.spaces.chosen}
        return {key: embedder for key, embedder in made.items() if embedder is not None}

    def _make_embedder(self, key: str) -> Embedder:
        s = self.settings
        return make_embedder(key, s.embedding_batch_size, s.custom_embedding_scripts())

    def warm_up(self) -> None:
        """Start the parser and vector store processes and load the embedding models now
        (seconds, off the GUI thread), rather than when the first document arrives."""
        self.ingest.parser().start()
        self.embeddings.load_models()  # first: every search needs them
        try:
            self.vectors.preload()  # seconds for a big library: the int8 copies answer meanwhile
        except VectorStoreUnavailable as exc:  # a full disk: the int8 copies go on answering
            log.warning("vector store not loaded: %s", exc)

    def close(self) -> None:
        self._background.join()
        try:
            self.in_use.close()
            self.llm.close()
            self.retriever.close()
            self.chats.store.close()
            self.ingest.close()
            self.vectors.close()
            self.catalog.close()
        finally:
            self._lock.release()  # whatever failed above, the next start must find it free

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, *_: BaseException | TracebackType | None
    ) -> None:
        self.close()

    # -- use cases ----------------------------------------------------------------------------

    def index(
        self,
        paths: Sequence[str | Path],
        excludes: Sequence[str] = (),
        on_report: ReportCallback | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        prune: bool = True,
    ) -> RunSummary:
        """Index files and folders incrementally; see IngestService.index.

        Until the run ends uncancelled, the paths stay written down as pending (see
        self.pending): an interrupted run can be resumed by the next start."""
        requested = [str(Path(p).expanduser().resolve()) for p in paths]
        if (team := self.in_use.team) is not None:
            patterns = [*self.settings.exclude_patterns, *excludes]
            roots = [Path(p) for p in requested]
            parser = self.ingest.parser()
            return team.index(roots, patterns, parser, on_report, on_progress, cancel)
        try:
            self.pending.set([*self.pending.paths(), *requested])
            summary = self.ingest.index(
                [Path(p) for p in requested], excludes, on_report, on_progress, cancel, prune
            )
            if not summary.cancelled:
                self.pending.set([p for p in self.pending.paths() if p not in requested])
        except Exception as exc:  # a full disk: DiskFull, said in the user's words
            raise_for_fault(exc, self.paths.root)
            raise
        if not summary.cancelled and summary.changed:
            backups.back_up(self.paths)  # the source of truth, kept two deep
        return summary

    def space_estimate(
        self, paths: Sequence[str | Path], excludes: Sequence[str] = ()
    ) -> SpaceEstimate:
        """The disk space indexing these would take, against the free space (a stat a file)."""
        roots = [Path(p).expanduser().resolve() for p in paths]
        patterns = [*self.settings.exclude_patterns, *excludes]
        return estimate_space(self.paths, self.catalog, roots, patterns)

    def save_settings(self) -> None:
        try:
            self.settings.save(self.paths.settings)
        except OSError as exc:  # a full disk or a read-only folder: kept for this session
            log.warning("settings not saved: %s", exc)

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: str = "hybrid",
        within: Sequence[str] | None = None,
    ) -> list[SearchHit]:
        """The best passages; of the documents at `within` only (files or folders), if given."""
        k = k or self.settings.search_results
        return self.in_use.answers.retriever.search(query, k, SearchMode(mode), within)

    def llm_config(
        self, model: str | None = None, lora: str | None = None, lora_scale: float | None = None
    ) -> LlmConfig:
        """The answering model's configuration: settings, overridden by explicit arguments."""
        return configured_model(self.settings, model, lora, lora_scale)

    def model_status(self) -> ModelStatus:
        return self._model.status()

    def load_model(self, config: LlmConfig) -> LlmConfig:
        """Load (or switch to) the answering model now; returns what was loaded: without the
        LoRA adapter when it cannot be applied (model_status().adapter_refused says why).
        LlmError says why the model itself cannot be."""
        return self._model.load(config)

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        config: LlmConfig | None = None,
        max_tokens: int | None = None,
        instructions: str = "",
        on_token: Callable[[str], None] | None = None,
        on_quotes: Callable[[list[Quote]], None] | None = None,
        cancel: CancelToken | None = None,
        conversation_id: int | None = None,
        within: Sequence[str] | None = None,
        quotes_only: bool = False,
    ) -> Answer:
        """Answer from the documents, loading (or switching) the model first if needed; the
        quotes go to `on_quotes` as soon as the search is done. The model is neither loaded nor
        run with `quotes_only`, nor for a question in a language it does not write (the answer
        says so and what would answer). With a conversation, its recent turns and instructions
        apply and the exchange is stored in it (a cancelled one as far as it got)."""
        instead = ""
        if not quotes_only:
            config = config or self.llm_config()
            instead = cannot_write(question, config.model_path, self.settings, self.models)
        write = not quotes_only and not instead
        if write and config is not None:
            searching = self.in_use.answers.retriever  # this computer's library's, or a team's
            indexed = searching.catalog.lexical.holds_passages()  # else no search needs a model
            if indexed and not all(s.embedder.loaded for s in searching.spaces.searchable()):
                if self.llm.config != config:
                    # A bad model file is said now, not after the embedders load (a bad
                    # adapter is left out by load_model).
                    check_files(replace(config, lora_path=None))
                # Load the embedding and answering models at once: seconds saved on a cold start.
                self._background.start(self.spaces.load_models, "librarian-embed-load")
            config = self.load_model(config)
        history: list[tuple[str, str]] = []
        if conversation_id is not None:
            conversation = self.chats.get(conversation_id)
            history = conversation.recent_turns()
            instructions = instructions or conversation.instructions
        s = self.settings
        writing = Writing(
            max_tokens or s.max_answer_tokens, s.temperature, s.system_prompt, instructions,
            s.prompt_evidence, s.allow_general_answers,
        )  # fmt: skip
        answer = self.in_use.answers.ask(
            question, k=k or s.search_results, writing=writing, on_token=on_token,
            on_quotes=on_quotes, cancel=cancel, history=history, within=within, write=write,
            instead=instead, conversation=conversation_id,
        )  # fmt: skip
        if conversation_id is not None:
            return keep_exchange(self.chats.store, conversation_id, answer, self.paths.root)
        return answer

    def documents(self) -> list[DocumentInfo]:
        team = self.in_use.team
        return team.documents() if team is not None else self.catalog.documents()

    def documents_on_disk(self) -> list[tuple[DocumentInfo, DiskState]]:
        """Every document with how its file compares with what was indexed (one stat each; a
        team library's files are on its server, whatever this computer holds)."""
        if self.in_use.team is not None:
            return [(doc, DiskState.SAME) for doc in self.documents()]
        return [(doc, disk_state(doc)) for doc in self.documents()]

    def source_text(self, path: str | Path) -> str:
        """The text of a non-PDF document as it was indexed: passages' spans index into it."""
        from desktop_app.services.ingestion.extraction import document_text

        return document_text(Path(path))

    def scanned_page(self, path: str | Path, page: int) -> PageText | None:
        """Page `page` as OCR read it (text, word boxes), None if not read by OCR."""
        if (team := self.in_use.team) is not None:
            return team.scanned_page(str(path), page)
        return self.catalog.scanned_page(str(path), page)

    def remove(self, paths: Sequence[str | Path]) -> list[str]:
        resolved = [str(Path(p).expanduser().resolve()) for p in paths]
        if (team := self.in_use.team) is not None:
            return team.remove(resolved)
        removed = self.ingest.remove(resolved)
        if removed:
            backups.back_up(self.paths)
        return removed
