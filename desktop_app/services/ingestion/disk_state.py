"""How an indexed file compares with the file on disk now: one stat, size and modification
time (as git does), never reading the file."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.records import DiskState, DocumentInfo


def disk_state(doc: DocumentInfo) -> DiskState:
    try:
        stat = Path(doc.path).stat()
    except OSError:
        return DiskState.MISSING
    if stat.st_size != doc.size or stat.st_mtime_ns != doc.mtime_ns:
        return DiskState.CHANGED
    return DiskState.SAME
