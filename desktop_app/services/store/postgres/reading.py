"""What a team library's members read: its documents, passages by id, a scope of documents
by path, a page read by OCR with its word boxes, and a document's file (to open a cited page
on any computer). The same records as the local catalog gives (core.records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desktop_app.core.ocr_layout import unpack_words
from desktop_app.core.records import DocumentInfo, Outcome, PageText, StoredChunk

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


def documents(connection: Connection) -> list[DocumentInfo]:
    rows = connection.execute(
        "SELECT path, status, reason, title, format, coalesce(pages, 0), passages, size, "
        "content_hash, extract(epoch FROM added_at) FROM librarian.documents ORDER BY path"
    ).fetchall()
    return [
        DocumentInfo(
            path=str(r[0]), status=Outcome(str(r[1])), reason=None if r[2] is None else str(r[2]),
            title=str(r[3]), format=str(r[4]), pages=int(r[5]), chunks=int(r[6]),
            size=int(r[7]), mtime_ns=0, content_hash=str(r[8]), indexed_at=float(r[9]),
        )
        for r in rows
    ]


def passages(connection: Connection, ids: Sequence[str]) -> dict[str, StoredChunk]:
    rows = connection.execute(
        "SELECT p.id, p.document_id, d.path, d.title, p.ordinal, p.page, p.start_offset, "
        "p.end_offset, p.text FROM librarian.passages p JOIN librarian.documents d "
        "ON d.id = p.document_id WHERE p.id = ANY(%s)",
        (list(ids),),
    ).fetchall()
    return {
        str(r[0]): StoredChunk(
            id=str(r[0]), doc_id=str(r[1]), path=str(r[2]), title=str(r[3]),
            ordinal=int(r[4]), page=None if r[5] is None else int(r[5]),
            start=int(r[6]), end=int(r[7]), text=str(r[8]),
        )
        for r in rows
    }


def scope(connection: Connection, paths: Sequence[str]) -> list[int]:
    """The ids of the documents at `paths`: files, or folders (everything under them)."""
    found: dict[int, None] = {}
    for path in paths:
        folder = path.rstrip("/\\")
        rows = connection.execute(
            "SELECT id FROM librarian.documents WHERE path = %s OR starts_with(path, %s) "
            "OR starts_with(path, %s) ORDER BY id",
            (path, folder + "/", folder + "\\"),
        ).fetchall()
        found.update((int(r[0]), None) for r in rows)
    return list(found)


def scanned_page(connection: Connection, path: str, page: int) -> PageText | None:
    row = connection.execute(
        "SELECT s.text, s.words FROM librarian.pages s JOIN librarian.documents d "
        "ON d.id = s.document_id WHERE d.path = %s AND s.number = %s",
        (path, page),
    ).fetchone()
    return None if row is None else PageText(page, str(row[0]), unpack_words(bytes(row[1])))


def original(connection: Connection, path: str) -> bytes | None:
    """The file as the editor added it, or None when there is no such document."""
    row = connection.execute(
        "SELECT original FROM librarian.documents WHERE path = %s", (path,)
    ).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def content_hash(connection: Connection, path: str) -> str | None:
    """The document's content hash (names a copy of its file), None when there is none."""
    row = connection.execute(
        "SELECT content_hash FROM librarian.documents WHERE path = %s", (path,)
    ).fetchone()
    return None if row is None else str(row[0])
