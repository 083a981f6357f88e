from pathlib import Path

import pytest

from desktop_app.core.lexical import index_terms
from desktop_app.core.records import ChunkDraft, Outcome, ParsedDocument
from desktop_app.services.store.catalog import Catalog, CatalogError, document_id


def parsed(path: str, digest: str, *texts: str) -> ParsedDocument:
    chunks = tuple(ChunkDraft(1, 0, len(t), t, i) for i, t in enumerate(texts))
    return ParsedDocument(
        path, digest, 10, 1, "text", "T", 1, chunks, tuple(" ".join(index_terms(t)) for t in texts)
    )


def test_replace_is_atomic_and_searchable(tmp_path: Path):
    cat = Catalog(tmp_path / "c.sqlite3")
    doc = parsed("/a.txt", "h1", "Книги о кошках", "Dogs and wolves")
    cat.replace_document(doc, document_id(doc.path, doc.content_hash), doc.terms)
    assert [cid for cid, _ in cat.lexical.search(index_terms("книгу"), 5)] == [
        f"{document_id('/a.txt', 'h1')}:0"
    ]
    new = parsed("/a.txt", "h2", "Only cats now")
    cat.replace_document(new, document_id(new.path, new.content_hash), new.terms)
    assert cat.lexical.search(index_terms("wolves"), 5) == []
    assert cat.chunk_count() == 1 and len(cat.documents()) == 1


def test_failed_transaction_leaves_old_version(tmp_path: Path):
    cat = Catalog(tmp_path / "c.sqlite3")
    doc = parsed("/a.txt", "h1", "first version")
    cat.replace_document(doc, document_id(doc.path, "h1"), doc.terms)
    broken = parsed("/a.txt", "h2", "second", "version")
    with pytest.raises(ValueError):  # terms do not match the chunks: zip(strict) raises midway
        cat.replace_document(broken, document_id(broken.path, "h2"), broken.terms[:1])
    kept = cat.document("/a.txt")
    assert kept is not None and kept.content_hash == "h1"
    assert cat.chunk_count() == 1


def test_skips_are_remembered(tmp_path: Path):
    cat = Catalog(tmp_path / "c.sqlite3")
    cat.record_unindexed(parsed("/s.pdf", "h"), Outcome.SKIPPED, "password-protected")
    info = cat.document("/s.pdf")
    assert (
        info is not None and info.status is Outcome.SKIPPED and info.reason == "password-protected"
    )


def test_damaged_database_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(CatalogError, match=r"is damaged .*librarian repair"):
        Catalog(path)
