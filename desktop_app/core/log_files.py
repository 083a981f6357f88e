"""The log files in the data directory, written by every Librarian process.

Each process writes its own rotating file (`librarian.log` for the window or the command line,
`parser.log` and `vector-store.log` for the child processes), so that no two processes ever
rotate one file. Native crashes (a segfault in llama.cpp or Chroma) are written by `faulthandler`
to `crashes.log`, which every process appends to.

Privacy: the log holds file names, counts, timings and tracebacks, never a document's text or a
question; code that would log such text does it at DEBUG level, which is written only with
--verbose.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO

MAIN_LOG = "librarian.log"
CRASH_LOG = "crashes.log"
MAX_BYTES = 2 * 1024 * 1024  # per file; with the backups at most ~8 MB per process
BACKUPS = 3
_FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger(__name__)

# `extra=SHOWN` on a record the front end has already shown to the user in its own words.
SHOWN_KEY = "shown_to_user"
SHOWN = {SHOWN_KEY: True}


class _OneLine(logging.Formatter):
    """The message alone: no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        return self.formatMessage(record)


@dataclass(frozen=True, slots=True)
class LogConfig:
    """What a child process needs to log like its parent (it is pickled to the child)."""

    folder: Path
    verbose: bool


@dataclass(slots=True)
class _State:
    config: LogConfig | None = None
    handlers: tuple[logging.Handler, ...] = ()
    crash_file: IO[str] | None = None
    hooks: tuple[object, object] | None = None  # the exception hooks ours replaced


_state = _State()
_lock = threading.Lock()


class _PausedWhenRefused(RotatingFileHandler):
    """A log file that a full disk or a read-only folder pauses: one line on stderr the first
    time, then nothing (no "--- Logging error ---" traceback per record) until a write
    succeeds again, tried once a minute."""

    RETRY_S = 60.0

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        self._paused_until = 0.0
        self._said = False

    def emit(self, record: logging.LogRecord) -> None:
        if time.monotonic() < self._paused_until:
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        self._paused_until = time.monotonic() + self.RETRY_S
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass  # its unwritten buffer is lost with the disk full
        if not self._said:
            self._said = True
            try:
                sys.stderr.write(
                    f"librarian: the log cannot be written ({error.strerror or error}); "
                    "logging paused\n"
                )
            except (OSError, ValueError, AttributeError):
                pass


def setup(
    folder: Path,
    verbose: bool = False,
    process: str = "librarian",
    hooks: bool = False,
    console: bool = True,
) -> Path | None:
    """Send this process's log records to `folder/<process>.log` (INFO and above; DEBUG too with
    `verbose`), warnings (everything with `verbose`) to stderr, and native crash tracebacks to
    `crashes.log`. `hooks`: also log exceptions nothing caught, in any thread, with their
    traceback. Returns the log file's path, or None when the folder cannot be made (the data
    directory is unusable: opening the library will say so). Calling it again replaces the
    earlier set-up."""
    handlers: list[logging.Handler] = []
    path: Path | None = folder / f"{process}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = None
    if path is not None:
        file_handler = _PausedWhenRefused(path)
        file_handler.setFormatter(logging.Formatter(_FORMAT))
        file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        handlers.append(file_handler)
    if console:
        stderr_handler = logging.StreamHandler(sys.stderr)
        stderr_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
        if verbose:
            stderr_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        else:  # one line each; tracebacks are for the file, what a front end said is not repeated
            stderr_handler.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
            stderr_handler.addFilter(lambda record: not getattr(record, SHOWN_KEY, False))
        handlers.append(stderr_handler)
    root = logging.getLogger()
    with _lock:
        for old in _state.handlers:
            root.removeHandler(old)
            old.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(logging.DEBUG if verbose else logging.INFO)
        _state.handlers = tuple(handlers)
        if path is not None:
            _state.config = LogConfig(folder, verbose)
            _enable_crash_log(folder / CRASH_LOG)
    if hooks and _state.hooks is None:
        _state.hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread
    # Chatty libraries stay at WARNING even with --verbose: their INFO lines bury ours.
    for name in ("httpx", "urllib3", "chromadb", "sentence_transformers", "filelock"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return path


def shutdown() -> None:
    """Undo setup(): close the files, give the hooks and faulthandler back (tests run the
    command line many times in one process, each time with another data directory)."""
    root = logging.getLogger()
    with _lock:
        for handler in _state.handlers:
            root.removeHandler(handler)
            handler.close()
        if _state.crash_file is not None:
            faulthandler.disable()
            _state.crash_file.close()
        if _state.hooks is not None:
            sys.excepthook, threading.excepthook = _state.hooks  # type: ignore[assignment]
        _state.handlers, _state.config, _state.crash_file, _state.hooks = (), None, None, None


def setup_child(config: LogConfig | None, process: str) -> None:
    """The set-up a child process runs first (config is None when the parent logs nowhere)."""
    if config is not None:
        # Its log file only; what it writes to stderr itself (a native library's panic message)
        # goes to the crash log, not over the parent's messages in a terminal.
        setup(config.folder, config.verbose, process, hooks=True, console=config.verbose)
        if _state.crash_file is not None and not config.verbose:
            try:
                sys.stderr.flush()
                os.dup2(_state.crash_file.fileno(), 2)
            except OSError:
                pass


def child_config() -> LogConfig | None:
    """The parent's set-up, to hand to a child process when starting it."""
    return _state.config


def main_log() -> Path | None:
    """The log file of the window or the command line, once set up (shown in messages)."""
    config = _state.config
    return config.folder / MAIN_LOG if config is not None else None


def _enable_crash_log(path: Path) -> None:
    # pytest and an IDE's debugger enable faulthandler themselves: theirs wins.
    if faulthandler.is_enabled() and _state.crash_file is None:
        return
    try:
        crash_file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for crashes
    except OSError as exc:
        log.warning("no crash log (%s)", exc)
        return
    faulthandler.enable(crash_file, all_threads=True)
    if _state.crash_file is not None:
        _state.crash_file.close()
    _state.crash_file = crash_file


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    log.critical("uncaught exception", exc_info=(kind, value, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    thread = args.thread.name if args.thread is not None else "?"
    log.critical(
        "uncaught exception in thread %s",
        thread,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
