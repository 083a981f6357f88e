"""Training in a child process at low priority: the base model keeps answering in the app, the
window never waits, a cancel stops it at once (the last checkpoint stays for a resume), and a
crash in torch costs the run, not the app."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

from desktop_app.services.child_process import ChildJob, lower_priority
from desktop_app.services.training.trainer import (
    Exported,
    Loaded,
    Step,
    TrainFailed,
    TrainMessage,
    TrainRequest,
    train,
)


def _child_main(conn: Connection, request: TrainRequest) -> None:
    os.environ["TQDM_DISABLE"] = "1"  # transformers' de-quantizing bars: not for the terminal
    lower_priority()  # the base model keeps answering in the app meanwhile

    def send(message: TrainMessage) -> None:
        try:
            conn.send(message)
        except (BrokenPipeError, ConnectionResetError):
            raise SystemExit(0) from None  # the app went away: the checkpoint stays

    train(request, send)


class TrainingRun(ChildJob):
    """One training run; poll() never blocks."""

    CRASHED = "the training process stopped unexpectedly (its log is teach.log)"

    def __init__(self, request: TrainRequest) -> None:
        super().__init__()
        self.request = request
        self.loaded: Loaded | None = None
        self.losses: list[float] = []
        self.last: Step | None = None
        self.result: Exported | TrainFailed | None = None

    def start(self) -> TrainingRun:
        self._start(_child_main, "librarian-teach", "teach", self.request)
        return self

    def _handle(self, message: TrainMessage) -> None:
        if isinstance(message, Loaded):
            self.loaded = message
            self.losses = list(message.losses)
        elif isinstance(message, Step):
            self.last = message
            self.losses.append(message.loss)
        else:
            self.result = message
            self._stop()

    def _crashed(self) -> TrainFailed:
        return TrainFailed(self.CRASHED)

    def _cancelled(self) -> TrainFailed:
        return TrainFailed("teaching cancelled; it resumes from its last checkpoint")

    def seconds_left(self) -> float | None:
        """From the pace of this run's steps so far."""
        last, loaded = self.last, self.loaded
        if last is None or loaded is None or last.step <= loaded.resumed_step:
            return None
        per_step = last.seconds / (last.step - loaded.resumed_step)
        return per_step * (last.steps - last.step)
