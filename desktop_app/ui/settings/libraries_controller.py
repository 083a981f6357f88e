"""Which library the window works on: the window title says it, the banner says when the team
library in use could not be reached (with Retry: this computer's library is open meanwhile),
and Settings → Libraries switches, adds and forgets. The switch runs on the library's worker,
after the job running there; adding and forgetting on a worker of their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from desktop_app.core.errors import LibrarianError
from desktop_app.core.paths import DataPaths
from desktop_app.core.team_libraries import LOCAL, TeamRegistry
from desktop_app.ui.banner import TEAM, Banner
from desktop_app.ui.library.library_worker import LibraryWorker
from desktop_app.ui.settings.libraries_dialog import LibrariesDialog
from desktop_app.ui.settings.libraries_worker import LibrariesWorker

Confirm = Callable[[str, str], bool]


def window_title(name: str, role: str) -> str:
    if name == LOCAL:
        return "Librarian — this computer"
    return f"Librarian — {name} (team library, {role})"


class LibrariesController(QObject):
    def __init__(
        self,
        window: QMainWindow,
        banner: Banner,
        library_worker: LibraryWorker,
        data_dir: Path,
        confirm: Confirm,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._banner = banner
        self._library_worker = library_worker
        self._registry = TeamRegistry(DataPaths(data_dir).teams)
        self._data_dir = data_dir
        self._confirm = confirm
        self._worker: LibrariesWorker | None = None  # made when the dialog first opens
        self.dialog: LibrariesDialog | None = None
        self.in_use = LOCAL
        self._unreachable = ""  # the team library that could not be opened
        # In the status bar too: a window manager may cut the title, and screenshots lack it.
        self.label = QLabel()
        window.statusBar().addPermanentWidget(self.label)
        library_worker.library_in_use.connect(self._library_in_use)
        banner.action_clicked.connect(self._banner_action)

    def open_dialog(self) -> LibrariesDialog:
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        if self._worker is None:
            self._worker = LibrariesWorker(self._data_dir)
            self._worker.added.connect(self._added)
            # Methods of this QObject (not lambdas): queued to the GUI thread.
            self._worker.forgotten.connect(self._forgotten)
            self._worker.refused.connect(self._refused)
        dialog = self.dialog = LibrariesDialog(self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._dialog_closed)
        dialog.use_requested.connect(self.use)
        dialog.add_requested.connect(self._worker.add)
        dialog.forget_requested.connect(self._forget)
        self._refresh()
        dialog.open()
        return dialog

    def use(self, name: str) -> None:
        """Switch to the team library `name` or to this computer's (LOCAL), on the library's
        worker after the job running there (an indexing run ends first)."""
        worker = self._library_worker
        worker.submit(lambda: _use_library(worker, name))

    def close(self) -> None:
        """At shutdown: an addition under way ends with its connection's time-out at most."""
        if self._worker is not None:
            self._worker.close()

    def _dialog_closed(self) -> None:
        self.dialog = None

    def _refresh(self) -> None:
        if self.dialog is not None:
            self.dialog.show_libraries(self._registry.libraries(), self.in_use)

    def _added(self, name: str, what: str) -> None:
        self._refresh()
        if self.dialog is not None:
            self.dialog.added(name, what)

    def _forgotten(self, _name: str) -> None:
        self._refresh()

    def _refused(self, why: str) -> None:
        if self.dialog is not None:
            self.dialog.refused(why)

    def _forget(self, name: str) -> None:
        question = (
            f"Forget the team library {name} on this computer? Its documents stay on its "
            "server; its password is removed from this computer."
        )
        if self._worker is not None and self._confirm("Forget a team library", question):
            self._worker.forget(name)

    def _library_in_use(self, name: str, role: str, unreachable: tuple[str, str] | None) -> None:
        self.in_use = name
        self._window.setWindowTitle(window_title(name, role))
        here = "this computer" if name == LOCAL else f"{name} (team, {role})"
        self.label.setText(f"Library: {here}")
        if unreachable is None:
            self._unreachable = ""
            self._banner.drop(TEAM)
        else:
            self._unreachable, why = unreachable
            self.label.setText(f"Library: {here} ({self._unreachable} not reached)")
            opened = "this computer's library" if name == LOCAL else f"the team library {name}"
            self._banner.say(
                TEAM,
                f"The team library {self._unreachable} cannot be used now: {why}. "
                f"Working on {opened} meanwhile.",
                "Retry",
            )
        self._refresh()
        if self.dialog is not None:
            shown = "this computer's library" if name == LOCAL else f"the team library {name}"
            self.dialog.say(f"Now using {shown}." if unreachable is None else unreachable[1])

    def _banner_action(self, key: str) -> None:
        if key == TEAM and self._unreachable:
            self._banner.say(TEAM, f"Connecting to the team library {self._unreachable}…")
            self.use(self._unreachable)


def _use_library(worker: LibraryWorker, name: str) -> None:
    """On the library worker's thread: its library_in_use signal says how it went."""
    if worker.library is None:
        return
    unreachable = None
    try:
        worker.library.in_use.use(name)
    except LibrarianError as exc:  # unreachable, or forgotten meanwhile: the one in use stays
        unreachable = (name, str(exc))
    worker.library_in_use.emit(*worker.library.in_use.current(), unreachable)
    worker.list_documents()
