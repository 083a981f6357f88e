"""The app's child processes (the parser, the vector store, a download, a training run), started,
called and stopped one way:

- started from a fork server where the system has one (Linux, macOS): a fresh interpreter,
  started once, that imports the children's libraries (Chroma: 1.2-1.9 s) and forks a child
  for each start (0.2 s to a vector store that answers, against 1.15-1.8 s spawned); spawned
  where it has none (Windows) or LIBRARIAN_CHILD_START=spawn says so. The app's own process,
  with torch and Qt loaded, is never forked. A child runs with the parent's environment as it
  is when the child starts, as a spawned one would. Connected by a pipe, logging to a file of
  their own beside the parent's, and deaf to Ctrl+C (the parent decides when they stop; a
  terminal sends it to the whole process group): `start_child`;
- stopped by `stop_child`: asked to finish (or terminated), given a while, then killed;
- an object served in a child (`serve`) is called from the parent by `RemoteObject.call`, for
  the methods of a Protocol only (`methods_of`); what the child raises comes back as an error
  of the app's own types (the child translates foreign ones), raised again in the parent with
  its type, so that `except VectorStoreUnavailable` works across the pipe;
- a one-off job that reports by messages and ends with a result: `ChildJob`.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, Literal

from desktop_app.core import log_files
from desktop_app.core.errors import LibrarianError
from desktop_app.core.log_files import LogConfig

START_VARIABLE = "LIBRARIAN_CHILD_START"
# What the fork server imports once, before it forks any child: the long-lived children's own
# modules and what they import lazily (Chroma). Nothing that reads the environment at import
# time (huggingface_hub reads HF_ENDPOINT): a child sees the environment of its start.
_PRELOAD = [
    "desktop_app.services.store.vector_store_process",
    "desktop_app.services.ingestion.parser_process",
    "chromadb",
]
_CONTEXTS: dict[str, SpawnContext | ForkServerContext] = {"spawn": mp.get_context("spawn")}
if "forkserver" in mp.get_all_start_methods():
    _CONTEXTS["forkserver"] = mp.get_context("forkserver")
    _CONTEXTS["forkserver"].set_forkserver_preload(_PRELOAD)


def start_method() -> Literal["forkserver", "spawn"]:
    """'forkserver' where the system has one, unless LIBRARIAN_CHILD_START=spawn; else 'spawn'."""
    if os.environ.get(START_VARIABLE) == "spawn" or "forkserver" not in _CONTEXTS:
        return "spawn"
    return "forkserver"


# The background children (parsing, training) run this much nicer than the app, so that the
# window and the embedder keep their share of a small machine. LIBRARIAN_CHILD_NICENESS changes
# it: 0 gives them the app's priority (teaching on a machine that is busy with other work).
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
    context = _CONTEXTS[start_method()]
    parent, child = context.Pipe()
    process = context.Process(
        target=_run,
        args=(main, log_name, log_files.child_config(), dict(os.environ), child, *args),
        name=name,
        daemon=True,
    )
    process.start()
    child.close()
    return process, parent


def _run(
    main: Callable[..., None],
    log_name: str,
    logs: LogConfig | None,
    environment: dict[str, str],
    conn: Connection,
    *args: Any,
) -> None:
    # A forked child has the fork server's environment, from when it started: the parent's now.
    os.environ.clear()
    os.environ.update(environment)
    log_files.setup_child(logs, log_name)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        main(conn, *args)
    except (ConnectionError, EOFError):  # a broken pipe or a reset one
        # The parent closed the pipe (stopped it, or exited) before this child had answered:
        # nobody is left to tell; ending quietly keeps a traceback out of the parent's stderr.
        logging.getLogger(__name__).info("%s: the parent went away", log_name)


def stop_child(
    process: BaseProcess | None, conn: Connection | None, wait_s: float, ask: bool = True
) -> None:
    """Stop a child: `ask` sends it None (it finishes what it is doing and returns), else it
    is terminated; after `wait_s` it is killed. Either may be None (already stopped)."""
    if conn is not None:
        if ask:
            try:
                conn.send(None)
            except OSError:  # it is gone already
                pass
        conn.close()
    if process is None:
        return
    if not ask and process.is_alive():
        process.terminate()
    process.join(wait_s)
    if process.is_alive():
        process.kill()
        process.join(5)


class ChildStopped(LibrarianError):
    """The child process went away while it was being called (killed, crashed)."""


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Returned:
    value: Any


@dataclass(frozen=True, slots=True)
class _Raised:
    error: BaseException


def methods_of(protocol: type) -> frozenset[str]:
    """The public methods a Protocol declares: all a served object may be asked."""
    return frozenset(
        name for name, value in vars(protocol).items() if callable(value) and name[0] != "_"
    )


def serve(
    conn: Connection,
    target: object,
    methods: Collection[str],
    translate: Callable[[str, BaseException], BaseException],
) -> None:
    """The child's side: answer each call of one of `methods` on `target` until the parent
    sends None or goes away. What a call raises is sent back as `translate(method, exc)`: an
    error the parent can unpickle, i.e. of the app's own types (not a chromadb one: the parent
    never imports chromadb); it may log what it was."""
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return  # the parent is gone
        if request is None:
            return
        try:
            if not isinstance(request, _Call) or request.method not in methods:
                raise TypeError(f"not a method that may be called: {request!r}")
            reply: _Returned | _Raised = _Returned(getattr(target, request.method)(*request.args))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - Chroma's Rust panics derive from it
            reply = _Raised(translate(getattr(request, "method", "?"), exc))
        conn.send(reply)


class RemoteObject:
    """The parent's side of `serve`: one call at a time (callers hold their own lock)."""

    def __init__(self, main: Callable[..., None], name: str, log_name: str, *args: Any) -> None:
        self._main, self._name, self._log_name, self._args = main, name, log_name, args
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def running(self) -> bool:
        return self._conn is not None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests kill it by this)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if self._conn is None:
            self._process, self._conn = start_child(
                self._main, self._name, self._log_name, *self._args
            )

    def call(self, method: str, *args: Any) -> Any:
        """The child's `method(*args)`, started first if need be; what it raised is raised
        here with its type; ChildStopped when the child went away meanwhile."""
        self.start()
        assert self._conn is not None
        try:
            self._conn.send(_Call(method, args))
            reply = self._conn.recv()
        except (EOFError, OSError) as exc:
            self.stop(0)
            what = self._log_name.replace("-", " ")
            raise ChildStopped(
                f"the {what} process stopped unexpectedly ({type(exc).__name__})"
            ) from exc
        if isinstance(reply, _Raised):
            raise reply.error
        return reply.value

    def stop(self, wait_s: float) -> None:
        """Ask the child to finish and wait up to `wait_s` before killing it."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        stop_child(process, conn, wait_s)


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
        process, conn = self._process, self._conn
        self._process = self._conn = None
        stop_child(process, conn, self.STOP_WAIT_S, ask=False)
