"""The folders the library watches: kept in the settings, shown in the library panel, watched
on disk by the folder watcher (every subfolder, found by the library worker off the GUI
thread), and a change in one is indexed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.ui.library.folder_watcher import FolderWatcher
    from desktop_app.ui.library.library_panel import LibraryPanel
    from desktop_app.ui.library.library_worker import LibraryWorker


class WatchedFolders:
    def __init__(
        self,
        worker: LibraryWorker,
        panel: LibraryPanel,
        watcher: FolderWatcher,
        index: Callable[[Sequence[str]], None],
    ) -> None:
        self._worker, self._panel, self.watcher, self._index = worker, panel, watcher, index
        self.library: Library | None = None
        worker.folders_scanned.connect(watcher.watch_directories)
        watcher.changed.connect(self._changed)
        panel.unwatch_requested.connect(self.unwatch)

    def attach(self, library: Library) -> None:
        self.library = library
        self.refresh()

    def watch(self, folders: Sequence[str]) -> None:
        """Watch these folders from now on, unless a watched one holds them already."""
        if self.library is None or not folders:
            return
        watched = self.library.settings.watched_folders
        for folder in (str(Path(f).resolve()) for f in folders):
            inside = any(
                Path(w) == Path(folder) or Path(w) in Path(folder).parents for w in watched
            )
            if not inside:
                watched.append(folder)
        self.library.save_settings()
        self.refresh()

    def unwatch(self, folder: str) -> None:
        if self.library is None:
            return
        settings = self.library.settings
        settings.watched_folders = [f for f in settings.watched_folders if f != folder]
        self.library.save_settings()
        self.refresh()

    def refresh(self) -> None:
        folders = self.library.settings.watched_folders if self.library else []
        self._panel.set_watched(folders)
        self.watcher.set_roots(folders)
        self._worker.scan_folders(folders)

    def _changed(self, roots: list[str]) -> None:
        self._index(roots)
        self._worker.scan_folders(roots)  # new subfolders get watched too
