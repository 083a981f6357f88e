"""Backups of the catalog, the library's source of truth (every vector is rebuilt from it).

After each index run that changed something, a consistent copy is made with SQLite's backup
API (from a connection of its own: searches go on meanwhile), checked page by page, and kept
two deep in the data directory's `backups/` folder. `librarian repair` restores the newest good
one when the catalog is damaged (application.repair).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from desktop_app.core.paths import DataPaths
from desktop_app.services.store.health import free_bytes, sqlite_state

log = logging.getLogger(__name__)

KEEP = 2
_PREFIX = "library-"
_SUFFIX = ".sqlite3"
_SPARE_BYTES = 50_000_000  # left free after a backup, so that indexing can go on


def existing(paths: DataPaths) -> list[Path]:
    """The catalog's backups, newest first."""
    folder = paths.backups
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{_PREFIX}*{_SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def good_backups(paths: DataPaths) -> list[Path]:
    """The backups that pass SQLite's check, newest first."""
    return [p for p in existing(paths) if sqlite_state(p)[0] == "ok"]


def back_up(paths: DataPaths) -> Path | None:
    """Copy the catalog now and keep the two newest copies; None (logged) when there is not
    room for a copy or the copy is not sound: the older backups are then kept."""
    source = paths.catalog
    size = source.stat().st_size
    if free_bytes(paths.root) < size + _SPARE_BYTES:
        log.warning("catalog not backed up: not enough free space for %d MB", size // 1_000_000)
        return None
    paths.backups.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = paths.backups / f"{_PREFIX}{stamp}{_SUFFIX}"
    partial = target.with_suffix(".partial")
    started = time.monotonic()
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dest = sqlite3.connect(partial)
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        state, detail = sqlite_state(partial)
        if state != "ok":
            raise sqlite3.DatabaseError(f"the copy is not sound: {detail}")
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        log.warning("catalog not backed up: %s", exc)
        partial.unlink(missing_ok=True)
        return None
    for old in existing(paths)[KEEP:]:
        old.unlink(missing_ok=True)
    log.info("catalog backed up in %.2f s (%d MB)", time.monotonic() - started, size // 1_000_000)
    return target
