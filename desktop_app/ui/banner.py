"""The banner above the chat: the library's conditions that are not errors (meaning search
being rebuilt, a full disk, a damaged catalog, an answer not kept, a team library out of
reach), each said once in plain words with the action that helps, and gone when the condition
is."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

# Keys of the conditions the window shows (one message each, the latest wins).
REBUILDING = "rebuilding"
DISK = "disk"
CATALOG = "catalog"
NOT_KEPT = "not kept"
TEAM = "team"  # the team library in use cannot be reached


class Banner(QFrame):
    action_clicked = Signal(str)  # the key of the condition whose button was pressed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # The palette's own colours: readable in light and dark themes alike.
        self.setStyleSheet(
            "#banner { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-radius: 4px; }"
        )
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(10, 6, 10, 6)
        self._said: dict[str, tuple[str, str]] = {}  # key -> (text, action's label)
        self.hide()

    def say(self, key: str, text: str, action: str = "") -> None:
        """Show (or replace) the message for `key`, with a button when `action` is given."""
        self._said[key] = (text, action)
        self._render()

    def drop(self, key: str) -> None:
        if self._said.pop(key, None) is not None:
            self._render()

    def text_of(self, key: str) -> str | None:
        said = self._said.get(key)
        return said[0] if said else None

    def _render(self) -> None:
        while self._rows.count():
            item = self._rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for key, (text, action) in self._said.items():
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            label = QLabel(text)
            label.setWordWrap(True)
            line.addWidget(label, 1)
            if action:
                button = QPushButton(action)
                button.clicked.connect(lambda _=False, k=key: self.action_clicked.emit(k))
                line.addWidget(button)
            self._rows.addWidget(row)
        self.setVisible(bool(self._said))
