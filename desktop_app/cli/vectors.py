"""Repairing and building the vectors from the command line, with progress and Ctrl+C."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from desktop_app.cli.interrupts import cancel_on_ctrl_c
from desktop_app.core.cancel import CancelToken

if TYPE_CHECKING:
    from desktop_app.application import Library

# What the first Ctrl+C of a batched job prints (what is done is kept).
BATCH_NOTICE = "stopping after the current batch"


def build_vectors(library: Library, cancel: CancelToken, repair_only: bool = False) -> bool:
    """Repair the index and embed the library with newly chosen models, if any (only repair
    with `repair_only`); False when cancelled."""
    from desktop_app.cli.progress import ProgressPrinter
    from desktop_app.core.cancel import Cancelled

    if not library.embeddings.to_build():
        return True
    build = library.embeddings.repair if repair_only else library.embeddings.build
    printer = ProgressPrinter()
    with cancel_on_ctrl_c(cancel, BATCH_NOTICE):
        try:
            done = build(printer.reembed_progress, cancel)
        except Cancelled:
            print("librarian: stopped; the rest is embedded next time", file=sys.stderr)
            return False
        finally:
            printer.finish()
    print(f"embedded {done} passages", file=sys.stderr)
    return True


def repair_vectors(library: Library, rebuild: bool) -> bool:
    """Check the vectors against the catalog and repair them now (before a search, which
    would otherwise quietly miss passages); False when the repair was cancelled. Search and ask
    (not `rebuild`) repair only a small damage, with room on the disk: a rebuild waits for
    `librarian repair`, `index` or the window, and search goes by words meanwhile."""
    notices = library.embeddings.check()
    for notice in notices:
        print(f"librarian: {notice}", file=sys.stderr)
    if not notices:
        return True
    degraded = library.embeddings.degraded_notice()
    if not rebuild and (degraded or not library.embeddings.room_to_repair()):
        if degraded:
            print(f"librarian: {degraded} `librarian repair` rebuilds it now.", file=sys.stderr)
        return True
    return build_vectors(library, CancelToken(), repair_only=True)
