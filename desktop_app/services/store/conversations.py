"""Conversations and their messages, with each answer's sources, in SQLite in the data dir."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from desktop_app.core.conversation import Conversation, Message, Source
from desktop_app.core.errors import LibrarianError
from desktop_app.core.quotes import Quote
from desktop_app.services.store.health import open_sqlite, raise_for_fault

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL DEFAULT '',
    instructions TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',
    cited TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    quotes TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, id);
"""


class ConversationNotFound(LibrarianError, LookupError):
    pass


class ConversationStore:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._folder = path.parent
        # Read-only when the machine refuses writes: the chats can still be read.
        self._db, self.read_only = open_sqlite(path)
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        if "quotes" not in columns and not self.read_only:  # a library from before quotes
            self._db.execute("ALTER TABLE messages ADD COLUMN quotes TEXT NOT NULL DEFAULT '[]'")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write the machine refuses is DiskFull or ReadOnlyLibrary, in the user's words."""
        try:
            yield
        except sqlite3.Error as exc:
            raise_for_fault(exc, self._folder, "try again")
            raise

    def create(self, title: str = "", instructions: str = "") -> int:
        now = time.time()
        with self._lock, self._writing():
            cur = self._db.execute(
                "INSERT INTO conversations (title, instructions, created_at, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (title, instructions, now, now),
            )
        return int(cur.lastrowid or 0)

    def all(self) -> list[Conversation]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title, instructions, created_at, updated_at FROM conversations"
                " ORDER BY updated_at DESC"
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def get(self, conversation_id: int) -> Conversation:
        with self._lock:
            row = self._db.execute(
                "SELECT id, title, instructions, created_at, updated_at FROM conversations"
                " WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise ConversationNotFound(f"no conversation {conversation_id}")
            messages = self._db.execute(
                "SELECT role, content, sources, cited, created_at, quotes FROM messages"
                " WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        conversation = Conversation(*row)
        for role, content, sources, cited, created_at, quotes in messages:
            conversation.messages.append(
                Message(
                    role,
                    content,
                    tuple(Source(**s) for s in json.loads(sources)),
                    tuple(json.loads(cited)),
                    created_at,
                    tuple(Quote(**q) for q in json.loads(quotes)),
                )
            )
        return conversation

    def add_exchange(
        self,
        conversation_id: int,
        question: str,
        answer: str,
        sources: list[Source],
        cited: list[int],
        quotes: Sequence[Quote] = (),
    ) -> None:
        """Store a question and its answer together (one transaction)."""
        now = time.time()
        source_rows = json.dumps([asdict(s) for s in sources], ensure_ascii=False)
        quote_rows = json.dumps([asdict(q) for q in quotes], ensure_ascii=False)
        with self._lock, self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO messages (conversation_id, role, content, created_at)"
                    " VALUES (?, 'user', ?, ?)",
                    (conversation_id, question, now),
                )
                self._db.execute(
                    "INSERT INTO messages (conversation_id, role, content, sources, cited,"
                    " created_at, quotes) VALUES (?, 'assistant', ?, ?, ?, ?, ?)",
                    (conversation_id, answer, source_rows, json.dumps(cited), now, quote_rows),
                )
                self._db.execute(
                    "UPDATE conversations SET updated_at = ?,"
                    " title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                    (now, question[:80], conversation_id),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rename(self, conversation_id: int, title: str) -> None:
        with self._lock, self._writing():
            self._db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
            )

    def set_instructions(self, conversation_id: int, instructions: str) -> None:
        with self._lock, self._writing():
            self._db.execute(
                "UPDATE conversations SET instructions = ? WHERE id = ?",
                (instructions, conversation_id),
            )

    def delete(self, conversation_id: int) -> None:
        with self._lock, self._writing():
            self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def search(self, text: str) -> set[int]:
        """Ids of the conversations whose title or messages contain `text`, ignoring case in any
        script (SQLite's LIKE folds ASCII only, so the matching is done here)."""
        needle = text.casefold()
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title FROM conversations UNION ALL"
                " SELECT conversation_id, content FROM messages"
            ).fetchall()
        return {int(cid) for cid, content in rows if needle in str(content).casefold()}
