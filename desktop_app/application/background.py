"""Jobs a library runs on threads of its own (loading the embedding models while the answering
model loads), waited for when it closes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from desktop_app.core.errors import LibrarianError

log = logging.getLogger(__name__)


class BackgroundJobs:
    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def start(self, job: Callable[[], None], name: str) -> None:
        """Run `job` on a thread that join() waits for. A thread still importing a library
        when the interpreter shuts down fails inside that import ("can't register atexit after
        shutdown"): every early exit (a bad LoRA given to `ask`) would print a traceback."""

        def run() -> None:
            try:
                job()
            except LibrarianError as exc:  # the next use raises it again, where it is shown
                log.warning("%s: %s", name, exc)

        thread = threading.Thread(target=run, name=name)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()
