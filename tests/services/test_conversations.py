from pathlib import Path

import pytest

from desktop_app.core.conversation import Source
from desktop_app.services.store.conversations import ConversationNotFound, ConversationStore


def test_exchanges_rename_instructions_delete(tmp_path: Path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    chat = store.create()
    source = Source(1, "/a.pdf", 2, 0, 5, "Hello", 0.5)
    store.add_exchange(chat, "First question?", "An answer [1].", [source], [1])
    conversation = store.get(chat)
    assert conversation.title == "First question?"  # named after its first question
    assert conversation.messages[1].sources == (source,) and conversation.messages[1].cited == (1,)
    store.rename(chat, "Renamed")
    store.set_instructions(chat, "Answer in Russian.")
    assert (store.get(chat).title, store.get(chat).instructions) == (
        "Renamed",
        "Answer in Russian.",
    )
    store.delete(chat)
    with pytest.raises(ConversationNotFound):
        store.get(chat)
    assert store.all() == []
