"""What the window shows of the library's conditions (ui.banner): meaning search rebuilt after
damage, a full disk (indexing resumes by itself once there is space), a damaged catalog (with
Repair), an answer that could not be kept. None of them is an error dialog."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from desktop_app.ui.banner import CATALOG, DISK, NOT_KEPT, REBUILDING, Banner
from desktop_app.ui.library.library_worker import LibraryWorker

_SPACE_CHECK_MS = 5_000  # how often a full disk is looked at again
_ROOM_BYTES = 100_000_000  # free space at which stopped indexing resumes


class LibraryHealthView(QObject):
    def __init__(
        self,
        banner: Banner,
        worker: LibraryWorker,
        data_dir: Path,
        index_paths: Callable[[Sequence[str]], None],
    ) -> None:
        super().__init__(banner)
        self.banner = banner
        self._worker = worker
        self._data_dir = data_dir
        self._index_paths = index_paths
        self._stopped: list[str] = []  # what a full disk stopped, resumed once there is room
        self._timer = QTimer(self)
        self._timer.setInterval(_SPACE_CHECK_MS)
        self._timer.timeout.connect(self._look_at_disk)
        worker.condition.connect(self._condition)
        worker.degraded.connect(self._degraded)
        worker.restored.connect(self._restored)  # a method: queued to the GUI thread
        banner.action_clicked.connect(self._act)

    def library_failed(self, message: str) -> bool:
        """A library that cannot be opened: a damaged catalog is offered its repair (True:
        said in the banner, no dialog needed)."""
        if "librarian repair" not in message:
            return False
        self.banner.say(CATALOG, message.replace("`librarian repair` (or Repair in the window)",
                                                 "Repair"), "Repair")  # fmt: skip
        return True

    def answer_not_kept(self, why: str | None) -> None:
        if why:
            self.banner.say(NOT_KEPT, why)
        else:
            self.banner.drop(NOT_KEPT)

    def _restored(self, text: str) -> None:
        self.banner.say(CATALOG, text)

    def _condition(self, key: str, text: str, stopped: list[str]) -> None:
        if not text:
            self.banner.drop(key)
            return
        if stopped:
            self._stopped = list(dict.fromkeys([*self._stopped, *stopped]))
        action = "Resume now" if key == DISK and self._stopped else ""
        self.banner.say(key, text, action)
        if key == DISK and self._stopped:
            self._timer.start()

    def _degraded(self, text: str) -> None:
        if text:
            self.banner.say(REBUILDING, text)
        else:
            self.banner.drop(REBUILDING)

    def _act(self, key: str) -> None:
        if key == CATALOG:
            self.banner.say(CATALOG, "Restoring the catalog from its backup…")
            self._worker.repair(self._data_dir)
        elif key == DISK:
            self._resume()

    def _look_at_disk(self) -> None:
        try:
            free = shutil.disk_usage(self._data_dir).free
        except OSError:
            return
        if free >= _ROOM_BYTES:
            self._resume()

    def _resume(self) -> None:
        self._timer.stop()
        self.banner.drop(DISK)
        stopped, self._stopped = self._stopped, []
        if stopped:
            self._index_paths(stopped)
