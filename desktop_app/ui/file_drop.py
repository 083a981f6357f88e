"""Files and folders dropped anywhere on the window, including on text and list views (whose
viewports would otherwise take the drop as text)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractScrollArea, QWidget


def local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class FileDropFilter(QObject):
    """Event filter: accepts drags carrying local files and emits `dropped` with their paths."""

    dropped = Signal(list)  # list[Path]

    def install(self, window: QWidget) -> None:
        """Watch the window and every scroll area's viewport in it (call after building it)."""
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        for area in window.findChildren(QAbstractScrollArea):
            area.viewport().setAcceptDrops(True)
            area.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if local_paths(event):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            paths = local_paths(event)
            if paths:
                event.acceptProposedAction()
                self.dropped.emit(paths)
                return True
        return False
