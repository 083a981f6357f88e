"""Updates that arrive faster than a person can read them, sent in batches.

A re-scan of a 10,000-file folder reports 10,000 unchanged files and as many progress steps in
a couple of seconds. Sent one by one, each is a queued signal the GUI thread must take the GIL
for, and applies with a relayout and a repaint request: measured, the window spent 40 s (and
stalls of 100-200 ms) draining them. Gathered on the worker's thread, they cross as a few
dozen lists."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Gathered(Generic[T]):
    """Items gathered and handed to `send` as one list at most every `interval_s` (checked as
    items arrive), and whatever is left when `flush()` is called at the end."""

    def __init__(self, interval_s: float, send: Callable[[list[T]], None]) -> None:
        self._interval = interval_s
        self._send = send
        self._items: list[T] = []
        self._sent = 0.0

    def add(self, item: T) -> None:
        self._items.append(item)
        if time.monotonic() - self._sent >= self._interval:
            self.flush()

    def flush(self) -> None:
        self._sent = time.monotonic()
        items, self._items = self._items, []
        if items:
            self._send(items)
