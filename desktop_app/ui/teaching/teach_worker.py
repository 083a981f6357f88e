"""The teaching worker: plans a run (examples, model, memory), starts the training process,
watches it, and afterwards checks the adapter and compares base and adapter on the held-out
examples (two model loads: seconds, never on the GUI thread).

The thread is teaching's alone, so one job watches the whole run; a cancel is a flag the job
checks between polls (it must not wait behind that job in the queue)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from desktop_app.ui.workers import EngineWorker

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop_app.application import Library
    from desktop_app.application.teaching import TeachPlan, TrainingRun
    from desktop_app.core.teaching import Example

POLL_S = 0.2


class TeachWorker(EngineWorker):
    started = Signal(str)  # what is being taught, in words
    step_done = Signal(int, int, float, float)  # step, steps, loss, seconds left (-1: unknown)
    resumed = Signal(list)  # losses of the steps a resumed run had done before
    comparing = Signal()
    finished = Signal(object, list)  # AdapterInfo, list[Comparison]
    failed = Signal(str)

    def __init__(self, library: Library) -> None:
        super().__init__("librarian-teach")
        self.library = library
        self._training: TrainingRun | None = None
        self._plan: TeachPlan | None = None
        self._cancelled = threading.Event()
        self._shown = 0

    def teach(self, examples_path: str, name: str, steps: int, rank: int) -> None:
        """Teach from a .jsonl or .csv file of examples."""
        from pathlib import Path

        from desktop_app.core.teaching import read_examples

        self.submit(
            lambda: self._start(lambda: read_examples(Path(examples_path)), name, steps, rank)
        )

    def teach_kept(self, set_name: str, name: str, steps: int, rank: int) -> None:
        """Teach from answers kept in the app ("👍 Keep as example")."""
        kept = self.library.teaching.kept
        self.submit(lambda: self._start(lambda: kept.read(set_name), name, steps, rank))

    def cancel(self) -> None:
        """Called on the GUI thread (not queued: this worker's thread is in the run's loop)."""
        self._cancelled.set()

    def close(self) -> bool:
        self._cancelled.set()
        return self.stop()

    @property
    def running(self) -> bool:
        return self._training is not None

    def _start(
        self, examples: Callable[[], list[Example]], name: str, steps: int, rank: int
    ) -> None:
        from pathlib import Path

        from desktop_app.application.kept_examples import KeptExamplesError
        from desktop_app.application.teaching import TeachingError
        from desktop_app.core.teaching import ExamplesError

        if self._training is not None:
            self.failed.emit("a teaching run is already going")
            return
        base = self.library.models.current_path()
        try:
            self._plan = self.library.teaching.plan(examples(), name, base, steps, rank)
        except (ExamplesError, KeptExamplesError, TeachingError) as exc:
            self.failed.emit(str(exc))
            return
        self._cancelled.clear()
        self._training = self.library.teaching.start(self._plan)
        self._shown = 0
        self.started.emit(
            f"Teaching {Path(base).name} on {len(self._plan.request.examples)} examples"
            f" ({len(self._plan.held_out)} held out for the comparison)…"
        )
        while self._training is not None:
            if self._cancelled.is_set():
                self._cancel()
                return
            self._poll()
            time.sleep(POLL_S)

    def _poll(self) -> None:
        from desktop_app.application.teaching import Exported, TeachingError

        run, plan = self._training, self._plan
        if run is None or plan is None:
            return
        run.poll()
        if run.loaded is not None and self._shown == 0 and run.loaded.resumed_step:
            self._shown = run.loaded.resumed_step
            self.resumed.emit(list(run.loaded.losses))
        if run.last is not None and run.last.step > self._shown:
            self._shown = run.last.step
            left = run.seconds_left()
            self.step_done.emit(
                run.last.step, run.last.steps, run.last.loss, -1.0 if left is None else left
            )
        if run.result is None:
            return
        self._end()
        if not isinstance(run.result, Exported):
            self.failed.emit(run.result.message)
            return
        try:
            info = self.library.teaching.finish(plan, run.result)
        except TeachingError as exc:
            self.failed.emit(str(exc))
            return
        self.comparing.emit()
        config = self.library.llm_config(plan.request.base_model)
        self.finished.emit(info, self.library.teaching.compare(plan, config))

    def _cancel(self) -> None:
        run = self._training
        if run is None:
            return
        self._end()
        run.cancel()
        if run.result is not None and hasattr(run.result, "message"):
            self.failed.emit(run.result.message)

    def _end(self) -> None:
        self._training = None
