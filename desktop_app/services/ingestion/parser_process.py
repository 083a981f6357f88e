"""Parsing in a separate process.

Pure-Python PDF parsing holds the GIL for seconds and a pathological file can hang or crash the
parser. In a child process it overlaps with embedding on another core, a hang is cut off by a
timeout and a crash costs one file, not the app. The child is started with "spawn" (never fork a
process that has torch loaded) and lives for the whole run, so its start-up cost is paid once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from desktop_app.core.cancel import Cancelled
from desktop_app.core.file_selection import file_format
from desktop_app.core.records import ParsedDocument, ParsedPart, ReadingPage
from desktop_app.services.child_process import lower_priority, start_child, stop_child
from desktop_app.services.ingestion.parsing import ParseOptions, Parser, ParseRequest

log = logging.getLogger(__name__)

_POLL_S = 0.05
_READY = "ready"  # the child's first message: libraries imported, tokenizer loaded
_STOP_WAIT_S = 0.5  # it holds nothing that must be finished: then killed


def _child_main(conn: Connection, options: ParseOptions) -> None:
    # Parsing is a few times faster than embedding, so it keeps ahead even at a lower priority;
    # at equal priority it would steal CPU from the embedder (and from the GUI) on small machines.
    lower_priority()
    parser = Parser(options)
    parser.warm_up()
    conn.send(_READY)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            result = parser.parse_streaming(request, conn.send)
        except (BrokenPipeError, ConnectionResetError):
            # The parent stopped listening mid-file (a cancel, or its run failed and said why
            # in its own log): nothing is wrong here, and nobody is left to tell.
            log.info("parsing %s stopped: the app stopped listening", Path(request.path).name)
            return
        except Exception as exc:
            log.exception("parsing %s failed", Path(request.path).name)
            result = _failed(request.path, f"parser error: {type(exc).__name__}: {exc}")
        try:
            conn.send(result)
        except (BrokenPipeError, ConnectionResetError):
            return


def _failed(path: str, reason: str) -> ParsedDocument:
    fmt = file_format(Path(path)) or "unknown"
    return ParsedDocument(path, "", 0, 0, fmt, skip_reason=reason, failed=True)


class ParserProcess:
    """A long-lived parser child; parse() blocks the calling thread, never the GUI."""

    def __init__(self, options: ParseOptions, timeout_s: float) -> None:
        self._options = options
        self._timeout_s = timeout_s
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False

    @property
    def options(self) -> ParseOptions:
        return self._options

    def start(self, wait: bool = False) -> None:
        """Start the child now (it takes about a second to import its libraries), so that it is
        ready by the time the first file arrives; `wait` blocks until it is."""
        conn = self._conn or self._start()
        if wait and not self._ready and conn.poll(30):
            self._ready = conn.recv() == _READY

    def _start(self) -> Connection:
        process, parent = start_child(_child_main, "librarian-parser", "parser", self._options)
        self._process, self._conn = process, parent
        self._ready = False
        return parent

    def parse(
        self,
        request: ParseRequest,
        on_part: Callable[[ParsedPart | ReadingPage], None],
        should_stop: Callable[[], bool] | None = None,
    ) -> ParsedDocument:
        """Parse one file; passages arrive through `on_part` while later pages are parsed, and
        so does word of each page being read by OCR."""
        conn = self._conn or self._start()
        try:
            conn.send(request)
        except (BrokenPipeError, OSError):
            self.close()
            conn = self._start()
            conn.send(request)
        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                if conn.poll(_POLL_S):
                    message = conn.recv()
                    if message == _READY:
                        self._ready = True
                        continue
                    if isinstance(message, (ParsedPart, ReadingPage)):
                        on_part(message)
                        deadline = time.monotonic() + self._timeout_s  # it is making progress
                        continue
                    result: ParsedDocument = message
                    return result
            except (EOFError, OSError):
                self.close()
                return _failed(request.path, "the parser crashed on this file")
            if should_stop is not None and should_stop():
                self.close()  # the file may be pathological: don't wait for it
                raise Cancelled()
            if time.monotonic() > deadline:
                self.close()
                return _failed(
                    request.path,
                    f"no progress reading it for {self._timeout_s:.0f} s"
                    " (damaged or pathological file)",
                )

    def close(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        stop_child(process, conn, _STOP_WAIT_S)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests kill it by this)."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> ParserProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
