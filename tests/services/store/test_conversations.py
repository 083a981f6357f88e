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


def test_quotes_are_kept_and_a_library_from_before_quotes_opens(tmp_path: Path):
    import sqlite3

    from desktop_app.core.quotes import Quote

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL"
        " DEFAULT '', instructions TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL,"
        " updated_at REAL NOT NULL);"
        "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id INTEGER"
        " NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, sources TEXT NOT NULL DEFAULT"
        " '[]', cited TEXT NOT NULL DEFAULT '[]', created_at REAL NOT NULL);"
        "INSERT INTO conversations VALUES (1, 'Old', '', 0, 0);"
        "INSERT INTO messages VALUES (1, 1, 'user', 'Q?', '[]', '[]', 0);"
    )
    old.commit()
    old.close()
    store = ConversationStore(path)
    assert store.get(1).messages[0].quotes == ()
    quote = Quote("It opens at ten.", 1, "/a.txt", None, 4, 20, 1.25)
    store.add_exchange(1, "When?", "At ten [1].", [], [1], [quote])
    assert store.get(1).messages[-1].quotes == (quote,)
