"""Indexing end to end: real files, real parser process, real MiniLM, real Chroma on disk."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.records import Outcome
from desktop_app.services.search import retrieval
from desktop_app.services.search.retrieval import EmptyScopeError
from tests.conftest import FIXTURES, vectors_match_catalog

pytestmark = pytest.mark.e2e


def write_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "txt": folder / "lighthouse.txt",
        "md": folder / "garden.md",
        "html": folder / "museum.html",
        "pdf": folder / "ntsb_report.pdf",
        "docx": folder / "report.docx",
    }
    files["txt"].write_text(
        "The lighthouse keeper lit the lamp every evening at dusk. "
        "Ships passing the rocky cape relied on its beam.\n",
        encoding="utf-8",
    )
    files["md"].write_text(
        "# Garden journal\n\nThe tomatoes were planted in late May.\n\n"
        "## Watering\n\nWater the seedlings every second morning.\n",
        encoding="utf-8",
    )
    files["html"].write_text(
        "<html><head><title>Museum</title></head><body><h1>Hours</h1>"
        "<p>The sculpture gallery closes at six on Sundays.</p></body></html>",
        encoding="utf-8",
    )
    shutil.copy(FIXTURES / "ntsb_report.pdf", files["pdf"])
    import docx

    document = docx.Document()
    document.add_heading("Budget", level=1)
    document.add_paragraph("The observatory telescope budget was approved by the council.")
    document.save(str(files["docx"]))
    return files


def test_every_format_is_indexed_and_searchable(library: Library, tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    summary = library.index([tmp_path / "docs"])
    assert {r.status for r in summary.reports} == {Outcome.INDEXED}, summary.reports
    assert len(summary.reports) == 5
    expectations = [
        ("When does the lighthouse keeper light the lamp?", files["txt"], None),
        ("when were the tomatoes planted", files["md"], None),
        ("sculpture gallery Sunday closing time", files["html"], None),
        ("telescope budget approval", files["docx"], None),
        ("fog and snow grains weather at the accident site", files["pdf"], 3),
        ("Where did the Reims F172 crash?", files["pdf"], 1),
    ]
    for query, path, page in expectations:
        hit = library.search(query, k=1)[0]
        assert hit.path == str(path.resolve()), query
        assert hit.page == page, query


@pytest.mark.parametrize("by_document", [False, True])  # Chroma by passage ids, or by filter
def test_search_within_some_documents(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_document: bool
):
    if by_document:
        monkeypatch.setattr(retrieval, "_MAX_SCOPE_IDS", 0)
    files = write_corpus(tmp_path / "docs")
    library.index([tmp_path / "docs"])
    question = "When does the lighthouse keeper light the lamp?"
    assert library.search(question, k=1)[0].path == str(files["txt"].resolve())
    for mode in ("hybrid", "dense", "lexical"):
        within = [str(files["md"].resolve()), str(files["pdf"].resolve())]
        hits = library.search(question, k=5, mode=mode, within=within)
        assert hits or mode == "lexical", mode  # no word of the question is in those two
        assert {h.path for h in hits} <= set(within), mode
    folder = library.search(question, k=1, within=[str((tmp_path / "docs").resolve())])
    assert folder[0].path == str(files["txt"].resolve())
    with pytest.raises(EmptyScopeError, match="Nothing is indexed in elsewhere"):
        library.search(question, within=[str(tmp_path / "elsewhere")])


def test_spans_point_into_the_page_text(library: Library, tmp_path: Path):
    write_corpus(tmp_path / "docs")
    library.index([tmp_path / "docs"])
    hit = library.search("Chevroux France accident", k=1)[0]
    assert hit.page == 1
    assert hit.end - hit.start == len(hit.text)
    assert "Chevroux" in hit.text


def test_incremental_reindex(library: Library, tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    library.index([tmp_path / "docs"])
    chunks_before = library.catalog.chunk_count()
    embedded = {k: e.documents_embedded for k, e in library.spaces.models.made().items()}

    # Unchanged: nothing is embedded again, also when only the modification time changed.
    os.utime(files["txt"], (time.time() + 5, time.time() + 5))
    summary = library.index([tmp_path / "docs"])
    assert {r.status for r in summary.reports} == {Outcome.UNCHANGED}
    assert {k: e.documents_embedded for k, e in library.spaces.models.made().items()} == embedded

    # Changed: the old passages are replaced, not added to.
    files["txt"].write_text("The lighthouse was automated in 1987 and the keeper retired.\n")
    summary = library.index([tmp_path / "docs"])
    statuses = {Path(r.path).name: r.status for r in summary.reports}
    assert statuses["lighthouse.txt"] is Outcome.INDEXED
    assert [s for n, s in statuses.items() if n != "lighthouse.txt"] == [Outcome.UNCHANGED] * 4
    hits = library.search("lamp at dusk rocky cape", k=5, mode="lexical")
    assert all("dusk" not in h.text for h in hits)
    assert "automated in 1987" in library.search("when was the lighthouse automated", k=1)[0].text

    # Deleted: pruned from the catalog and the vector store.
    files["md"].unlink()
    summary = library.index([tmp_path / "docs"])
    assert summary.pruned == [str(files["md"].resolve())]
    assert all("tomatoes" not in h.text for h in library.search("tomatoes planted", k=5))
    assert vectors_match_catalog(library)
    assert library.catalog.chunk_count() < chunks_before + 2


def test_remove_forgets_a_document(library: Library, tmp_path: Path):
    files = write_corpus(tmp_path / "docs")
    library.index([tmp_path / "docs"])
    assert library.remove([files["pdf"]]) == [str(files["pdf"].resolve())]
    assert all(h.path != str(files["pdf"].resolve()) for h in library.search("Reims F172", k=5))
    assert vectors_match_catalog(library)
    assert files["pdf"].exists()


def test_interrupted_commit_leaves_no_trace(library: Library, tmp_path: Path):
    """Vectors written just before a crash, for a file the catalog never received, are removed
    by the next run and never reach search results."""
    files = write_corpus(tmp_path / "docs")
    library.index([files["txt"]])
    parsed = library.ingest  # write vectors the way a commit does, then "crash"
    import json

    ghost_ids = ["ghost:0", "ghost:1"]
    library.catalog.meta.set("pending_vector_ids", json.dumps(ghost_ids))
    for space in library.spaces.writable():
        vectors = space.embedder.embed_documents(["ghost passage one", "ghost passage two"])
        library.vectors.add(
            space.collection, ghost_ids, vectors, [{"doc_id": "ghost"}, {"doc_id": "ghost"}]
        )
    assert set(library.spaces.counts().values()) == {library.catalog.chunk_count() + 2}
    assert all(not h.chunk_ids[0].startswith("ghost") for h in library.search("ghost passage"))
    parsed.recover()
    assert vectors_match_catalog(library)


def test_cancel_stops_the_run_and_keeps_finished_files(library: Library, tmp_path: Path):
    from desktop_app.core.cancel import CancelToken

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        (folder / f"note{i:02}.txt").write_text(f"Note number {i}. " + "Some filler text. " * 40)
    cancel = CancelToken()

    def stop_after_first(report):
        cancel.cancel()

    summary = library.index([folder], on_report=stop_after_first, cancel=cancel)
    assert summary.cancelled
    assert 1 <= len(summary.reports) < 12
    indexed = [r.path for r in summary.reports if r.status is Outcome.INDEXED]
    assert {d.path for d in library.documents()} == set(indexed)
    assert vectors_match_catalog(library)
    # The next run picks up the rest.
    rest = library.index([folder])
    assert rest.count(Outcome.INDEXED) == 12 - len(indexed)
