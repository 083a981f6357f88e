"""The garbage collector and the app's big, long-lived heap.

Loading the models imports torch, transformers, sympy and llama.cpp: half a million Python
objects that live as long as the process. Python's full (generation 2) collection walks all of
them; here that took 200-340 ms, with the GIL held, so the window froze that long whenever an
indexing thread's allocations happened to trigger one (measured by bench.responsiveness).
So a load runs with the collector paused (the imports make no cycles worth finding, and each
collection among them froze the window too), and what is alive after it is frozen: moved out
of the collector's reach, so that later full collections walk only what was made since."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_loading = 0  # loads in progress: the embedding and answering models load side by side


@contextmanager
def long_lived_load() -> Iterator[None]:
    """Pause the collector while the body loads a model; freeze what it left alive."""
    global _loading
    with _lock:
        if _loading == 0:
            gc.disable()
        _loading += 1
    try:
        yield
    finally:
        with _lock:
            _loading -= 1
            gc.freeze()  # cheap: it relinks the collector's lists
            if _loading == 0:
                gc.enable()
