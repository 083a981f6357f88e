"""Documents in a team library on a real PostgreSQL server: one transaction each, stored once
however many editors add the same file at the same moment, nothing left by a killed client,
members searching meanwhile; BM25 ranked as the local library's FTS5 ranks the same passages;
what members read back (passages, OCR word boxes, the file) is what was written."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_app.core.lexical import query_terms
from desktop_app.core.ocr_layout import pack_words, unpack_words
from desktop_app.core.records import ParsedDocument
from desktop_app.services.embeddings.passage_vectors import PassageVectors
from desktop_app.services.ingestion.parsing import ParseOptions, Parser, ParseRequest
from desktop_app.services.store.catalog import Catalog, document_id
from desktop_app.services.store.postgres import reading
from desktop_app.services.store.postgres.connection import connect
from desktop_app.services.store.postgres.documents import (
    put_document,
    remove_document,
    tsvector_text,
)
from desktop_app.services.store.postgres.search import dense, lexical
from desktop_app.services.store.postgres.team_init import TeamUrls, init_team_library
from tests.conftest import FIXTURES
from tests.e2e.faults import write_notes
from tests.scans import image_only_pdf

QUESTIONS = [
    "When does the ferry leave Porto?",
    "rye bread in Galway",
    "Туман над заливом",
    "weather at the accident site",
]


@pytest.fixture
def team(team_database: str) -> TeamUrls:
    return init_team_library(team_database)


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> list[ParsedDocument]:
    """Real files parsed by the real parser: 120 short notes, a Russian one and a PDF."""
    folder = tmp_path_factory.mktemp("notes") / "docs"
    write_notes(folder)
    parser = Parser(ParseOptions())
    return [parser.parse(ParseRequest(str(path))) for path in sorted(folder.iterdir())]


def fake_vectors(doc: ParsedDocument, salt: float = 0.0) -> dict[str, PassageVectors]:
    """Three-dimensional stand-ins: these tests are about the writes, not the model."""
    vectors = [[1.0, (n % 7) / 7 + salt, 0.5] for n in range(len(doc.chunks))]
    return {"model-a": PassageVectors(vectors, (b"sentences",) * len(vectors))}


def count(url: str, table: str) -> int:
    with connect(url) as connection:
        row = connection.execute(f"SELECT count(*) FROM librarian.{table}").fetchone()
    assert row is not None
    return int(str(row[0]))


def test_tsvector_text_splits_terms_as_fts5_does_and_keeps_positions():
    assert tsvector_text("ferri o'clock ferri 3.5 туман") == (
        "'ferri':1,4 'o':2 'clock':3 '3':5 '5':6 'туман':7",
        7,
    )


def test_a_document_is_written_whole_once_and_replaced_by_its_new_version(
    team: TeamUrls, notes: list[ParsedDocument], tmp_path: Path
):
    pdf = next(d for d in notes if d.format == "pdf")
    with connect(team.editor_url, autocommit=True) as editor:
        first = put_document(editor, pdf, b"%PDF bytes", fake_vectors(pdf))
        again = put_document(editor, pdf, b"%PDF bytes", fake_vectors(pdf))
    assert first.added and not again.added and again.document_id == first.document_id
    assert count(team.member_url, "passages") == len(pdf.chunks)
    newer = dataclasses.replace(pdf, content_hash="f" * 64)
    with connect(team.editor_url, autocommit=True) as editor:
        replaced = put_document(editor, newer, b"%PDF newer", fake_vectors(newer))
    assert replaced.replaced == first.document_id
    assert count(team.member_url, "documents") == 1
    assert count(team.member_url, "passages") == len(pdf.chunks)
    with connect(team.editor_url, autocommit=True) as editor:
        assert remove_document(editor, pdf.path) and not remove_document(editor, pdf.path)
        totals = editor.execute("SELECT passages, length FROM librarian.totals").fetchone()
        terms = editor.execute("SELECT count(*) FROM librarian.terms").fetchone()
    assert totals == (0, 0) and terms == (0,)
    assert count(team.member_url, "passages") == 0


def test_two_editors_adding_the_same_file_at_once_store_it_once(
    team: TeamUrls, notes: list[ParsedDocument]
):
    doc = notes[0]
    results = []
    start = threading.Barrier(2)

    def add() -> None:
        with connect(team.editor_url, autocommit=True) as editor:
            start.wait()
            results.append(put_document(editor, doc, b"bytes", fake_vectors(doc)))

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.added for r in results) == [False, True]
    assert count(team.member_url, "documents") == 1
    assert count(team.member_url, "passages") == len(doc.chunks)


def test_editors_adding_different_files_at_once_and_a_member_searching_meanwhile(
    team: TeamUrls, notes: list[ParsedDocument]
):
    halves = [notes[0::2], notes[1::2]]
    failures: list[BaseException] = []

    def add(documents: list[ParsedDocument]) -> None:
        try:
            with connect(team.editor_url, autocommit=True) as editor:
                for doc in documents:
                    put_document(editor, doc, doc.path.encode(), fake_vectors(doc))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    editors = [threading.Thread(target=add, args=(half,)) for half in halves]
    for thread in editors:
        thread.start()
    with connect(team.member_url, autocommit=True) as member:
        while any(thread.is_alive() for thread in editors):
            lexical(member, query_terms("ferry Porto"), 5)  # never an error, never a half document
    for thread in editors:
        thread.join(120)
    assert not failures, failures
    assert count(team.member_url, "documents") == len(notes)
    with connect(team.member_url) as member:
        totals = member.execute("SELECT passages FROM librarian.totals").fetchone()
    assert totals == (sum(len(d.chunks) for d in notes),)


KILLED = """
import os, sys
from desktop_app.services.store.postgres.connection import connect
with connect(sys.argv[1]) as editor:
    editor.execute(
        "INSERT INTO librarian.documents (content_hash, path, format, size, status) "
        "VALUES ('half', '/docs/half.txt', 'text', 1, 'indexed')")
    editor.execute("UPDATE librarian.totals SET passages = passages + 1")
    print("written", flush=True)
    os.kill(os.getpid(), 9)
"""


def test_a_document_is_never_written_inside_a_transaction_left_open(team: TeamUrls, notes):
    with connect(team.editor_url) as editor, pytest.raises(ValueError, match="autocommit"):
        put_document(editor, notes[0], b"", fake_vectors(notes[0]))


def test_a_client_killed_mid_document_leaves_nothing(team: TeamUrls):
    done = subprocess.run(
        [sys.executable, "-c", KILLED, team.editor_url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -9 and "written" in done.stdout, done.stderr
    assert count(team.member_url, "documents") == 0
    with connect(team.member_url) as member:
        assert member.execute("SELECT passages FROM librarian.totals").fetchone() == (0,)


def test_bm25_ranks_as_the_local_library_does(
    team: TeamUrls, notes: list[ParsedDocument], tmp_path: Path
):
    catalog = Catalog(tmp_path / "library.sqlite3")
    with connect(team.editor_url, autocommit=True) as editor:
        for doc in notes:
            catalog.replace_document(doc, document_id(doc.path, doc.content_hash), doc.terms)
            put_document(editor, doc, b"", fake_vectors(doc))
    local_ids = {
        f"{document_id(d.path, d.content_hash)}:{c.ordinal}": f"{d.content_hash[:20]}:{c.ordinal}"
        for d in notes
        for c in d.chunks
    }
    with connect(team.member_url) as member:
        for question in QUESTIONS:
            terms = query_terms(question)
            here = catalog.lexical.search(terms, 10)
            there = lexical(member, terms, 10)
            # the same scores (passages of equal score may come in either order)
            assert [b for _, b in there] == pytest.approx([a for _, a in here], rel=1e-6)
            best = [local_ids[i] for i, score in here if score == here[0][1]]
            assert there[0][0] in best, question
    catalog.close()


def test_a_scoped_search_sees_nothing_outside_its_documents(
    team: TeamUrls, notes: list[ParsedDocument]
):
    with connect(team.editor_url, autocommit=True) as editor:
        ids = {d.path: put_document(editor, d, b"", fake_vectors(d)).document_id for d in notes}
    porto = [ids[p] for p in ids if "porto" in Path(p).name]
    with connect(team.member_url) as member:
        words = lexical(member, query_terms("bakery Galway ferry Porto"), 50, porto)
        meaning = dense(member, "model-a", [1.0, 0.3, 0.5], 50, porto)
        everywhere = dense(member, "model-a", [1.0, 0.3, 0.5], 10)
        ids_in_scope = {
            str(r[0])
            for r in member.execute(
                "SELECT id FROM librarian.passages WHERE document_id = ANY(%s)", (porto,)
            ).fetchall()
        }
    assert words and {i for i, _ in words} <= ids_in_scope
    assert {i for i, _ in meaning} == ids_in_scope  # every passage in scope, none outside
    assert len(everywhere) == 10 and not {i for i, _ in everywhere} <= ids_in_scope



def test_members_read_documents_passages_pages_and_the_file_itself(
    team: TeamUrls, notes: list[ParsedDocument], tmp_path: Path
):
    scan = image_only_pdf(FIXTURES / "ntsb_report.pdf", [1], tmp_path / "scan.pdf")
    scanned = Parser(ParseOptions()).parse(ParseRequest(str(scan)))
    assert scanned.scanned, scanned.skip_reason  # read by OCR: its word boxes go along
    with connect(team.editor_url, autocommit=True) as editor:
        for doc in [*notes[:3], scanned]:
            put_document(editor, doc, Path(doc.path).read_bytes(), fake_vectors(doc))
    with connect(team.member_url) as member:
        listed = {d.path: d for d in reading.documents(member)}
        assert set(listed) == {d.path for d in [*notes[:3], scanned]}
        assert listed[str(scan)].chunks == len(scanned.chunks) and listed[str(scan)].pages == 1
        first = scanned.chunks[0]
        ids = [f"{scanned.content_hash[:20]}:{c.ordinal}" for c in scanned.chunks]
        stored = reading.passages(member, ids)[ids[0]]
        assert (stored.path, stored.page, stored.start, stored.end, stored.text) == (
            str(scan), first.page, first.start, first.end, first.text
        )
        page = reading.scanned_page(member, str(scan), 1)
        as_kept_locally = unpack_words(pack_words(scanned.scanned[0].words or ()))  # 1/10,000
        assert page is not None and page.words == as_kept_locally
        assert reading.original(member, str(scan)) == scan.read_bytes()
        assert reading.original(member, "/nowhere.pdf") is None
        folder = str(Path(notes[0].path).parent)
        assert len(reading.scope(member, [folder])) == 3
        assert reading.scope(member, [folder + "-other", str(scan)]) == [
            listed_id(member, str(scan))
        ]


def listed_id(member, path: str) -> int:
    row = member.execute("SELECT id FROM librarian.documents WHERE path = %s", (path,)).fetchone()
    return int(row[0])
