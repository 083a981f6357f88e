"""Starting the app's child processes (the parser, the vector store, a download, a training
run) the one way they need:
spawned, never forked (a process with torch loaded must not fork), connected by a pipe, logging
to a file of their own beside the parent's, and deaf to Ctrl+C (the parent decides when they
stop; a terminal sends it to the whole process group)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from desktop_app.core import log_files
from desktop_app.core.log_files import LogConfig

_SPAWN = mp.get_context("spawn")

# The background children (parsing, training) run this much nicer than the app, so that the
# window and the embedder keep their share of a small machine. LIBRARIAN_CHILD_NICENESS changes
# it: 0 gives them the app's priority (the test suite's parallel workers set it, since beside
# another worker a child at 10 gets a tenth of a core and waits).
NICENESS = 10
NICENESS_VARIABLE = "LIBRARIAN_CHILD_NICENESS"


def lower_priority() -> None:
    """Called by a background child first thing: lower its CPU priority (where the system
    has one); a bad value of the variable keeps the default."""
    if not hasattr(os, "nice"):
        return
    try:
        niceness = int(os.environ.get(NICENESS_VARIABLE, NICENESS))
    except ValueError:
        niceness = NICENESS
    if niceness > 0:
        try:
            os.nice(niceness)
        except OSError:
            pass


def start_child(
    main: Callable[..., None], name: str, log_name: str, *args: Any
) -> tuple[BaseProcess, Connection]:
    """Run `main(connection, *args)` in a new process; returns it and the parent's end of
    the pipe. Its log goes to `<log_name>.log` in the parent's log folder."""
    parent, child = _SPAWN.Pipe()
    process = _SPAWN.Process(
        target=_run,
        args=(main, log_name, log_files.child_config(), child, *args),
        name=name,
        daemon=True,
    )
    process.start()
    child.close()
    return process, parent


def _run(
    main: Callable[..., None], log_name: str, logs: LogConfig | None, conn: Connection, *args: Any
) -> None:
    log_files.setup_child(logs, log_name)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main(conn, *args)


class ChildJob:
    """A one-off job in a child process that reports by messages and ends with a result:
    polled without blocking, cancelled at once (the process is stopped, whatever it was
    waiting for). Subclasses say what a message means in `_handle` and set `result`."""

    STOP_WAIT_S = 1.0
    CRASHED = "the process stopped unexpectedly"

    def __init__(self) -> None:
        self.result: Any = None
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self, main: Callable[..., None], name: str, log_name: str, *args: Any) -> None:
        self._process, self._conn = start_child(main, name, log_name, *args)

    @property
    def done(self) -> bool:
        return self.result is not None

    def poll(self) -> list[Any]:
        """Messages received since the last poll; never blocks."""
        messages: list[Any] = []
        while self._conn is not None and self.result is None:
            try:
                if not self._conn.poll(0):
                    break
                message = self._conn.recv()
            except (EOFError, OSError):  # it ended without a result: a crash, a kill
                message = self._crashed()
            messages.append(message)
            self._handle(message)
        if self.result is None and self._process is not None and not self._process.is_alive():
            message = self._crashed()
            messages.append(message)
            self._handle(message)
        return messages

    def wait(self, timeout_s: float | None = None, interval_s: float = 0.1) -> Any:
        """Block until it ends (for the command line); a timeout cancels it."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self.result is None:
            if deadline is not None and time.monotonic() > deadline:
                self.cancel()
                break
            if self._conn is not None:
                self._conn.poll(interval_s)
            self.poll()
        return self.result

    def cancel(self) -> None:
        if self.result is None:
            self.result = self._cancelled()
        self._stop()

    def _handle(self, message: Any) -> None:
        raise NotImplementedError

    def _crashed(self) -> Any:
        raise NotImplementedError

    def _cancelled(self) -> Any:
        raise NotImplementedError

    def _stop(self) -> None:
        process, self._process = self._process, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if process is None:
            return
        if process.is_alive():
            process.terminate()
            process.join(self.STOP_WAIT_S)
            if process.is_alive():
                process.kill()
        process.join(self.STOP_WAIT_S)
