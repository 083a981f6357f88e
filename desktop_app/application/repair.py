"""`librarian repair` and the window's Repair button: a damaged catalog is restored from its
newest good backup, then what changed since is indexed again.

The catalog is the source of truth, so it is the one store a rebuild cannot recreate. The
damaged file is set aside (dated, kept), the backup copied in its place; the documents the
backup lists are indexed again incrementally (an unchanged file is skipped by its size and
time), together with any document path still readable from the damaged file (added after the
backup); documents whose files are gone are removed. The vectors are then checked against the
restored catalog and repaired (vectors of passages it lacks removed, missing ones embedded).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.errors import LibrarianError
from desktop_app.core.paths import DataPaths
from desktop_app.services.store import backups
from desktop_app.services.store.health import connect_read_only, set_aside, sqlite_state
from desktop_app.services.store.instance_lock import InstanceLock

log = logging.getLogger(__name__)


class NoGoodBackup(LibrarianError):
    """The catalog is damaged and no backup of it passes SQLite's check."""


@dataclass(slots=True)
class Restored:
    """What restore_catalog did: the backup used, where the damaged catalog went, and the
    document paths to index again."""

    backup: Path
    damaged: Path
    paths: list[str] = field(default_factory=list)


def catalog_damaged(paths: DataPaths) -> str | None:
    """Why the catalog is damaged (SQLite's words), or None when it is sound or absent."""
    state, detail = sqlite_state(paths.catalog)
    return detail if state in ("damaged", "unreadable") else None


def restore_catalog(paths: DataPaths) -> Restored | None:
    """Put the newest good backup in place of a damaged catalog; None when the catalog is not
    damaged. NoGoodBackup when there is nothing to restore (nothing is touched then)."""
    if catalog_damaged(paths) is None:
        return None
    good = backups.good_backups(paths)
    if not good:
        raise NoGoodBackup(
            f"The catalog {paths.catalog} is damaged and there is no good backup of it: move "
            "it aside and index your documents again (the vectors are rebuilt from them)"
        )
    with InstanceLock(paths.lock):
        salvaged = _readable_paths(paths.catalog)
        damaged = set_aside(paths.catalog)
        shutil.copy2(good[0], paths.catalog)
    listed = _readable_paths(paths.catalog)
    log.warning("catalog restored from %s (%d paths to check)", good[0].name, len(listed))
    return Restored(good[0], damaged, list(dict.fromkeys([*listed, *salvaged])))


def _readable_paths(catalog: Path) -> list[str]:
    """The document paths a catalog lists, as far as they can be read (a damaged file may
    still give most of them)."""
    found: list[str] = []
    try:
        db = connect_read_only(catalog)
    except sqlite3.DatabaseError:
        return found
    try:
        for (path,) in db.execute("SELECT path FROM documents"):
            found.append(str(path))
    except sqlite3.DatabaseError as exc:
        log.warning("only %d document paths read from the damaged catalog: %s", len(found), exc)
    finally:
        db.close()
    return found
