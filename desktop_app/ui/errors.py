"""Exceptions as one readable sentence for the window (never a traceback)."""

from __future__ import annotations

import errno


def describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return (
            "The disk is full. Free some space and try again; "
            "everything indexed before this message is kept."
        )
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
