"""Cancellation and progress plumbing shared by every long-running service call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """Raised inside a service when its cancel token was set."""


class CancelToken:
    """A thread-safe stop flag: the GUI sets it, the worker checks it between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once when cancelled: True if it was."""
        return self._event.wait(seconds)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """A snapshot of an indexing run, sent after each file and each embedded batch."""

    files_total: int
    files_done: int
    current_path: str | None
    chunks_embedded: int
    elapsed_s: float
    ocr_page: tuple[int, int] | None = None  # (page, pages) of current_path being read by OCR

    @property
    def fraction(self) -> float:
        return self.files_done / self.files_total if self.files_total else 1.0

    @property
    def eta_s(self) -> float | None:
        if self.files_done == 0 or self.files_total == 0:
            return None
        rate = self.files_done / max(self.elapsed_s, 1e-6)
        return (self.files_total - self.files_done) / rate


ProgressCallback = Callable[[IndexProgress], None]


@dataclass(frozen=True, slots=True)
class ReembedProgress:
    """A snapshot of embedding stored passages: for a newly chosen model, or to repair the
    vectors of a model in use (some lost or unreadable)."""

    model: str  # the model's label
    done: int  # passages embedded in this run
    total: int  # passages this run has to embed
    elapsed_s: float
    repair: bool = False

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def eta_s(self) -> float | None:
        if self.done == 0 or self.total == 0:
            return None
        return (self.total - self.done) * self.elapsed_s / self.done


ReembedCallback = Callable[[ReembedProgress], None]
