"""The lexical ranking's bounded work and search scopes, on a real catalog."""

from pathlib import Path

import pytest

from desktop_app.core.lexical import index_terms, query_terms
from desktop_app.services.store import lexical_search
from desktop_app.services.store.catalog import Catalog, document_id
from tests.services.store.test_catalog import parsed


def add(cat: Catalog, path: str, *texts: str) -> str:
    doc = parsed(path, "h", *texts)
    doc_id = document_id(path, "h")
    cat.replace_document(doc, doc_id, doc.terms)
    return doc_id


@pytest.fixture
def library(tmp_path: Path) -> Catalog:
    cat = Catalog(tmp_path / "c.sqlite3")
    add(cat, "/docs/a.txt", "wolves hunt in packs", "the forest at night", "wolves howl")
    add(cat, "/docs/sub/b.txt", "a pack of wolves and one rare lynx", "forest paths")
    add(cat, "/other/c.txt", "rare lynx sighting in the forest", "wolves again")
    add(cat, "/docs-old/d.txt", "wolves of old")  # a sibling whose name starts like /docs
    return cat


def ids_of(cat: Catalog, results: list[tuple[str, float]]) -> list[str]:
    texts = cat.chunks([cid for cid, _ in results])
    return [texts[cid].text for cid, _ in results]


def test_terms_are_taken_rarest_first_within_the_budget(library: Catalog):
    terms = query_terms("wolves forest lynx unknownword")
    with library._lock:
        assert lexical_search.affordable_terms(library._db, terms, 100) == [
            "lynx",
            "forest",
            "wolv",
        ]
        # 'lynx' is in 2 passages, 'forest' in 3, 'wolv' in 5: a budget of 4 keeps the rarest
        assert lexical_search.affordable_terms(library._db, terms, 4) == ["lynx"]
        # the rarest is kept even when it alone is over the budget
        assert lexical_search.affordable_terms(library._db, terms, 1) == ["lynx"]


def test_a_common_term_left_out_over_budget(library: Catalog, monkeypatch: pytest.MonkeyPatch):
    question = index_terms("wolves lynx")
    everything = library.lexical.search(question, 10)
    assert len(everything) == 6  # every passage with either word
    monkeypatch.setattr(lexical_search, "POSTINGS_BUDGET", 3)
    bounded = library.lexical.search(question, 10)
    assert sorted(ids_of(library, bounded)) == sorted(
        ["a pack of wolves and one rare lynx", "rare lynx sighting in the forest"]
    )
    # the passages with the rare term keep their order
    assert [cid for cid, _ in bounded] == [cid for cid, _ in everything][:2]


def test_scope_of_files_and_folders(library: Catalog):
    folder = library.lexical.scope(["/docs"])
    assert folder.passages == 5 and len(folder.doc_ids) == 2  # not /docs-old, not /other
    assert folder.ranges == ((1, 5),)  # two documents written one after the other: one run
    apart = library.lexical.scope(["/docs/a.txt", "/other/c.txt"])
    assert apart.passages == 5 and apart.ranges == ((1, 3), (6, 7))
    assert library.lexical.scope(["/nowhere"]).empty


@pytest.mark.parametrize("max_ranges", [64, 0])  # searched by rowid runs, or by document
def test_search_within_a_scope(library: Catalog, monkeypatch: pytest.MonkeyPatch, max_ranges: int):
    monkeypatch.setattr(lexical_search, "MAX_RANGES", max_ranges)
    question = index_terms("wolves lynx")
    everywhere = dict(library.lexical.search(question, 10))
    scope = library.lexical.scope(["/docs/sub/b.txt", "/docs-old"])
    assert len(scope.ranges) == 2
    found = library.lexical.search(question, 10, scope)
    assert sorted(ids_of(library, found)) == ["a pack of wolves and one rare lynx", "wolves of old"]
    for cid, score in found:  # BM25 weights are the whole library's: scores as unscoped
        assert score == pytest.approx(everywhere[cid])
    assert found == sorted(found, key=lambda r: -r[1])
    assert library.lexical.search(question, 10, library.lexical.scope(["/nowhere"])) == []
    assert sorted(ids_of(library, [(c, 0) for c in library.lexical.scope_chunk_ids(scope)])) == [
        "a pack of wolves and one rare lynx",
        "forest paths",
        "wolves of old",
    ]
