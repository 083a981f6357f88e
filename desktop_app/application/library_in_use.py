"""Which library search, answers, the documents' list, indexing and removal act on: this
computer's, or a team library (`librarian team use`, Settings → Libraries in the window).
Conversations, settings and models stay on this computer whichever it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop_app.application.team_use import TeamInUse
from desktop_app.core.paths import DataPaths
from desktop_app.core.team_libraries import LOCAL, TeamRegistry
from desktop_app.services.embeddings import Embedder
from desktop_app.services.llm import LlmEngine
from desktop_app.services.search.answering import AnswerService
from desktop_app.services.search.retrieval import Retriever
from desktop_app.services.store.postgres.connection import TeamLibraryError


class LibraryInUse:
    def __init__(
        self,
        paths: DataPaths,
        local: Retriever,
        llm: LlmEngine,
        models: Callable[[], dict[str, Embedder]],
    ) -> None:
        """`models`: the embedding models this computer's settings chose, by key."""
        self._paths, self._local, self._llm, self._models = paths, local, llm, models
        self.team: TeamInUse | None = None
        self.answers = AnswerService(local, llm)  # searches the library in use
        # The team library chosen last that could not be opened, and why (the window says so).
        self.unreachable: tuple[str, str] | None = None

    def open(self, or_local: bool) -> None:
        """Open the library chosen last; with `or_local`, a team library out of reach leaves
        this computer's in use (`unreachable` says why) instead of raising."""
        name = TeamRegistry(self._paths.teams).in_use()
        if name == LOCAL:
            return
        try:
            self.use(name)
        except TeamLibraryError as exc:
            if not or_local:
                raise TeamLibraryError(
                    f"{exc} (the team library {name} is in use; `librarian team use local` "
                    "works on this computer's library meanwhile)"
                ) from None
            self.unreachable = (name, str(exc))

    def use(self, name: str) -> None:
        """Act on the team library `name` from now on, or on this computer's (LOCAL); the one
        in use stays when the other cannot be opened (TeamLibraryError says why)."""
        team = None if name == LOCAL else TeamInUse.open(self._paths, self._models(), name)
        old, self.team = self.team, team
        self.answers = AnswerService(team.retriever if team else self._local, self._llm)
        registry = TeamRegistry(self._paths.teams)
        if registry.in_use() != name:
            registry.use(name)
        self.unreachable = None
        if old is not None:
            old.close()

    def current(self) -> tuple[str, str]:
        """The library in use and the user's role in it: (a team library's name, "editor" or
        "member"), or (LOCAL, "")."""
        return (self.team.name, self.team.role) if self.team is not None else (LOCAL, "")

    def source_file(self, path: str) -> str | None:
        """A file of this computer to open the document at `path` from: the file itself, or for
        a team library's document not on this computer a copy fetched from the server (None:
        neither)."""
        if Path(path).is_file():
            return path
        return self.team.local_copy(path) if self.team is not None else None

    def close(self) -> None:
        if self.team is not None:
            self.team.close()
