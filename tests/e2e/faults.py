"""Shared by the fault matrix tests (tests/e2e/test_faults*.py): a small real library, made once,
damaged in copies, and what "nothing lost" is compared by; a small disk (tmpfs) and a read-only
mount for the machine's conditions, which need root (CI runs as root; elsewhere they skip)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.settings import Settings
from tests.conftest import FIXTURES, Embedders

TOWNS = [
    "Arles", "Bergen", "Cadiz", "Dundee", "Esbjerg", "Faro", "Galway", "Hull", "Ibiza", "Jena",
    "Kiel", "Lagos", "Malmo", "Nantes", "Oban", "Porto", "Quimper", "Riga", "Sligo", "Tromso",
]  # fmt: skip
OTHER_TOWNS = [
    "Aachen", "Bilbao", "Cork", "Delft", "Evora", "Fulda", "Genoa", "Haarlem", "Innsbruck",
    "Kaunas", "Leiden", "Mainz", "Narva", "Odense", "Parma", "Reims", "Siena", "Tartu",
]  # fmt: skip
TRADES = ["bakery", "ferry", "lighthouse", "orchard", "library", "brewery"]
# Each with one clear answer, so that a rebuilt library must give the same first result:
# "rye bread in Galway" tied the Galway bakery and brewery notes (0.9532 / 0.9530) once
# English questions leaned on e5, and a rebuilt index's int8 copy could flip them.
QUERIES = (
    "When does the ferry leave Porto?",
    "Where can I buy bread in Galway?",
    "Туман над заливом",
)
CORRUPTION = 8192  # bytes overwritten in the middle of a file: a bad sector, a sync tool


def write_notes(folder: Path, towns: list[str] = TOWNS, extras: bool = True) -> None:
    """Short notes, one passage each, six per town (120 for TOWNS: past the 50 passages a
    ranking may miss meanwhile); with `extras`, a PDF and a Russian note."""
    folder.mkdir(parents=True)
    for n, (town, trade) in enumerate((t, d) for t in towns for d in TRADES):
        (folder / f"{town.lower()}-{trade}.txt").write_text(
            f"Note {n}: the {trade} of {town} opens at {6 + n % 5} in the morning; in winter "
            f"the {trade} in {town} keeps shorter hours and closes on day {n % 28 + 1}.",
            encoding="utf-8",
        )
    if not extras:
        return
    shutil.copy(FIXTURES / "ntsb_report.pdf", folder / "ntsb_report.pdf")
    (folder / "погода.txt").write_text(
        "Туман пришёл с запада после полуночи и держался над заливом до девяти утра.",
        encoding="utf-8",
    )


def snapshot(library: Library) -> dict[str, object]:
    """What must come back whole after a fault: documents, passages, search results (each
    question's answer; below it, passages about nothing asked score within a hair of each
    other, and a rebuilt vector index may order those differently)."""
    docs = sorted((d.path, d.status.value, d.chunks, d.content_hash) for d in library.documents())
    searches = {
        (q, mode): [(h.path, h.page, h.start) for h in library.search(q, k=1, mode=mode)]
        for q in QUERIES
        for mode in ("hybrid", "dense")
    }
    return {"docs": docs, "chunks": library.catalog.all_chunk_ids(), "searches": searches}


def overwrite_middle(path: Path, size: int = CORRUPTION) -> None:
    """Garbage over the middle of the file. The same every run: random bytes could, once in a
    while, leave a page that still reads (a flaky test); 0x13 is no valid SQLite page type."""
    length = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(max(0, length // 2 - size // 2))
        f.write(b"\x13" * min(size, length))


def overwrite_table(path: Path, table: str) -> None:
    """Garbage over the first page of a table of an SQLite file and of each of its indexes:
    damage that whoever reads the table meets, whether through the table or an index. (Garbage
    over the middle of Chroma's file may land on log entries it has already consumed and never
    reads again: which ones those are depends on the timing of its indexing, so such a test
    found the damage alone and missed it beside another worker.)"""
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        roots = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = ? AND rootpage > 1", (table,)
        ).fetchall()
    finally:
        db.close()
    assert roots, f"{path.name} has no table {table}"
    with path.open("r+b") as f:
        for (root,) in roots:
            f.seek((root - 1) * page_size)
            f.write(b"\x13" * page_size)


def open_library(data: Path, embedders: Embedders) -> Library:
    return Library(data, Settings(), embedders=embedders)


def fill_disk(folder: Path) -> Path:
    """Write a file until the disk is full; returns it (delete it, if there, to free the space).
    The disk may be full already (the library's own writes on opening it): then no file."""
    filler = folder / "filler.bin"
    try:
        out = filler.open("wb", buffering=0)  # unbuffered: closing it has nothing left to write
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        return filler
    with out:
        for size in (1 << 16, 1024):  # then squeeze the last bytes out
            try:
                while out.write(b"\0" * size):
                    pass
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def _mount(*args: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@contextlib.contextmanager
def small_disk(where: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of this size mounted at `where` (a full disk without filling the machine's)."""
    where.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)):
        pytest.skip("needs root to mount a small tmpfs (a full disk); CI runs as root")
    try:
        yield where
    finally:
        _umount(where)


@contextlib.contextmanager
def read_only_view(folder: Path, where: Path) -> Iterator[Path]:
    """`folder` mounted read-only at `where` (chmod does not stop root)."""
    where.mkdir(parents=True, exist_ok=True)
    if not _mount("--bind", "-o", "ro", str(folder), str(where)):
        pytest.skip("needs root to make a read-only mount; CI runs as root")
    # Older mount(8) ignores ro on the first bind: make sure it is read-only.
    subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], capture_output=True)
    try:
        yield where
    finally:
        _umount(where)
