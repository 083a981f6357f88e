"""The library's conversations (ConversationNotFound for an unknown id)."""

from __future__ import annotations

from desktop_app.core.conversation import Conversation, to_markdown
from desktop_app.services.store.conversations import ConversationStore


class Chats:
    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def all(self) -> list[Conversation]:
        """Every conversation, most recently used first (without their messages)."""
        return self.store.all()

    def get(self, conversation_id: int) -> Conversation:
        return self.store.get(conversation_id)

    def new(self, instructions: str = "") -> int:
        return self.store.create(instructions=instructions)  # DiskFull on a full disk

    def rename(self, conversation_id: int, title: str) -> None:
        self.store.rename(conversation_id, title)

    def set_instructions(self, conversation_id: int, instructions: str) -> None:
        self.store.set_instructions(conversation_id, instructions)

    def delete(self, conversation_id: int) -> None:
        self.store.delete(conversation_id)

    def search(self, text: str) -> set[int]:
        """Ids of the conversations whose title or messages contain `text`."""
        return self.store.search(text)

    def export(self, conversation_id: int) -> str:
        """The conversation as Markdown, with its citations."""
        return to_markdown(self.store.get(conversation_id))
