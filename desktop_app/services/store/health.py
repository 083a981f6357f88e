"""Telling a damaged file from the machine's conditions, and setting damaged files aside.

A store that fails is either damaged (a malformed SQLite file, one that is not a database at
all, a schema that is not ours, Chroma failing to read its own file) or the machine says no (a
full disk, a read-only folder). The two are treated oppositely: a damaged derived store (the
vectors, rebuilt from the catalog) is moved aside under a dated name and rebuilt; a full disk or
a read-only folder touches nothing and waits, because the data on disk is fine.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from desktop_app.core.errors import LibrarianError
from desktop_app.core.log_files import SHOWN

log = logging.getLogger(__name__)

_NEARLY_FULL = 1_000_000  # bytes: below this, an I/O error on opening is the full disk's

DAMAGED_MARK = ".damaged-"  # a file or folder set aside: NAME.damaged-YYYYMMDD-HHMMSS


class Fault(StrEnum):
    DAMAGED = "damaged"
    DISK_FULL = "disk full"
    READ_ONLY = "read-only"


# What SQLite (and Chroma, which wraps it) say about a file that is not what it should be.
_DAMAGE_WORDS = (
    "malformed",
    "not a database",
    "file is encrypted",
    "database corrupt",
    "no such table",
    "no such column",
    "expect it to be fetched",  # Chroma's panic when its SQLite file cannot be read
)
_FULL_WORDS = ("disk is full", "no space left", "database or disk is full")
_READ_ONLY_WORDS = ("readonly database", "read-only file system", "read only file system")


def fault_of(exc: BaseException) -> Fault | None:
    """What kind of failure this is, when it is one of the three; None for anything else."""
    for current in _chain(exc):
        known = getattr(current, "fault", None)  # said by the process that saw it
        if isinstance(known, Fault):
            return known
        if isinstance(current, OSError):
            if current.errno == errno.ENOSPC:
                return Fault.DISK_FULL
            if current.errno == errno.EROFS:
                return Fault.READ_ONLY
        if isinstance(current, sqlite3.DatabaseError):
            code = getattr(current, "sqlite_errorcode", None)
            if code == sqlite3.SQLITE_FULL:
                return Fault.DISK_FULL
            if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                return Fault.DAMAGED
            if code == sqlite3.SQLITE_READONLY:
                return Fault.READ_ONLY
        text = str(current).lower()
        if any(word in text for word in _FULL_WORDS):
            return Fault.DISK_FULL
        if any(word in text for word in _READ_ONLY_WORDS):
            return Fault.READ_ONLY
        if any(word in text for word in _DAMAGE_WORDS):
            return Fault.DAMAGED
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def free_bytes(path: Path) -> int:
    """Free space on the disk holding `path` (or its nearest existing parent)."""
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return 0


def free_mb(path: Path) -> int:
    return free_bytes(path) // 1_000_000


def set_aside(path: Path) -> Path:
    """Rename a damaged file or folder to NAME.damaged-DATE beside it (with a SQLite file's
    journal files): kept for the user or for a recovery tool, never deleted by the app."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}")
    n = 2
    while target.exists():
        target = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}-{n}")
        n += 1
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    log.warning("set aside the damaged %s as %s", path, target.name, extra=SHOWN)
    return target


def set_aside_items(folder: Path) -> list[Path]:
    """Every damaged file or folder set aside under `folder` (one level deep and in it)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if DAMAGED_MARK in p.name and not _companion(p)]
    for sub in folder.iterdir():
        if sub.is_dir() and DAMAGED_MARK not in sub.name:
            found += [p for p in sub.iterdir() if DAMAGED_MARK in p.name and not _companion(p)]
    return sorted(found)


def _companion(path: Path) -> bool:
    return path.name.endswith(("-wal", "-shm", "-journal"))


def sqlite_state(path: Path, full: bool = True, tables: Sequence[str] = ()) -> tuple[str, str]:
    """("ok" | "missing" | "damaged", detail) for a SQLite file, read without writing
    (`full`: every page checked with quick_check, 0.4-0.6 s per GB here; else the schema only;
    `tables`: those it must have, or it is not the store it should be)."""
    if not path.exists():
        return "missing", "not there"
    if path.stat().st_size == 0:
        return "damaged", "empty (0 bytes)"
    try:
        db = connect_read_only(path)
    except sqlite3.DatabaseError as exc:
        return "damaged", str(exc)
    try:
        if full:
            rows = db.execute("PRAGMA quick_check").fetchall()
            problems = [" ".join(str(r[0]).split()) for r in rows if r[0] != "ok"]
            if problems:
                return "damaged", "; ".join(problems[:3])
        else:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        names = {str(r[0]) for r in db.execute("SELECT name FROM sqlite_master")}
        lacking = [t for t in tables if t not in names]
        if lacking:
            return "damaged", f"not the expected schema (no {', '.join(lacking)})"
    except sqlite3.DatabaseError as exc:
        return ("damaged" if fault_of(exc) is Fault.DAMAGED else "unreadable"), str(exc)
    finally:
        db.close()
    return "ok", ""


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a SQLite file only to read it. Where even that needs a write (a WAL database wants
    its shared-memory file, which a full disk or a read-only folder refuses), it is opened as
    immutable: safe while no other process writes it, which the instance lock ensures."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if fault_of(exc) is Fault.DAMAGED:
            raise
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db


def open_sqlite(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A library database opened for writing (WAL), or, when the machine refuses that (a
    full disk: WAL's shared-memory file cannot be made; a read-only folder), opened to read
    only, so that search and answers go on; the flag says which."""
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db, False
    except sqlite3.OperationalError as exc:
        if not path.exists() or not refused_by_machine(exc, path.parent):
            raise
        log.info("%s opened read-only: %s", path.name, exc)  # the front ends say why
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None), True


def refused_by_machine(exc: BaseException, folder: Path) -> bool:
    """A full disk or a read-only folder, including SQLite's plain "disk I/O error" when its
    shared-memory file cannot be grown on a full disk."""
    if fault_of(exc) in (Fault.DISK_FULL, Fault.READ_ONLY):
        return True
    text = str(exc).lower()
    vague = "disk i/o error" in text or "unable to open database" in text
    return vague and (free_bytes(folder) < _NEARLY_FULL or not writable(folder))


def has_room(folder: Path) -> bool:
    """Enough free space for a repair or a small write (a full disk is not waited on)."""
    return writable(folder) and free_bytes(folder) >= 50 * _NEARLY_FULL


def writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK) and not _read_only_mount(folder)


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def raise_for_fault(exc: BaseException, folder: Path, then: str = "indexing resumes") -> None:
    """Re-raise a failed write as what it is for the user when the machine refused it: a full
    disk (DiskFull) or a read-only folder (ReadOnlyLibrary); otherwise return."""
    refusal = machine_refusal(exc, folder, then)
    if refusal is not None:
        raise refusal from exc


def machine_refusal(
    exc: BaseException, folder: Path, then: str = "indexing resumes"
) -> LibrarianError | None:
    """DiskFull or ReadOnlyLibrary for a write the machine refused; None for anything else."""
    from desktop_app.core.errors import DiskFull, ReadOnlyLibrary

    if isinstance(exc, (DiskFull, ReadOnlyLibrary)):
        return exc
    if not refused_by_machine(exc, folder):
        return None
    read_only = fault_of(exc) is Fault.READ_ONLY and free_bytes(folder) >= 20 * _NEARLY_FULL
    if _read_only_mount(folder) or read_only:
        return ReadOnlyLibrary(folder)
    return DiskFull(free_mb(folder), then)
