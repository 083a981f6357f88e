"""One long-lived worker thread per engine (GPT4All's shape, without its 2,800-line files).

The GUI submits jobs (plain callables) through a queued signal; they run one at a time, in order,
on the worker's QThread; results come back as signals, which Qt queues to the GUI thread. Stopping
is a flag checked by the running job (a CancelToken) and a final job that ends the thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.ui.errors import user_message

log = logging.getLogger(__name__)

Job = Callable[[], object]  # its result is ignored: jobs report through signals


class _Final:
    """Marks the job that ends the thread: it runs even while the worker is stopping."""

    def __init__(self, job: Job | None) -> None:
        self.job = job


class EngineWorker(QObject):
    """Runs submitted jobs on its own thread. Subclasses add the engine's signals and jobs."""

    _submitted = Signal(object)
    failed = Signal(str)  # a job raised: the message, readable

    def __init__(self, name: str) -> None:
        super().__init__()
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._stopping = False
        self.moveToThread(self._thread)
        # Jobs are submitted from the GUI thread, so Qt queues them to the worker's thread (an
        # explicit QueuedConnection would touch QtCore.Qt, ~40 ms, before the first paint).
        self._submitted.connect(self._run)
        self._thread.start()

    def submit(self, job: Job) -> None:
        if not self._stopping:
            self._submitted.emit(job)

    @Slot(object)
    def _run(self, job: object) -> None:
        if isinstance(job, _Final):
            try:
                if job.job is not None:
                    job.job()
            except Exception:
                log.exception("worker %s: final job failed", self._thread.objectName())
            finally:
                self._thread.quit()
            return
        if self._stopping or not callable(job):
            return  # queued before the window closed: dropped (indexing is resumed next start)
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - logged when a bug; the window stays up
            self.failed.emit(user_message(exc, f"a job of {self._thread.objectName()}"))

    def stop(self, last_job: Job | None = None, timeout_ms: int = 30_000) -> bool:
        """Drop the queued jobs, run `last_job` after the current one, end the thread and wait.
        The caller must first make the current job return (cancel its token)."""
        if not self._thread.isRunning():
            return True
        self._stopping = True
        self._submitted.emit(_Final(last_job))
        return self._thread.wait(timeout_ms)
