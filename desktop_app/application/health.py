"""`librarian doctor`: what state the library is in, whatever that state is.

It reads every store's file without writing (SQLite opened read-only), so it reports a damaged
catalog, a damaged vector store, a full disk or a read-only folder instead of failing on them;
then, when the library can be opened (not damaged, not in use by another Librarian), what the
open library says (documents, passages, the vectors' problems). Each part is guarded: a part
that fails says why and the rest is still reported.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from desktop_app.core.errors import LibrarianError
from desktop_app.core.paths import DataPaths
from desktop_app.core.settings import Settings
from desktop_app.core.team_libraries import LOCAL, TeamRegistry
from desktop_app.services.store import backups
from desktop_app.services.store.flat_index import FOLDER as FLAT_FOLDER
from desktop_app.services.store.flat_index import FlatIndex
from desktop_app.services.store.health import (
    free_mb,
    set_aside_items,
    sqlite_state,
    writable,
)
from desktop_app.services.store.sentence_store import FILE_NAME as SENTENCES_FILE
from desktop_app.services.store.vector_store_process import CHROMA_FILE, CHROMA_TABLES

log = logging.getLogger(__name__)

_LOW_SPACE_MB = 200  # below this, indexing is likely to stop on a full disk


def store_states(paths: DataPaths) -> dict[str, dict[str, str]]:
    """Each store: its state ("ok", "missing", "damaged", "unreadable") and what that means."""
    vectors = paths.vector_store
    states: dict[str, dict[str, str]] = {}
    for name, path, tables in (
        ("catalog", paths.catalog, ("documents", "chunks", "meta")),
        ("conversations", paths.conversations, ("conversations", "messages")),
        ("vectors", vectors / CHROMA_FILE, CHROMA_TABLES),
        ("sentence vectors", vectors / SENTENCES_FILE, ("sentence_vectors",)),
    ):
        state, detail = sqlite_state(path, tables=tables)
        states[name] = {"state": state, "path": str(path), "detail": detail}
    states["int8 copies"] = _copies_state(vectors / FLAT_FOLDER)
    return states


def _copies_state(folder: Path) -> dict[str, str]:
    names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    if not names:
        return {"state": "missing", "path": str(folder), "detail": "made with the vectors"}
    damaged = [n for n in names if not FlatIndex(folder, n).sound()]
    unclean = [n for n in names if not FlatIndex(folder, n).clean()]
    if damaged:
        return {"state": "damaged", "path": str(folder), "detail": ", ".join(damaged)}
    detail = f"{len(names)} copies" + (f", {len(unclean)} being refilled" if unclean else "")
    return {"state": "ok", "path": str(folder), "detail": detail}


def advice(paths: DataPaths, states: dict[str, dict[str, str]], free: int) -> list[str]:
    """What to do, in the user's words, for what was found."""
    said: list[str] = []
    if states["catalog"]["state"] in ("damaged", "unreadable"):
        if backups.good_backups(paths):
            said.append(
                "The catalog is damaged: run `librarian repair` (or Repair in the window) to "
                "restore its newest backup and index again what changed since."
            )
        else:
            said.append(
                "The catalog is damaged and there is no good backup: move it aside and index "
                "your documents again (nothing else is lost)."
            )
    for name in ("vectors", "sentence vectors", "int8 copies"):
        if states[name]["state"] == "damaged":
            said.append(
                f"The {name} are damaged: opening the library sets them aside and rebuilds "
                "them from the catalog (searching by words meanwhile)."
            )
    if free < _LOW_SPACE_MB:
        said.append(f"The disk holding the library has {free} MB free: free some space.")
    if not writable(paths.root):
        said.append("The library's folder is read-only: searching works, indexing does not.")
    return said or ["Nothing to do."]


def library_report(paths: DataPaths) -> dict[str, Any]:
    """The store part of doctor: states, free disk, backups, what was set aside, advice."""
    states = store_states(paths)
    free = free_mb(paths.root)
    return {
        "stores": states,
        "free_disk_mb": free,
        "writable": writable(paths.root),
        "catalog_backups": [str(p) for p in backups.existing(paths)],
        "set_aside": [str(p) for p in set_aside_items(paths.root)],
        "advice": advice(paths, states, free),
    }


def doctor(data_dir: Path) -> dict[str, Any]:
    """The whole report; never raises (a part that fails says so in its place)."""
    from desktop_app.services import diagnostics

    paths = DataPaths(data_dir)
    info: dict[str, Any] = {}
    try:
        info.update(library_report(paths))
    except Exception as exc:
        log.warning("doctor: store report failed", exc_info=exc)
        info["stores"] = f"unknown ({exc})"
    damaged = [
        name
        for name, store in (info.get("stores") or {}).items()
        if isinstance(store, dict) and store.get("state") in ("damaged", "unreadable")
    ]
    if damaged:  # opening would set them aside: doctor only looks
        opened: dict[str, Any] = {
            "library": f"not opened ({', '.join(damaged)} damaged: see advice)"
        }
    else:
        opened = _open_library_report(paths)
    spaces = opened.pop("embedding_models", [])
    try:
        settings = Settings.load(paths.settings, [])
        environment = diagnostics.report(paths.root, spaces, settings)
    except Exception as exc:
        log.warning("doctor: environment report failed", exc_info=exc)
        environment = {"environment": f"unknown ({exc})"}
    return {**environment, **info, **opened}


def _open_library_report(paths: DataPaths) -> dict[str, Any]:
    """What the open library says; when it cannot be opened, why."""
    from desktop_app.application import Library

    if not paths.catalog.exists() and TeamRegistry(paths.teams).in_use() == LOCAL:
        return {"documents": 0, "chunks": 0, "index_problems": []}
    try:
        with Library(paths.root, team_or_local=True) as library:
            return {
                "library_in_use": _in_use(library),
                "embedding_models": library.spaces.describe(),
                "documents": len(library.catalog.documents()),
                "chunks": library.catalog.chunk_count(),
                "index_problems": library.embeddings.check(),  # repaired by index, search, ask
            }
    except LibrarianError as exc:
        return {"library": f"not opened: {exc}"}
    except Exception as exc:
        log.warning("doctor: the library could not be opened", exc_info=exc)
        return {"library": f"not opened: {type(exc).__name__}: {exc}"}


def _in_use(library: Any) -> str:
    """Which library `index`, `search` and `ask` act on (`librarian team use`)."""
    name, role = library.in_use.current()
    if library.in_use.unreachable is not None:
        team, why = library.in_use.unreachable
        return f"team library {team}, not reached ({why}); this computer's is reported"
    if name == LOCAL:
        return "this computer's"
    return f"team library {name} ({role}, {len(library.documents())} documents)"
