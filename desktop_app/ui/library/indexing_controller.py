"""The window's indexing side as a controller of its own: adding documents (chosen, dropped, from
watched folders), progress and Cancel, the library panel's requests, re-embedding and repairs.

It is handed its widgets (the library panel, the progress bar, the folder watcher), its worker
(the library worker) and two callbacks into the window (a status message, a yes/no question);
it reacts to the user and to the worker's signals, and the work runs on the worker. Built and
tested without the window (tests/ui/library/test_indexing_controller.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.core.cancel import CancelToken, IndexProgress
from desktop_app.core.file_selection import file_dialog_filter
from desktop_app.ui.formatting import duration
from desktop_app.ui.library.watched_folders import WatchedFolders

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.core.records import RunSummary
    from desktop_app.ui.library.documents_model import DocumentRow
    from desktop_app.ui.library.folder_watcher import FolderWatcher
    from desktop_app.ui.library.library_panel import LibraryPanel
    from desktop_app.ui.library.library_worker import LibraryWorker
    from desktop_app.ui.library.progress_widget import IndexProgressWidget

REEMBED_TEXT = "Preparing to re-embed the library…"
Status = Callable[[str], None]  # a message for the status bar
Confirm = Callable[[str, str], bool]  # (title, question) -> yes


class IndexingController(QObject):
    finished = Signal()  # every requested run is done (or cancelled)
    documents_listed = Signal(int)  # the library's documents with passages, after each change

    def __init__(
        self,
        worker: LibraryWorker,
        panel: LibraryPanel,
        progress: IndexProgressWidget,
        watcher: FolderWatcher,
        status: Status,
        confirm: Confirm,
        dialog_parent: QWidget,
    ) -> None:
        super().__init__(dialog_parent)
        self.worker, self.panel, self.progress = worker, panel, progress
        self.folders = WatchedFolders(worker, panel, watcher, self.index)
        self._status, self._confirm, self._dialog_parent = status, confirm, dialog_parent
        self.library: Library | None = None
        self.repairing = False  # a repair of the index is under way (check found damage)
        self._tokens: list[CancelToken] = []  # one per requested run, oldest first
        self._waiting: list[str] = []  # asked for before the library was open
        self._to_watch: list[str] = []  # folders among them
        w = self.worker
        w.index_started.connect(self._started)
        w.index_progress.connect(self._progressed)
        w.files_reported.connect(panel.apply_reports)
        w.index_finished.connect(self._run_finished)
        w.documents_listed.connect(self._listed)
        w.reembed_progress.connect(self.progress.update_reembedding)
        w.vectors_built.connect(self._vectors_built)
        w.repair_needed.connect(self._repair_needed)
        panel.add_files_requested.connect(self.choose_files)
        panel.add_folder_requested.connect(self.choose_folder)
        panel.remove_requested.connect(self.remove_documents)
        panel.reindex_requested.connect(self.reindex)
        self.progress.cancel_button.clicked.connect(self.cancel)

    def attach(self, library: Library, resume: Sequence[str]) -> None:
        """The library is open: watch its folders, index what was interrupted or asked for
        meanwhile, and finish a model switch a close or a crash interrupted."""
        self.library = library
        self.folders.attach(library)
        self.folders.watch(self._to_watch)
        paths = [*resume, *library.settings.watched_folders, *self._waiting]
        self._waiting.clear()
        self._to_watch.clear()
        if paths:
            self.index(list(dict.fromkeys(paths)))
        if library.embeddings.to_build():
            self.build_vectors()

    @property
    def running(self) -> bool:
        return bool(self._tokens)

    # -- requests --------------------------------------------------------------------------

    def choose_files(self) -> None:
        parent = self._dialog_parent.window()
        paths, _ = QFileDialog.getOpenFileNames(parent, "Add documents", "", file_dialog_filter())
        if paths:
            self.add(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._dialog_parent.window(), "Add a folder")
        if folder:
            self.add([folder])

    def add(self, paths: Sequence[str]) -> None:
        """Documents and folders to index; folders are watched from now on (once the library
        is open, if it is not yet)."""
        folders = [p for p in paths if Path(p).is_dir()]
        if self.library is None:
            self._to_watch.extend(folders)
        self.folders.watch(folders)
        self.index(paths)

    def index(self, paths: Sequence[str]) -> None:
        if self.library is None:
            self._waiting.extend(paths)  # indexed as soon as the library is open
            return
        self.worker.index(list(paths), self._new_token())

    def reindex(self, paths: list[str]) -> None:
        if self.library is not None:
            self.worker.reindex(paths, self._new_token())

    def switch_embedding_models(self, models: Sequence[str]) -> None:
        """Search with other embedding models: the library is re-embedded in the background
        with the usual progress and Cancel; search keeps the current vectors until then."""
        self.worker.choose_embedding_models(models)
        self.build_vectors()

    def build_vectors(self) -> None:
        self.worker.build_vectors(self._new_token(REEMBED_TEXT))

    def cancel(self) -> None:
        """Cancel on purpose: what was being indexed is not resumed at the next start."""
        if not self._tokens:
            return
        self.stop()
        self.progress.cancelling()
        self.worker.forget_pending()

    def stop(self) -> None:
        """Stop every run at its next check (closing the window: resumed at the next start)."""
        for token in self._tokens:
            token.cancel()

    def remove_documents(self, paths: list[str]) -> None:
        question = (
            f"Remove {len(paths)} document(s) from the library? The files on disk are not touched."
        )
        if self._confirm("Remove from library", question):
            self.worker.remove(paths)

    def _new_token(self, message: str | None = None) -> CancelToken:
        token = CancelToken()
        self._tokens.append(token)
        if message is None:
            self.progress.start()
        else:
            self.progress.start(message)
        return token

    # -- the worker's signals --------------------------------------------------------------

    def _started(self, _paths: list[str]) -> None:
        self.progress.start()
        self.panel.start_run()

    def _progressed(self, progress: IndexProgress) -> None:
        self.progress.update_progress(progress)
        if progress.current_path:
            self.panel.mark_indexing(progress.current_path)

    def _run_finished(self, summary: RunSummary | None) -> None:
        if self._tokens:
            self._tokens.pop(0)
        if summary is not None:
            self._status(summary_text(summary))
        if not self._tokens:
            self.progress.hide()
            self.finished.emit()

    def _listed(self, rows: list[DocumentRow]) -> None:
        self.panel.set_documents(rows)
        self.documents_listed.emit(sum(1 for row in rows if row.passages))

    def _repair_needed(self, problems: list[str]) -> None:
        """The vector store lost vectors (a crash, a sync tool): they are embedded again from
        the catalog's text, with the usual progress; search works meanwhile."""
        self.repairing = True
        self._status("; ".join(problems))
        self.build_vectors()

    def _vectors_built(self, complete: bool) -> None:
        if complete and self.repairing:
            self.repairing = False
            self._status("The index is repaired: every passage is found again")
        elif complete:
            self._status("Search now uses the new embedding models")
        elif self.library is not None:
            self._status(
                "Re-embedding stopped: search keeps the previous vectors; it resumes at the "
                "next start"
            )
        self._run_finished(None)


def summary_text(summary: RunSummary) -> str:
    from desktop_app.core.records import Outcome

    done = summary.count(Outcome.INDEXED)
    skipped = summary.count(Outcome.SKIPPED) + summary.count(Outcome.FAILED)
    text = f"Indexed {done} file(s)"
    if skipped:
        text += f", {skipped} skipped"
    text += f" in {duration(summary.seconds)}"
    return text + (" (cancelled; finished files are kept)" if summary.cancelled else "")
