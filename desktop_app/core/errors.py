"""The one family of errors meant for the user, and the one way every front end words an error.

An error that derives from LibrarianError carries a message written for a person ("… is not a
GGUF file"): the window and the command line show it as it is. Anything else that escapes a
use case is a bug: the front end logs it with its traceback and shows `BUG_MESSAGE` with the
log's path, never a bare Python message.
"""

from __future__ import annotations

import errno
from pathlib import Path


class LibrarianError(Exception):
    """Base of every error whose message is written for the person using the app."""


class UsageError(LibrarianError):
    """The user asked for something impossible (a missing file, a bad option)."""


BUG_MESSAGE = "Something went wrong. Details are in the log"

DISK_FULL = (
    "The disk is full. Free some space and try again; "
    "everything indexed before this message is kept."
)


class DiskFull(LibrarianError):
    """The disk holding the library is full: a condition of the machine, not a bug. Whatever
    was complete is kept; the work resumes once there is space."""

    def __init__(self, free_mb: int, then: str = "indexing resumes") -> None:
        super().__init__(
            f"The disk holding your library is full ({free_mb} MB free): free some space and {then}"
        )
        self.free_mb = free_mb


class ReadOnlyLibrary(LibrarianError):
    """The library's folder cannot be written: searching and answering still work."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"The library's folder {folder} is read-only: searching and answering work, but "
            "adding or removing documents needs a folder Librarian can write"
        )


def is_bug(exc: BaseException) -> bool:
    """True for an exception nobody wrote a message for: it belongs in the log."""
    if isinstance(exc, LibrarianError):
        return False
    if isinstance(exc, OSError):
        # The machine's own conditions (disk full, no permission, a path that is not what it
        # should be) are not bugs; an OSError about no file at all (a broken pipe) may be.
        return not (exc.errno in (errno.ENOSPC, errno.EACCES, errno.EPERM) or exc.filename)
    return True


def describe(exc: BaseException, log_path: Path | None = None) -> str:
    """One sentence for the user: the message of a LibrarianError, a plain word for the
    machine's own conditions, and for a bug a pointer to the log (which holds the traceback)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DISK_FULL
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or type(exc).__name__}: {exc.filename}"
    if is_bug(exc):
        where = f": {log_path}" if log_path else ""
        return f"{BUG_MESSAGE}{where} ({type(exc).__name__})."
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
