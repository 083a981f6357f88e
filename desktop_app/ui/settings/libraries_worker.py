"""Adding and forgetting team libraries on a thread of its own: adding connects to the server
(up to its 10-second time-out), forgetting may wait on the system's keyring. Neither waits
behind an indexing run, nor holds up the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from desktop_app.ui.errors import user_message
from desktop_app.ui.workers import EngineWorker


class LibrariesWorker(EngineWorker):
    added = Signal(str, str)  # name, what it is ("member, 4 documents; password kept in …")
    forgotten = Signal(str)
    refused = Signal(str)  # why a library could not be added or forgotten

    def __init__(self, data_dir: Path) -> None:
        super().__init__("librarian-libraries")
        self._data_dir = data_dir

    def add(self, name: str, url: str) -> None:
        self.submit(lambda: self._add(name, url))

    def forget(self, name: str) -> None:
        self.submit(lambda: self._forget(name))

    def close(self) -> bool:
        return self.stop()

    def _add(self, name: str, url: str) -> None:
        from desktop_app.application.team import TeamLibraries

        teams = TeamLibraries(self._data_dir)
        try:
            state = teams.add(name, url)
        except Exception as exc:  # noqa: BLE001 - unreachable, refused, not a team library
            self.refused.emit(user_message(exc, "adding a team library"))
            return
        documents = f"{state.documents} document{'s' * (state.documents != 1)}"
        self.added.emit(
            name, f"{state.role}, {documents}; its password is kept in {teams.secrets_kept_in()}"
        )

    def _forget(self, name: str) -> None:
        from desktop_app.application.team import TeamLibraries

        try:
            TeamLibraries(self._data_dir).forget(name)
        except Exception as exc:  # noqa: BLE001
            self.refused.emit(user_message(exc, "forgetting a team library"))
            return
        self.forgotten.emit(name)
