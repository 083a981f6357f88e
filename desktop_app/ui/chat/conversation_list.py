"""The conversation list: new, rename (edit in place), delete, search titles and messages.

A model/view: the list is refilled after every answer (the answered chat moves to the top),
and a thousand conversations as list items took 16-36 ms each time. The model is Qt's own
string list, with no method written in Python: a Python model's rowCount ran twice per row
while the view laid out a thousand rows, each call waiting for the GIL while the window's
workers ran (20-50 ms on opening a library with 1,000 chats); now layout and paint stay in C++."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore
from PySide6.QtCore import QModelIndex, QPoint, QStringListModel, Signal
from PySide6.QtWidgets import QLineEdit, QListView, QMenu, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.conversation import Conversation

UNTITLED = "New chat"


class ConversationsModel(QStringListModel):
    """The titles shown, in C++; which conversation each row is, here."""

    renamed = Signal(int, str)  # conversation id, its new title

    def __init__(self) -> None:
        super().__init__()
        self._all: list[tuple[int, str]] = []  # (id, title), most recently used first
        self._shown: list[tuple[int, str]] = []  # those the search lets through
        self._only: set[int] | None = None
        self._restoring = False
        self.dataChanged.connect(self._edited)  # only edits: a refill resets the model

    def set_conversations(self, conversations: Sequence[Conversation]) -> None:
        self._all = [(c.id, c.title) for c in conversations]
        self._select()

    def show_only(self, ids: set[int] | None) -> None:
        self._only = ids
        self._select()

    def id_at(self, row: int) -> int:
        return self._shown[row][0]

    def row_of(self, conversation_id: int) -> int | None:
        for row, (cid, _) in enumerate(self._shown):
            if cid == conversation_id:
                return row
        return None

    def ids(self, shown_only: bool = False) -> list[int]:
        return [cid for cid, _ in (self._shown if shown_only else self._all)]

    def _select(self) -> None:
        only = self._only
        self._shown = self._all if only is None else [c for c in self._all if c[0] in only]
        self.setStringList([title or UNTITLED for _, title in self._shown])

    def _edited(self, first: QModelIndex, last: QModelIndex, _roles: object = None) -> None:
        if self._restoring:
            return
        for row in range(first.row(), last.row() + 1):
            conversation_id, before = self._shown[row]
            title = str(self.data(self.index(row))).strip()
            if not title or title == before:  # an empty title is no title: the old one stays
                self._restoring = True
                self.setData(self.index(row), before or UNTITLED)
                self._restoring = False
                continue
            self._all = [(cid, title if cid == conversation_id else t) for cid, t in self._all]
            self._shown = [(cid, title if cid == conversation_id else t) for cid, t in self._shown]
            self.renamed.emit(conversation_id, title)


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
        self.model = ConversationsModel()
        self.model.renamed.connect(self.rename_requested)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)  # the view never measures rows it does not show
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._filling = False
        self._current: int | None = None  # kept while a search hides it

    def enable_context_menu(self) -> None:
        """Called after the first paint: touching QtCore.Qt's enums costs ~40 ms (PySide6
        builds them all), which the window pays after its first paint, not during it."""
        self.list.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)

    def set_conversations(self, conversations: Sequence[Conversation], current: int | None) -> None:
        self._filling = True
        self._current = current
        self.model.set_conversations(conversations)
        self._select(current)
        self._filling = False

    def show_only(self, ids: set[int] | None) -> None:
        self._filling = True
        self.model.show_only(ids)
        self._select(self._current)
        self._filling = False

    def ids(self) -> list[int]:
        return self.model.ids()

    def visible_ids(self) -> list[int]:
        return self.model.ids(shown_only=True)

    def current_id(self) -> int | None:
        index = self.list.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def rename(self, conversation_id: int, title: str) -> None:
        """As if the user edited the title in place."""
        row = self.model.row_of(conversation_id)
        if row is not None:
            self.model.setData(self.model.index(row), title)

    def _select(self, conversation_id: int | None) -> None:
        row = self.model.row_of(conversation_id) if conversation_id is not None else None
        if row is not None:
            self.list.setCurrentIndex(self.model.index(row))

    def _edit(self, conversation_id: int) -> None:
        row = self.model.row_of(conversation_id)
        if row is not None:
            self.list.edit(self.model.index(row))

    def _current_changed(self, index: QModelIndex, _previous: QModelIndex) -> None:
        if index.isValid() and not self._filling:
            self._current = self.model.id_at(index.row())
            self.selected.emit(self._current)

    def _menu(self, position: QPoint) -> None:
        index = self.list.indexAt(position)
        if not index.isValid():
            return
        conversation_id = self.model.id_at(index.row())
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self._edit(conversation_id))
        menu.addAction("Delete", lambda: self.delete_requested.emit(conversation_id))
        menu.popup(self.list.viewport().mapToGlobal(position))
