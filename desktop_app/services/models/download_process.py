"""A model download in a child process: started by the user, polled without blocking, cancelled
at once.

A child rather than a thread: a stalled server can keep a socket read waiting for many
seconds, and no thread can be interrupted there; a process is stopped within a second and the
partial file it leaves is resumed by the next attempt. The network stays out of the app's own
process, which keeps the offline settings of every library it loads.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection

from desktop_app.core.transfer import TransferMeter, TransferProgress
from desktop_app.services.child_process import ChildJob
from desktop_app.services.models.download import (
    SERVER,
    DownloadRequest,
    Failed,
    Finished,
    Message,
    Progress,
    Started,
    Verifying,
    fetch,
)

CANCELLED = "cancelled"


def _child_main(conn: Connection, request: DownloadRequest) -> None:
    def send(message: Message) -> None:
        try:
            conn.send(message)
        except (BrokenPipeError, ConnectionResetError):
            raise SystemExit(0) from None  # the app went away: stop; the partial file stays

    fetch(request, send)


class ModelDownload(ChildJob):
    """One download. poll() returns what happened since the last call, never waits."""

    STOP_WAIT_S = 0.5

    def __init__(self, request: DownloadRequest) -> None:
        super().__init__()
        self.request = request
        self.progress: TransferProgress | None = None
        self.verifying = False
        self.result: Finished | Failed | None = None
        self._meter: TransferMeter | None = None

    def start(self) -> ModelDownload:
        name = f"librarian-download-{self.request.file}"[:60]
        self._start(_child_main, name, "download", self.request)
        return self

    def _handle(self, message: Message) -> None:
        now = time.monotonic()
        if isinstance(message, Started):
            self._meter = TransferMeter(message.total, message.resumed)
            self.progress = self._meter.update(now, message.resumed)
        elif isinstance(message, Progress) and self._meter is not None:
            self.progress = self._meter.update(now, message.done)
        elif isinstance(message, Verifying):
            self.verifying = True
        elif isinstance(message, Finished | Failed):
            self.result = message
            self._stop()

    def _crashed(self) -> Failed:
        return Failed(SERVER, "the download process stopped unexpectedly")

    def _cancelled(self) -> Failed:
        return Failed(CANCELLED, "download cancelled; it resumes where it stopped")
