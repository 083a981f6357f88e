"""Updates that arrive faster than a person can read them, sent in batches.

A re-scan of a 10,000-file folder reports 10,000 unchanged files and as many progress steps in
a couple of seconds. Sent one by one, each is a queued signal the GUI thread must take the GIL
for, and applies with a relayout and a repaint request: measured, the window spent 40 s (and
stalls of 100-200 ms) draining them. Gathered on the worker's thread, they cross as a few
dozen lists."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Gathered(Generic[T]):
    """Items gathered and handed to `send` as one list at most every `interval_s`, and whatever
    is left when `flush()` is called at the end. An item held back is sent when its interval
    is over even if nothing follows it (a timer), not when the next one comes: a file's report
    must not wait for the next file, which may take minutes (a long scan)."""

    def __init__(self, interval_s: float, send: Callable[[list[T]], None]) -> None:
        self._interval = interval_s
        self._send = send
        self._items: list[T] = []
        self._sent = -math.inf  # the first item goes at once
        self._timer: threading.Timer | None = None
        # Held while sending too: a timer's batch and the last flush must not cross, or a
        # run's last reports could arrive after its end.
        self._lock = threading.Lock()

    def add(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            wait = self._sent + self._interval - time.monotonic()
            if wait > 0:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self.flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self.flush()

    def flush(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._sent = time.monotonic()
            items, self._items = self._items, []
            if items:
                self._send(items)
