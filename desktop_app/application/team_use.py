"""The team library this data directory's commands act on (`librarian team use NAME`), opened
beside the local library: search and answers read it through the same retriever, `docs`
lists it, and an editor's `index` and `remove` write to it. Conversations, settings and
models stay on this computer; the embedding models are this computer's copies of the ones
the library's vectors were made with.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

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


class TeamInUse:
    def __init__(self, name: str, url: str, password: str | None, models: dict[str, Embedder]):
        self.name = name
        self._url, self._password = url, password
        self._connection = connect(url, password, autocommit=True)
        self.catalog = TeamCatalog(self._connection)
        self.spaces = TeamSpaces(self.catalog, models)
        self.retriever = Retriever(self.catalog, self.spaces)
        self._models = models
        self._writing = threading.Lock()  # one editor's run at a time from this computer

    @staticmethod
    def open(paths: DataPaths, models: dict[str, Embedder]) -> TeamInUse | None:
        """The team library in use, connected; None when the local one is."""
        registry = TeamRegistry(paths.teams)
        name = registry.in_use()
        if name == LOCAL:
            return None
        library = registry.get(name)
        password = SecretStore(paths.team_secrets).get(name)
        try:
            return TeamInUse(name, library.url, password, models)
        except TeamLibraryError as exc:
            raise TeamLibraryError(
                f"{exc} (the team library {name} is in use; `librarian team use local` works on "
                "this computer's library meanwhile)"
            ) from None

    def documents(self) -> list[DocumentInfo]:
        with self.catalog.locked() as connection:
            return reading.documents(connection)

    def scanned_page(self, path: str, page: int) -> PageText | None:
        with self.catalog.locked() as connection:
            return reading.scanned_page(connection, path, page)

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
        with self._writing, connect(self._url, self._password, autocommit=True) as writer:
            return index_into_team(writer, files, parser, spaces, on_report, on_progress, cancel)

    def remove(self, paths: Sequence[str]) -> list[str]:
        self._check_editor("remove documents from it")
        with self._writing, connect(self._url, self._password, autocommit=True) as connection:
            return [p for p in paths if remove_document(connection, p)]

    def _check_editor(self, what: str) -> None:
        """Said before any work: the server would refuse a member's write anyway."""
        with self.catalog.locked() as connection:
            row = connection.execute(
                "SELECT has_table_privilege('librarian.documents', 'INSERT')"
            ).fetchone()
        if not (row and row[0]):
            raise TeamLibraryError(
                f"the team library {self.name} is open to you as a member: only its editors may "
                f"{what} (ask its admin for an editor's connection string)"
            )

    def close(self) -> None:
        self.retriever.close()
        self._connection.close()
