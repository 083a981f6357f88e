"""The conversation list: new, rename (edit in place), delete, search titles and messages."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore
from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.conversation import Conversation

UNTITLED = "New chat"


def _id_role() -> QtCore.Qt.ItemDataRole:
    # Not a module constant: touching QtCore.Qt costs ~40 ms (PySide6 builds all its enums),
    # which the window pays after its first paint, not before.
    return QtCore.Qt.ItemDataRole.UserRole


class ConversationList(QWidget):
    selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.new_button = QPushButton("New chat")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_changed)
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemChanged.connect(self._edited)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._filling = False

    def enable_context_menu(self) -> None:
        """Called after the first paint (see _id_role)."""
        self.list.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)

    def set_conversations(self, conversations: Sequence[Conversation], current: int | None) -> None:
        self._filling = True
        self.list.clear()
        for conversation in conversations:
            item = QListWidgetItem(conversation.title or UNTITLED)
            item.setData(_id_role(), conversation.id)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(conversation.title or UNTITLED)
            self.list.addItem(item)
            if conversation.id == current:
                self.list.setCurrentItem(item)
        self._filling = False

    def show_only(self, ids: set[int] | None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(ids is not None and int(item.data(_id_role())) not in ids)

    def ids(self) -> list[int]:
        return [int(self.list.item(r).data(_id_role())) for r in range(self.list.count())]

    def _current_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None and not self._filling:
            self.selected.emit(int(item.data(_id_role())))

    def _edited(self, item: QListWidgetItem) -> None:
        if not self._filling:
            self.rename_requested.emit(int(item.data(_id_role())), item.text().strip())

    def _menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        conversation_id = int(item.data(_id_role()))
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self.list.editItem(item))
        menu.addAction("Delete", lambda: self.delete_requested.emit(conversation_id))
        menu.popup(self.list.viewport().mapToGlobal(position))
