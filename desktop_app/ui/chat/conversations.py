"""Which conversation is open, and the conversation list's requests: new, select, rename,
delete, search, export. Handed the list, the chat panel and the window's remembered state;
the library is attached when it opens (before that every request is ignored)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QTabWidget, QWidget

from desktop_app.core.errors import DiskFull, ReadOnlyLibrary
from desktop_app.ui.chat.conversation_list import UNTITLED, ConversationList

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.core.conversation import Conversation
    from desktop_app.ui.chat.chat_view import ChatPanel

_LAST = "chat/last_conversation"


class Conversations:
    def __init__(
        self,
        chats: ConversationList,
        tabs: QTabWidget,
        panel: ChatPanel,
        ui_state: QSettings,
        confirm: Callable[[str, str], bool],
        not_kept: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        self.library: Library | None = None
        self.current: int | None = None  # the open conversation's id
        self.switched: list[Callable[[], None]] = []  # called when another one is shown
        self._chats = chats
        self._tabs = tabs  # the list's tab: brought forward for a new chat
        self._panel = panel
        self._ui_state = ui_state
        self._confirm = confirm
        self._not_kept = not_kept  # said in the banner: a full disk keeps no new chat
        self._parent = parent
        chats.selected.connect(self.select)
        chats.new_requested.connect(self.new)
        chats.rename_requested.connect(self.rename)
        chats.delete_requested.connect(self.delete)
        chats.search_changed.connect(self.search)

    def attach(self, library: Library) -> None:
        """The library opened: list its conversations and show the one last open."""
        self.library = library
        self.refresh(self._last())
        if self.current is not None:
            self.select(self.current)

    def refresh(self, current: int | None = None) -> None:
        """List the conversations again, `current` marked (None if it is gone)."""
        if self.library is None:
            return
        conversations = self.library.chats.all()
        self.current = current if current in {c.id for c in conversations} else None
        self._chats.set_conversations(conversations, self.current)

    def select(self, conversation_id: int) -> None:
        if self.library is None:
            return
        conversation = self.library.chats.get(conversation_id)
        self.current = conversation_id
        for callback in self.switched:
            callback()
        self._panel.transcript.show_messages(conversation.messages)
        self.show_title(conversation)
        self._ui_state.setValue(_LAST, conversation_id)

    def show_title(self, conversation: Conversation) -> None:
        instructions = conversation.instructions
        self._panel.title.setText(
            f"<b>{html.escape(conversation.title or UNTITLED)}</b>"
            + (f" — <i>{html.escape(instructions)}</i>" if instructions else "")
        )

    def new(self) -> None:
        if self.library is None:
            return
        if self.current is not None and not self.library.chats.get(self.current).messages:
            self._panel.composer.setFocus()  # the current chat is still empty: use it
            return
        conversation_id = self.start()
        if conversation_id is None:
            return
        self.refresh(conversation_id)
        self.select(conversation_id)
        self._tabs.setCurrentWidget(self._chats)
        self._panel.composer.setFocus()

    def start(self) -> int | None:
        """A new conversation, made current; None on a full disk or a read-only folder (said
        in the banner: questions are still answered, not kept)."""
        assert self.library is not None
        try:
            self.current = self.library.chats.new()
        except (DiskFull, ReadOnlyLibrary) as exc:
            self._not_kept(f"{exc}; answers are not kept until then")
            self.current = None
        return self.current

    def rename(self, conversation_id: int, title: str) -> None:
        if self.library is not None and title:
            self.library.chats.rename(conversation_id, title)
            if conversation_id == self.current:
                self.show_title(self.library.chats.get(conversation_id))

    def delete(self, conversation_id: int) -> None:
        if self.library is None or not self._confirm("Delete chat", "Delete this conversation?"):
            return
        self.library.chats.delete(conversation_id)
        remaining = [c.id for c in self.library.chats.all()]
        current = self.current if self.current != conversation_id else None
        self.refresh(current or (remaining[0] if remaining else None))
        if self.current is not None:
            self.select(self.current)
        else:
            self._panel.transcript.show_messages([])
            self._panel.title.clear()

    def search(self, text: str) -> None:
        if self.library is not None:
            self._chats.show_only(self.library.chats.search(text) if text else None)

    def export(self) -> None:
        if self.library is None or self.current is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Export chat", "chat.md", "Markdown (*.md)"
        )
        if path:
            Path(path).write_text(self.library.chats.export(self.current), encoding="utf-8")

    def remember(self) -> None:
        """Written down for the next start."""
        if self.current is not None:
            self._ui_state.setValue(_LAST, self.current)

    def _last(self) -> int | None:
        value = self._ui_state.value(_LAST)
        try:
            return int(str(value)) if value is not None else None
        except ValueError:
            return None
