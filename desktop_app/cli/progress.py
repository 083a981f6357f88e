"""Indexing progress on stderr: a one-line bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from desktop_app.core.cancel import IndexProgress
from desktop_app.core.models import FileReport, Outcome

_MARK = {
    Outcome.INDEXED: "indexed  ",
    Outcome.UNCHANGED: "unchanged",
    Outcome.SKIPPED: "skipped  ",
    Outcome.FAILED: "FAILED   ",
}


class ProgressPrinter:
    def __init__(self, stream: TextIO | None = None, quiet_unchanged: bool = False) -> None:
        self.stream = stream or sys.stderr  # looked up now: tests and tools replace sys.stderr
        self.tty = self.stream.isatty()
        self.quiet_unchanged = quiet_unchanged
        self._last_draw = 0.0
        self._bar_shown = False

    def report(self, report: FileReport) -> None:
        if self.quiet_unchanged and report.status is Outcome.UNCHANGED:
            return
        self._clear_bar()
        detail = ""
        if report.status in (Outcome.INDEXED, Outcome.UNCHANGED):
            pages = f"{report.pages} pages, " if report.pages else ""
            detail = f" ({pages}{report.chunks} passages)"
        elif report.reason:
            detail = f": {report.reason}"
        print(f"{_MARK[report.status]} {report.path}{detail}", file=self.stream, flush=True)

    def progress(self, progress: IndexProgress) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1 and progress.files_done < progress.files_total:
            return
        self._last_draw = now
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = 24
        filled = int(bar_width * progress.fraction)
        eta = progress.eta_s
        eta_text = f" ETA {eta:4.0f}s" if eta is not None else ""
        line = (
            f"[{'#' * filled}{'.' * (bar_width - filled)}] "
            f"{progress.files_done}/{progress.files_total} files, "
            f"{progress.chunks_embedded} passages embedded{eta_text}"
        )
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()
        self._bar_shown = True

    def _clear_bar(self) -> None:
        if self._bar_shown:
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self._bar_shown = False

    def finish(self) -> None:
        self._clear_bar()
