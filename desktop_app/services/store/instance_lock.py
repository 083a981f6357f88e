"""One Librarian per data directory: two writers would corrupt Chroma's vector index."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from desktop_app.core.errors import LibrarianError

log = logging.getLogger(__name__)


class DataDirInUse(LibrarianError):
    """Another Librarian process holds the data directory."""


class InstanceLock:
    def __init__(self, lock_path: Path) -> None:
        self._path = lock_path
        self._pid_path = lock_path.with_suffix(".pid")
        # Not thread-local: the window opens and closes the library on a Qt worker thread, whose
        # Python thread state (and so any threading.local) does not survive between two calls.
        self._lock = FileLock(str(lock_path), timeout=0, thread_local=False)

    def acquire(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            owner = ""
            try:
                owner = f" (process {self._pid_path.read_text().strip()})"
            except OSError:
                pass
            raise DataDirInUse(
                f"another Librarian{owner} is using the data directory {self._path.parent}; "
                "close it first, or choose another one with --data-dir"
            ) from None
        except OSError as exc:  # after Timeout: a TimeoutError is an OSError
            if exc.errno not in (errno.EROFS, errno.EACCES):
                raise
            # A read-only folder: no Librarian can write it, so none needs keeping out.
            log.warning("no instance lock in a read-only folder: %s", exc)
            return
        try:
            self._pid_path.write_text(str(os.getpid()))
        except OSError:  # a full disk or a read-only folder: the pid only helps the message
            pass

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                self._pid_path.unlink()
            except OSError:
                pass
            self._lock.release()

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
