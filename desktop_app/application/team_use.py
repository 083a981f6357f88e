"""The team library this data directory's commands act on (`librarian team use NAME`), opened
beside the local library: search and answers read it through the same retriever, `docs`
lists it, and an editor's `index` and `remove` write to it. Conversations, settings and
models stay on this computer; the embedding models are this computer's copies of the ones
the library's vectors were made with. A cited document that is not on this computer is opened
from a copy of its file, fetched from the server once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.cancel import CancelToken, ProgressCallback
from desktop_app.core.file_selection import FileSelector
from desktop_app.core.paths import DataPaths
from desktop_app.core.records import DocumentInfo, PageText, RunSummary
from desktop_app.core.team_libraries import LOCAL, TeamRegistry
from desktop_app.services.credentials import SecretStore
from desktop_app.services.embeddings import Embedder
from desktop_app.services.ingestion.index_run import ReportCallback
from desktop_app.services.ingestion.parser_process import ParserProcess
from desktop_app.services.ingestion.team_index import index_into_team
from desktop_app.services.search.retrieval import Retriever
from desktop_app.services.store.postgres import reading
from desktop_app.services.store.postgres.connection import TeamLibraryError, connect
from desktop_app.services.store.postgres.documents import remove_document
from desktop_app.services.store.postgres.team_storage import TeamCatalog, TeamSpace, TeamSpaces

if TYPE_CHECKING:
    import psycopg

EDITOR, MEMBER = "editor", "member"


class TeamInUse:
    def __init__(
        self,
        name: str,
        url: str,
        password: str | None,
        models: dict[str, Embedder],
        copies: Path,
    ) -> None:
        self.name = name
        self._url, self._password = url, password
        self.catalog = TeamCatalog(self._connect(), self._connect)
        self.spaces = TeamSpaces(self.catalog, models)
        self.retriever = Retriever(self.catalog, self.spaces)
        try:
            self.role = EDITOR if self._may_write() else MEMBER
        except BaseException:  # not a team library after all, or gone at once
            self.close()
            raise
        self._models = models
        self._copies = copies / name
        self._originals: dict[str, str] = {}  # a copy's path -> the document's path
        self._writing = threading.Lock()  # one editor's run at a time from this computer

    @staticmethod
    def open(paths: DataPaths, models: dict[str, Embedder], name: str | None = None) -> TeamInUse:
        """The team library `name` (by default the one in use), connected: TeamLibraryError
        says why it cannot be."""
        registry = TeamRegistry(paths.teams)
        name = name or registry.in_use()
        if name == LOCAL:
            raise ValueError("the library on this computer is not a team library")
        library = registry.get(name)
        password = SecretStore(paths.team_secrets).get(name)
        return TeamInUse(name, library.url, password, models, paths.team_copies)

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        return connect(self._url, self._password, autocommit=True)

    def documents(self) -> list[DocumentInfo]:
        return self.catalog.read(reading.documents)

    def scanned_page(self, path: str, page: int) -> PageText | None:
        path = self._originals.get(path, path)
        return self.catalog.read(lambda c: reading.scanned_page(c, path, page))

    def local_copy(self, path: str) -> str | None:
        """A file of this computer holding the document at `path` (the editor's path): a copy
        fetched from the server, named as the original; None when the library has no such
        document."""
        digest = self.catalog.read(lambda c: reading.content_hash(c, path))
        if digest is None:
            return None
        copy = self._copies / digest[:16] / Path(path).name
        if not copy.is_file():
            original = self.catalog.read(lambda c: reading.original(c, path))
            if original is None:
                return None
            copy.parent.mkdir(parents=True, exist_ok=True)
            partial = copy.with_name(f".{copy.name}.partial")
            partial.write_bytes(original)
            os.replace(partial, copy)  # never half a file under the document's name
        self._originals[str(copy)] = path
        return str(copy)

    def index(
        self,
        roots: Sequence[Path],
        patterns: Sequence[str],
        parser: ParserProcess,
        on_report: ReportCallback | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> RunSummary:
        """Parse, embed and write each file under `roots` (an editor's work; a member's write is
        refused by the server, and said so)."""
        self._check_editor("add documents to it")
        files = [str(p) for p in FileSelector(list(patterns)).expand(list(roots))]
        spaces = [TeamSpace(key, embedder) for key, embedder in self._models.items()]
        with self._writing:
            return index_into_team(
                self._connect, files, parser, spaces, on_report, on_progress, cancel
            )

    def remove(self, paths: Sequence[str]) -> list[str]:
        self._check_editor("remove documents from it")
        with self._writing, self._connect() as connection:
            return [p for p in paths if remove_document(connection, p)]

    def _may_write(self) -> bool:
        row = self.catalog.read(
            lambda c: c.execute(
                "SELECT has_table_privilege('librarian.documents', 'INSERT')"
            ).fetchone()
        )
        return bool(row and row[0])

    def _check_editor(self, what: str) -> None:
        """Said before any work: the server would refuse a member's write anyway."""
        if not self._may_write():
            raise TeamLibraryError(
                f"the team library {self.name} is open to you as a member: only its editors may "
                f"{what} (ask its admin for an editor's connection string)"
            )

    def close(self) -> None:
        self.retriever.close()
        self.catalog.close()
