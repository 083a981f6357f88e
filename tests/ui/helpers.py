"""Simulated user input for the window tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_files(target: QWidget, paths: Sequence[Path]) -> None:
    """A drag entering, moving over and dropping files on `target` (a viewport, usually)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(target.width() / 2, target.height() / 2)
    action = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), action, mime, buttons, modifiers)  # Qt: a QPoint
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the drag was refused"
    move = QDragMoveEvent(point.toPoint(), action, mime, buttons, modifiers)
    QApplication.sendEvent(target, move)
    drop = QDropEvent(point, action, mime, buttons, modifiers)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted(), "the drop was refused"
