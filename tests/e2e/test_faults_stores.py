"""The fault matrix, damaged stores: each fault injected into the real files of a real library
(real models, real Chroma, real processes). What the user sees, what keeps working meanwhile,
and that nothing is lost: once repaired, the library equals the clean one (same documents,
passages and search results)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_ERROR, EXIT_OK, main
from desktop_app.services.store.catalog import CatalogError
from tests.conftest import Embedders, vectors_match_catalog
from tests.e2e.faults import (
    open_library,
    overwrite_middle,
    overwrite_table,
    snapshot,
    write_notes,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("loaded_models")]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, embedders: Embedders) -> tuple[Path, dict]:
    """A complete library and its snapshot, made once; each test damages a copy."""
    root = tmp_path_factory.mktemp("faults")
    write_notes(root / "docs")
    with open_library(root / "library", embedders) as library:
        library.index([root / "docs"])
        assert library.catalog.chunk_count() > 100 and library.embeddings.check() == []
        return root / "library", snapshot(library)


def copy_of(clean: tuple[Path, dict], tmp_path: Path) -> Path:
    data = tmp_path / "library"
    shutil.copytree(clean[0], data)
    return data


def doctor_json(capsys: pytest.CaptureFixture[str], data: Path) -> dict:
    capsys.readouterr()
    assert main(["--data-dir", str(data), "doctor", "--json"]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


def rebuilt_equals_clean(data: Path, clean: tuple[Path, dict], embedders: Embedders) -> None:
    with open_library(data, embedders) as library:
        library.embeddings.check()
        library.embeddings.build()
        assert library.embeddings.check() == [] and vectors_match_catalog(library)
        assert library.embeddings.degraded_notice() is None
        assert snapshot(library) == clean[1]


@pytest.mark.parametrize("fault", ["malformed", "truncated", "wrong schema"])
def test_a_damaged_vector_store_is_set_aside_and_rebuilt_while_words_search(
    clean, tmp_path: Path, embedders: Embedders, capsys, fault: str
):
    data = copy_of(clean, tmp_path)
    store = data / "vectors" / "chroma.sqlite3"
    if fault == "malformed":
        overwrite_table(store, "embeddings")  # what every search's check reads
    elif fault == "wrong schema":  # another program's, or a Chroma of another version's
        db = sqlite3.connect(store)
        db.execute("DROP TABLE segments")
        db.commit()
        db.close()
    else:
        with store.open("r+b") as f:
            f.truncate(store.stat().st_size // 2)
    # doctor reports it, changes nothing, never fails
    report = doctor_json(capsys, data)
    assert report["stores"]["vectors"]["state"] == "damaged"
    assert report["stores"]["catalog"]["state"] == "ok"
    assert any("rebuilds them from the catalog" in a for a in report["advice"])
    assert store.exists() and not list(data.glob("vectors.damaged-*"))
    # search (even by words) works: the CLI searches by words while meaning search waits
    assert main(["--data-dir", str(data), "search", "--mode", "lexical", "ferry Porto"]) == 0
    out, err = capsys.readouterr()
    assert "porto-ferry.txt" in out.splitlines()[0]
    assert "moved aside to" in err and "searching by words meanwhile" in err
    aside = list(data.glob("vectors.damaged-*"))
    assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").exists()  # kept, never deleted
    with open_library(data, embedders) as library:
        library.embeddings.check()
        notice = library.embeddings.degraded_notice()
        assert notice and "Meaning search is being rebuilt" in notice
        hits = library.search("When does the ferry leave Porto?", k=3)  # hybrid: words
        assert hits and Path(hits[0].path).name == "porto-ferry.txt"
        quotes = library.ask("When does the ferry leave Porto?", quotes_only=True).quotes
        assert quotes and "ferry of Porto" in quotes[0].text
    assert main(["--data-dir", str(data), "repair"]) == EXIT_OK
    assert "the library is whole" in capsys.readouterr().err
    rebuilt_equals_clean(data, clean, embedders)


def test_lost_hnsw_files_are_rebuilt(clean, tmp_path: Path, embedders: Embedders):
    data = copy_of(clean, tmp_path)
    for segment in (data / "vectors").iterdir():
        if segment.is_dir() and segment.name != "flat":
            shutil.rmtree(segment)
    with open_library(data, embedders) as library:
        # A library this small lives in Chroma's SQLite log, not yet in its index files (a
        # large one loses them: tests/services/store/test_vector_store.py); search never fails.
        problems = library.embeddings.check()
        assert all("search index files are missing" in p for p in problems)
        hits = library.search("rye bread in Galway", k=3)
        assert hits and "galway" in Path(hits[0].path).name
    rebuilt_equals_clean(data, clean, embedders)


def test_a_damaged_sentence_store_is_set_aside_and_its_vectors_added_again(
    clean, tmp_path: Path, embedders: Embedders
):
    data = copy_of(clean, tmp_path)
    sentences = data / "vectors" / "sentences.sqlite3"
    for leftover in sentences.parent.glob("sentences.sqlite3-*"):
        leftover.unlink()
    overwrite_middle(sentences, 3 * 16384)
    with open_library(data, embedders) as library:
        library.warm_up()  # the child reads it from now on, and finds it damaged
        problems = library.embeddings.check()
        assert any("have no sentence vectors" in p for p in problems), problems
        assert list(sentences.parent.glob("sentences.sqlite3.damaged-*"))
        assert library.search("Туман над заливом", k=1)  # searched by passage vectors meanwhile
    rebuilt_equals_clean(data, clean, embedders)


@pytest.mark.parametrize("fault", ["cut", "garbage header"])
def test_damaged_int8_copies_are_set_aside_and_refilled(
    clean, tmp_path: Path, embedders: Embedders, fault: str
):
    data = copy_of(clean, tmp_path)
    flat = data / "vectors" / "flat"
    victim = sorted(flat.glob("*.i8"))[0]
    if fault == "cut":
        with victim.open("r+b") as f:
            f.truncate(victim.stat().st_size // 3)
    else:
        victim.with_suffix(".json").write_bytes(b"\x00\x13garbage")
    with open_library(data, embedders) as library:
        # before Chroma is loaded, searches that would use the copy go to Chroma instead
        assert snapshot(library)["searches"] == clean[1]["searches"]  # type: ignore[index]
        library.warm_up()
        assert library.vectors.copies_done(timeout=120)
        assert list(flat.glob("*.damaged-*"))
    with open_library(data, embedders) as library:  # refilled: answered from the copy again
        assert snapshot(library) == clean[1]
        assert (flat / victim.name).stat().st_size >= victim.stat().st_size


def test_a_damaged_catalog_is_refused_once_and_restored_from_its_backup(
    clean, tmp_path: Path, embedders: Embedders, capsys
):
    data = copy_of(clean, tmp_path)
    backups = sorted((data / "backups").glob("library-*.sqlite3"))
    assert len(backups) == 1  # made by the completed index run
    catalog = data / "library.sqlite3"
    for leftover in data.glob("library.sqlite3-*"):
        leftover.unlink()
    overwrite_middle(catalog, 4 * 4096)
    with pytest.raises(CatalogError, match=r"is damaged .*librarian repair"):
        open_library(data, embedders)
    assert main(["--data-dir", str(data), "search", "ferry"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "librarian repair" in err  # one message
    report = doctor_json(capsys, data)
    assert report["stores"]["catalog"]["state"] == "damaged"
    assert any("librarian repair" in a for a in report["advice"])
    assert main(["--data-dir", str(data), "repair"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "restored the backup" in err and "the library is whole" in err
    assert list(data.glob("library.sqlite3.damaged-*"))  # kept for the user
    rebuilt_equals_clean(data, clean, embedders)
