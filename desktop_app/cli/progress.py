"""Indexing progress on stderr: a one-line bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from desktop_app.core.cancel import IndexProgress, ReembedProgress
from desktop_app.core.records import FileReport, Outcome

_MARK = {
    Outcome.INDEXED: "indexed  ",
    Outcome.UNCHANGED: "unchanged",
    Outcome.SKIPPED: "skipped  ",
    Outcome.FAILED: "FAILED   ",
}


class ProgressPrinter:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr  # looked up now: tests and tools replace sys.stderr
        self.tty = self.stream.isatty()
        self._last_draw = 0.0
        self._bar_shown = False
        self._reembed_step = 0

    def report(self, report: FileReport) -> None:
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
        eta = progress.eta_s
        ocr = ""
        if progress.ocr_page is not None and progress.current_path:
            page, pages = progress.ocr_page
            ocr = f", OCR of {Path(progress.current_path).name} p. {page}/{pages}"
        self._draw(
            progress.fraction,
            f"{progress.files_done}/{progress.files_total} files, "
            f"{progress.chunks_embedded} passages embedded{ocr}"
            + (f" ETA {eta:4.0f}s" if eta is not None else ""),
        )

    def reembed_progress(self, progress: ReembedProgress) -> None:
        now = time.monotonic()
        finished = progress.done >= progress.total
        if not self.tty:  # a log: a line at the start, about every 5%, and at the end
            step = max(1, progress.total // 20)
            if progress.done == 0 or finished or progress.done // step != self._reembed_step:
                self._reembed_step = progress.done // step
                doing = "repairing the index: embedding" if progress.repair else "embedding"
                print(
                    f"{doing} {progress.done}/{progress.total} passages with {progress.model}",
                    file=self.stream,
                    flush=True,
                )
            return
        if now - self._last_draw < 0.1 and not finished:
            return
        eta = progress.eta_s
        self._draw(
            progress.fraction,
            ("repairing the index: " if progress.repair else "")
            + f"{progress.done}/{progress.total} passages embedded with {progress.model}"
            + (f" ETA {eta:4.0f}s" if eta is not None else ""),
        )

    def _draw(self, fraction: float, text: str) -> None:
        self._last_draw = time.monotonic()
        width = shutil.get_terminal_size((80, 20)).columns
        filled = int(24 * fraction)
        line = f"[{'#' * filled}{'.' * (24 - filled)}] {text}"
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
