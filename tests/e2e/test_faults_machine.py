"""The fault matrix, the machine's conditions: a full disk during indexing and during an answer
(a small tmpfs), a read-only data directory (a read-only bind mount), and kill -9 of each child
process mid-write. Real library, real processes; after the condition is cleared, the library
equals one built without it. The mounts need root: CI runs as root, elsewhere they skip.
The command that meets the fault runs in a process of its own, as a user's does (what it prints
up to its exit); the commands around it run in this process (`main`), with the models loaded."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_OK, main
from desktop_app.core.errors import DiskFull, ReadOnlyLibrary
from desktop_app.core.records import FileReport, Outcome
from tests.conftest import Embedders, vectors_match_catalog
from tests.e2e.faults import (
    OTHER_TOWNS,
    fill_disk,
    open_library,
    read_only_view,
    small_disk,
    snapshot,
    write_notes,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedders: Embedders) -> dict[str, object]:
    """A library of the notes, and the same library with a second folder added, made without
    faults: what a faulted library must equal once the fault is cleared."""
    root = tmp_path_factory.mktemp("machine")
    write_notes(root / "docs")
    write_notes(root / "more", OTHER_TOWNS, extras=False)
    with open_library(root / "library", embedders) as library:
        library.index([root / "docs"])
    shutil.copytree(root / "library", root / "both")
    with open_library(root / "both", embedders) as library:
        library.index([root / "more"])
        both = snapshot(library)
    return {"root": root, "library": root / "library", "both": both}


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def in_process(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--data-dir", str(data), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def size_of(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


@pytest.mark.usefixtures("loaded_models")
def test_a_full_disk_stops_indexing_cleanly_search_goes_on_and_indexing_resumes(
    built, tmp_path: Path, embedders: Embedders, capsys: pytest.CaptureFixture[str]
):
    root: Path = built["root"]  # type: ignore[assignment]
    room = size_of(built["library"]) // 1_000_000 + 3  # type: ignore[arg-type]
    with small_disk(tmp_path / "disk", room) as disk:
        data = disk / "library"
        shutil.copytree(built["library"], data)  # type: ignore[arg-type]
        done = cli(data, "index", str(root / "more"))
        assert done.returncode == 1
        assert "The disk holding your library is full (" in done.stderr
        assert "free some space and indexing resumes" in done.stderr
        assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
        assert "Something went wrong" not in done.stderr
        said = [line for line in done.stderr.splitlines() if not line.startswith("indexed ")]
        assert len(said) == 2, said  # the estimate's warning, then the one message: no flood
        filler = fill_disk(disk)
        # the disk still full: search, quotes and doctor work, and write nothing
        ferry = "When does the ferry leave Porto?"
        code, out, err = in_process(capsys, data, "search", ferry, "-k", "1")
        assert code == EXIT_OK and "porto-ferry.txt" in out, err
        code, out, err = in_process(capsys, data, "ask", "--quotes-only", ferry)
        assert code == EXIT_OK and "ferry of Porto" in out, err
        assert in_process(capsys, data, "doctor", "--json")[0] == EXIT_OK
        filler.unlink(missing_ok=True)
        subprocess.run(["mount", "-o", f"remount,size={room + 40}m", str(disk)], check=True)
        code, _, err = in_process(capsys, data, "index", str(root / "more"))
        assert code == EXIT_OK, err
        with open_library(data, embedders) as library:
            assert library.embeddings.check() == [] and vectors_match_catalog(library)
            assert snapshot(library) == built["both"]


def test_a_full_disk_during_an_answer_gives_the_answer_and_says_it_is_not_kept(
    built, tmp_path: Path, embedders: Embedders
):
    room = size_of(built["library"]) // 1_000_000 + 8  # type: ignore[arg-type]
    with small_disk(tmp_path / "disk", room) as disk:
        data = disk / "library"
        shutil.copytree(built["library"], data)  # type: ignore[arg-type]
        with open_library(data, embedders) as library:
            chat = library.chats.new()
            fill_disk(disk)
            answer = library.ask("When does the ferry leave Porto?", conversation_id=chat)
            assert answer.text.strip() and answer.quotes
            assert answer.not_saved and "disk holding your library is full" in answer.not_saved
            assert library.chats.get(chat).messages == []  # nothing half-written


@pytest.mark.usefixtures("loaded_models")
def test_a_read_only_data_directory_searches_and_refuses_to_index_in_words(
    built, tmp_path: Path, embedders: Embedders, capsys: pytest.CaptureFixture[str]
):
    root: Path = built["root"]  # type: ignore[assignment]
    data = tmp_path / "library"
    shutil.copytree(built["library"], data)  # type: ignore[arg-type]
    before = sorted((p.relative_to(data), p.stat().st_size) for p in data.rglob("*"))
    with read_only_view(data, tmp_path / "ro") as view:
        code, out, err = in_process(capsys, view, "search", "rye bread in Galway", "-k", "1")
        assert code == EXIT_OK and "galway" in out, err
        refused = cli(view, "index", str(root / "more"))
        assert refused.returncode == 1 and "is read-only" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert in_process(capsys, view, "doctor")[0] == EXIT_OK
        with open_library(view, embedders) as library:
            assert library.search("Туман над заливом", k=1)
            with pytest.raises(ReadOnlyLibrary):
                library.index([root / "more"])
    assert sorted((p.relative_to(data), p.stat().st_size) for p in data.rglob("*")) == before


@pytest.mark.parametrize("child", ["vector store", "parser"])
def test_kill_9_of_a_child_mid_write_loses_nothing(
    built, tmp_path: Path, embedders: Embedders, child: str
):
    root: Path = built["root"]  # type: ignore[assignment]
    data = tmp_path / "library"
    shutil.copytree(built["library"], data)  # type: ignore[arg-type]
    committed = threading.Event()
    reports: list[FileReport] = []

    def on_report(report: FileReport) -> None:
        reports.append(report)
        if sum(r.status is Outcome.INDEXED for r in reports) >= 10:
            committed.set()

    with open_library(data, embedders) as library:
        library.warm_up()
        parser = library.ingest.parser()
        victim = library.vectors.pid if child == "vector store" else parser.pid
        assert victim is not None
        failure: list[BaseException] = []

        def run() -> None:
            try:
                library.index([root / "more"], on_report=on_report)
            except Exception as exc:  # noqa: BLE001 - the vector store's death fails the run
                failure.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        assert committed.wait(300)
        os.kill(victim, signal.SIGKILL)
        worker.join(600)
        assert not worker.is_alive()
        assert not any(isinstance(f, DiskFull) for f in failure)
    with open_library(data, embedders) as library:  # the next run resumes
        library.embeddings.check()
        library.embeddings.build()
        library.index([root / "more"])
        assert library.embeddings.check() == [] and vectors_match_catalog(library)
        assert snapshot(library) == built["both"]
