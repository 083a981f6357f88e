"""Watched folders: changes on disk trigger an incremental re-index of their folder.

QFileSystemWatcher reports a folder whose entries changed (a file added, removed or renamed;
most editors save by renaming); a slow periodic rescan catches edits in place. Re-indexing a
folder is cheap when little changed: unchanged files are recognised by size and time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

DEBOUNCE_MS = 1500  # a copy of many files is one re-index, not one per file
RESCAN_MS = 5 * 60 * 1000


class FolderWatcher(QObject):
    changed = Signal(list)  # list[str]: watched roots with changes to index

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_change)
        self.roots: list[str] = []
        self._dirty: set[str] = set()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._flush)
        self._rescan = QTimer(self)
        self._rescan.setInterval(RESCAN_MS)
        self._rescan.timeout.connect(lambda: self.changed.emit(list(self.roots)))
        self._rescan.start()

    def set_roots(self, roots: Sequence[str]) -> None:
        self.roots = list(dict.fromkeys(roots))
        stale = [d for d in self._watcher.directories() if self._root_of(d) is None]
        if stale:
            self._watcher.removePaths(stale)

    def watch_directories(self, directories: Sequence[str]) -> None:
        """Add the folders found under the roots (scanned off the GUI thread)."""
        known = set(self._watcher.directories())
        new = [d for d in directories if d not in known and self._root_of(d) is not None]
        if new:
            self._watcher.addPaths(new)

    def directories(self) -> list[str]:
        return list(self._watcher.directories())

    def _root_of(self, directory: str) -> str | None:
        path = Path(directory)
        for root in self.roots:
            if path == Path(root) or Path(root) in path.parents:
                return root
        return None

    def _on_change(self, directory: str) -> None:
        root = self._root_of(directory)
        if root is not None:
            self._dirty.add(root)
            self._debounce.start()

    def _flush(self) -> None:
        roots, self._dirty = sorted(self._dirty), set()
        if roots:
            self.changed.emit(roots)
