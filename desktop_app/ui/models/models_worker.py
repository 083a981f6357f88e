"""The model files' worker: lists the catalogue (probing the machine, seconds on a cold start),
downloads, installs and deletes models, off the GUI thread.

A worker of its own rather than the library's: the library worker can be busy indexing for an
hour, and the catalogue must open at once. A download is watched by a timer on this worker's
thread, so that listing or deleting still runs between its ticks, and a cancel (which stops
the download process, up to half a second) never waits on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal

from desktop_app.application.models import ModelRow
from desktop_app.ui.workers import EngineWorker

if TYPE_CHECKING:
    from desktop_app.application.models import DownloadPlan, ModelDownload, ModelShelf

POLL_MS = 100


class ModelsWorker(EngineWorker):
    catalogue_listed = Signal(object, list)  # Machine, list[CatalogueRow]
    installed_listed = Signal(list)  # list[ModelRow]
    download_started = Signal(str)  # the model's name
    download_progress = Signal(str, float)  # what to show, fraction done (-1: unknown)
    download_finished = Signal(ModelRow)  # of the installed model
    download_failed = Signal(str, str)  # kind ("cancelled", "offline"...), message
    removed = Signal(ModelRow)

    def __init__(self, shelf: ModelShelf) -> None:
        super().__init__("librarian-models")
        self.shelf = shelf
        self._download: ModelDownload | None = None
        self._plan: DownloadPlan | None = None
        self._timer: QTimer | None = None

    # -- requests (GUI thread) --------------------------------------------------------------

    def list_catalogue(self) -> None:
        self.submit(self._list_catalogue)

    def list_installed(self) -> None:
        self.submit(lambda: self.installed_listed.emit(self.shelf.installed()))

    def download(self, name_or_repo: str, file: str | None = None) -> None:
        self.submit(lambda: self._start(name_or_repo, file))

    def cancel_download(self) -> None:
        self.submit(self._cancel)

    def remove(self, name: str) -> None:
        self.submit(lambda: self._remove(name))

    def close(self) -> bool:
        return self.stop(self._shutdown)

    @property
    def downloading(self) -> bool:
        return self._download is not None

    # -- jobs (this worker's thread) --------------------------------------------------------

    def _list_catalogue(self) -> None:
        machine, rows = self.shelf.catalogue()
        self.catalogue_listed.emit(machine, rows)
        self.installed_listed.emit(self.shelf.installed())

    def _start(self, name_or_repo: str, file: str | None) -> None:
        from desktop_app.application.models import ModelChoiceError

        if self._download is not None:
            self.download_failed.emit("busy", "a download is already running")
            return
        try:
            self._plan = self.shelf.plan(name_or_repo, file)
        except ModelChoiceError as exc:
            self.download_failed.emit("usage", str(exc))
            return
        self._download = self.shelf.download(self._plan)
        self.download_started.emit(self._plan.name)
        if self._timer is None:  # made here, so that it ticks on this thread
            self._timer = QTimer()
            self._timer.setInterval(POLL_MS)
            self._timer.timeout.connect(self._poll)
        self._timer.start()

    def _poll(self) -> None:
        from desktop_app.application.models import Failed

        job, plan = self._download, self._plan
        if job is None or plan is None:
            return
        job.poll()
        if job.result is None:
            if job.verifying:
                self.download_progress.emit("Checking the SHA-256…", 1.0)
            elif job.progress is not None:
                fraction = job.progress.fraction
                self.download_progress.emit(
                    job.progress.describe(), -1.0 if fraction is None else fraction
                )
            return
        self._end()
        if isinstance(job.result, Failed):
            self.download_failed.emit(job.result.kind, job.result.message)
            return
        row = self.shelf.install(plan, job.result)
        self.download_finished.emit(row)
        self.installed_listed.emit(self.shelf.installed())

    def _cancel(self) -> None:
        from desktop_app.application.models import Failed

        job = self._download
        if job is None:
            return
        self._end()
        job.cancel()
        if isinstance(job.result, Failed):
            self.download_failed.emit(job.result.kind, job.result.message)

    def _shutdown(self) -> None:
        self._cancel()  # the partial file stays: the next start resumes it
        self._timer = None  # deleted here, on the thread it belongs to

    def _end(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._download = None

    def _remove(self, name: str) -> None:
        row = self.shelf.remove(name)
        self.removed.emit(row)
        self.installed_listed.emit(self.shelf.installed())
