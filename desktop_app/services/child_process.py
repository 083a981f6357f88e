"""Starting the app's child processes (the parser, the vector store) the one way they need:
spawned, never forked (a process with torch loaded must not fork), connected by a pipe, logging
to a file of their own beside the parent's, and deaf to Ctrl+C (the parent decides when they
stop; a terminal sends it to the whole process group)."""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from desktop_app.core import log_files
from desktop_app.core.log_files import LogConfig

_SPAWN = mp.get_context("spawn")


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
