"""Telling damage from a full disk, setting damaged files aside, checking SQLite files without
writing, and the catalog's backups two deep. Real SQLite files in temporary folders."""

from __future__ import annotations

import errno
import sqlite3
import time
from pathlib import Path

import pytest

from desktop_app.core.errors import DiskFull
from desktop_app.core.paths import DataPaths
from desktop_app.services.store import backups
from desktop_app.services.store.health import (
    Fault,
    connect_read_only,
    fault_of,
    machine_refusal,
    set_aside,
    set_aside_items,
    sqlite_state,
)


def make_db(path: Path, rows: int = 2000) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
    db.executemany("INSERT INTO t (text) VALUES (?)", [(f"row {i} " * 20,) for i in range(rows)])
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), Fault.DISK_FULL),
        (OSError(errno.EROFS, "Read-only file system"), Fault.READ_ONLY),
        (RuntimeError("error returned from database: (code: 13) database or disk is full"),
         Fault.DISK_FULL),
        (RuntimeError('Database(SqliteError { code: 11, message: "database disk image is '
                      'malformed" })'), Fault.DAMAGED),
        (sqlite3.DatabaseError("file is not a database"), Fault.DAMAGED),
        (sqlite3.OperationalError("attempt to write a readonly database"), Fault.READ_ONLY),
        (ValueError("dimension mismatch"), None),
        (KeyError("pages"), None),
    ],
)  # fmt: skip
def test_faults_are_told_apart(error: BaseException, fault: Fault | None):
    assert fault_of(error) is fault


def test_a_cause_down_the_chain_counts():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("the vector store failed") from inner
    except RuntimeError as outer:
        assert fault_of(outer) is Fault.DISK_FULL
        assert isinstance(machine_refusal(outer, Path("/")), DiskFull)
    assert machine_refusal(KeyError("x"), Path("/")) is None


def test_sqlite_state_reads_without_writing(tmp_path: Path):
    good = make_db(tmp_path / "good.sqlite3")
    assert sqlite_state(good) == ("ok", "")
    assert sqlite_state(tmp_path / "absent.sqlite3")[0] == "missing"
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    assert sqlite_state(tmp_path / "empty.sqlite3") == ("damaged", "empty (0 bytes)")
    bad = make_db(tmp_path / "bad.sqlite3")
    size = bad.stat().st_size
    with bad.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 8192)
    assert sqlite_state(bad)[0] == "damaged"
    before = good.stat().st_mtime_ns
    connect_read_only(good).close()
    assert good.stat().st_mtime_ns == before and not list(tmp_path.glob("good.sqlite3-*"))


def test_set_aside_keeps_the_file_and_its_journal_under_a_dated_name(tmp_path: Path):
    db = make_db(tmp_path / "store.sqlite3")
    (tmp_path / "store.sqlite3-wal").write_bytes(b"wal")
    first = set_aside(db)
    assert first.name.startswith("store.sqlite3.damaged-") and first.exists()
    assert (tmp_path / f"{first.name}-wal").read_bytes() == b"wal"
    make_db(db)
    second = set_aside(db)  # the same second: another name, nothing overwritten
    assert second != first and second.exists() and first.exists()
    assert set_aside_items(tmp_path) == sorted([first, second])


def test_backups_are_consistent_checked_and_kept_two_deep(tmp_path: Path):
    paths = DataPaths(tmp_path)
    make_db(paths.catalog)
    made = []
    for _ in range(3):
        made.append(backups.back_up(paths))
        time.sleep(1.05)  # names carry the second
    kept = backups.existing(paths)
    assert kept == [made[2], made[1]] and not made[0].exists()  # type: ignore[union-attr]
    assert backups.good_backups(paths) == kept
    rows = sqlite3.connect(kept[0]).execute("SELECT count(*) FROM t").fetchone()[0]
    assert rows == 2000
    with kept[0].open("r+b") as f:  # a backup damaged later is passed over
        f.seek(kept[0].stat().st_size // 2)
        f.write(b"\xff" * 8192)
    assert backups.good_backups(paths) == [kept[1]]
