"""Ctrl+C in a long command: stop the work cleanly, keeping what is done."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from desktop_app.core.cancel import CancelToken


@contextmanager
def cancel_on_ctrl_c(cancel: CancelToken, notice: str | None = None) -> Iterator[CancelToken]:
    """Within the block, Ctrl+C sets `cancel`: the work stops at its next check. With a
    `notice` (printed at the first Ctrl+C, e.g. "stopping after the current batch"), a second
    Ctrl+C aborts at once (KeyboardInterrupt); without one it only cancels again."""

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if cancel.cancelled and notice is not None:
            raise KeyboardInterrupt
        cancel.cancel()
        if notice is not None:
            print(f"\nlibrarian: {notice} (Ctrl+C again to abort)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)
