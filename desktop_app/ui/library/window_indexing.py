"""The window's indexing side: adding documents (chosen, dropped), progress and Cancel, the
library panel's requests, watched folders. A mixin of MainWindow: it only reacts to the user and
to the library worker's signals; the work runs on the worker."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QStatusBar, QWidget

from desktop_app.core.cancel import CancelToken, IndexProgress, ReembedProgress
from desktop_app.core.file_selection import file_dialog_filter
from desktop_app.ui.chat.chat_view import EMPTY_LIBRARY_TEXT
from desktop_app.ui.formatting import duration

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.core.records import FileReport, RunSummary
    from desktop_app.ui.chat.chat_view import ChatPanel
    from desktop_app.ui.library.documents_model import DocumentRow
    from desktop_app.ui.library.folder_watcher import FolderWatcher
    from desktop_app.ui.library.library_panel import LibraryPanel
    from desktop_app.ui.library.library_worker import LibraryWorker
    from desktop_app.ui.library.progress_widget import IndexProgressWidget
    from desktop_app.ui.sources.source_worker import SourceWorker


class IndexingMixin:
    # Provided by MainWindow.
    library: Library | None
    library_worker: LibraryWorker
    source_worker: SourceWorker
    library_panel: LibraryPanel
    progress: IndexProgressWidget
    chat: ChatPanel
    watcher: FolderWatcher
    indexing_finished: Any  # a Signal
    _index_tokens: list[CancelToken]
    _open_paths: list[str]
    repairing: bool  # a repair of the index is under way (embeddings.check found damage)

    if TYPE_CHECKING:
        # QMainWindow's and MainWindow's methods, as the mixin sees them
        def statusBar(self) -> QStatusBar: ...
        def window(self) -> QWidget: ...
        def confirm(self, title: str, question: str) -> bool: ...

    # -- indexing --------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.window(),
            "Add documents",
            "",
            file_dialog_filter(),
        )
        if paths:
            self.add_paths(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window(), "Add a folder")
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths: Sequence[str]) -> None:
        """Dropped or chosen: .gguf files are offered as the model, the rest is indexed."""
        models = [p for p in paths if p.lower().endswith(".gguf")]
        documents = [p for p in paths if p not in models]
        for model in models:
            self.source_worker.inspect_gguf(model)
        if documents:
            self._watch([p for p in documents if Path(p).is_dir()])
            self.index_paths(documents)

    def index_paths(self, paths: Sequence[str]) -> None:
        if self.library is None:
            self._open_paths.extend(paths)  # indexed as soon as the library is open
            return
        token = CancelToken()
        self._index_tokens.append(token)
        self.progress.start()
        self.library_worker.index(list(paths), token)

    def reindex_documents(self, paths: list[str]) -> None:
        if self.library is None:
            return
        token = CancelToken()
        self._index_tokens.append(token)
        self.progress.start()
        self.library_worker.reindex(paths, token)

    def switch_embedding_models(self, models: Sequence[str]) -> None:
        """Search with other embedding models: the library is re-embedded in the background
        with the usual progress and Cancel; search keeps the current vectors until then."""
        self.library_worker.choose_embedding_models(models)
        self.build_vectors()

    def build_vectors(self) -> None:
        token = CancelToken()
        self._index_tokens.append(token)
        self.progress.start("Preparing to re-embed the library…")
        self.library_worker.build_vectors(token)

    def _reembed_progress(self, progress: ReembedProgress) -> None:
        self.progress.update_reembedding(progress)

    def _repair_needed(self, problems: list[str]) -> None:
        """The vector store lost vectors (a crash, a sync tool): they are embedded again from
        the catalog's text, with the usual progress; search works meanwhile."""
        self.repairing = True
        self.statusBar().showMessage("; ".join(problems), 15_000)
        self.build_vectors()

    def _vectors_built(self, complete: bool) -> None:
        if complete and self.repairing:
            self.repairing = False
            self.statusBar().showMessage(
                "The index is repaired: every passage is found again", 15_000
            )
        elif complete:
            self.statusBar().showMessage("Search now uses the new embedding models", 15_000)
        elif self.library is not None:
            self.statusBar().showMessage(
                "Re-embedding stopped: search keeps the previous vectors; it resumes at the "
                "next start",
                15_000,
            )
        self._index_finished(None)

    def cancel_indexing(self) -> None:
        if not self._index_tokens:
            return
        for token in self._index_tokens:
            token.cancel()
        self.progress.cancelling()
        self.library_worker.forget_pending()  # cancelled on purpose: not resumed next start

    @property
    def indexing(self) -> bool:
        return bool(self._index_tokens)

    def _index_started(self, _paths: list[str]) -> None:
        self.progress.start()
        self.library_panel.start_run()

    def _index_progress(self, progress: IndexProgress) -> None:
        self.progress.update_progress(progress)
        if progress.current_path:
            self.library_panel.mark_indexing(progress.current_path)

    def _files_reported(self, reports: list[FileReport]) -> None:
        self.library_panel.apply_reports(reports)

    def _index_finished(self, summary: RunSummary | None) -> None:
        if self._index_tokens:
            self._index_tokens.pop(0)
        if summary is not None:
            self.statusBar().showMessage(_summary_text(summary), 15_000)
        if not self._index_tokens:
            self.progress.hide()
            self.indexing_finished.emit()

    def _documents_listed(self, rows: list[DocumentRow]) -> None:
        self.library_panel.set_documents(rows)
        indexed = sum(1 for row in rows if row.passages)
        if indexed:
            self.chat.transcript.set_empty_text(
                f"Ask a question about your {indexed} documents. Answers cite the file and page; "
                "click a citation to see the passage. Drop more documents any time."
            )
        else:
            self.chat.transcript.set_empty_text(EMPTY_LIBRARY_TEXT)

    def remove_documents(self, paths: list[str]) -> None:
        if self.confirm(
            "Remove from library",
            f"Remove {len(paths)} document(s) from the library? The files on disk are not touched.",
        ):
            self.library_worker.remove(paths)

    # -- watched folders -------------------------------------------------------------------

    def _watch(self, folders: Sequence[str]) -> None:
        if self.library is None or not folders:
            return
        watched = self.library.settings.watched_folders
        for folder in (str(Path(f).resolve()) for f in folders):
            inside = any(
                Path(w) == Path(folder) or Path(w) in Path(folder).parents for w in watched
            )
            if not inside:
                watched.append(folder)
        self.library.save_settings()
        self._update_watched()

    def unwatch_folder(self, folder: str) -> None:
        if self.library is None:
            return
        settings = self.library.settings
        settings.watched_folders = [f for f in settings.watched_folders if f != folder]
        self.library.save_settings()
        self._update_watched()

    def _update_watched(self) -> None:
        folders = self.library.settings.watched_folders if self.library else []
        self.library_panel.set_watched(folders)
        self.watcher.set_roots(folders)
        self.library_worker.scan_folders(folders)

    def _watched_folders_changed(self, roots: list[str]) -> None:
        self.index_paths(roots)
        self.library_worker.scan_folders(roots)  # new subfolders get watched too


def _summary_text(summary: RunSummary) -> str:
    from desktop_app.core.records import Outcome

    done = summary.count(Outcome.INDEXED)
    skipped = summary.count(Outcome.SKIPPED) + summary.count(Outcome.FAILED)
    text = f"Indexed {done} file(s)"
    if skipped:
        text += f", {skipped} skipped"
    text += f" in {duration(summary.seconds)}"
    return text + (" (cancelled; finished files are kept)" if summary.cancelled else "")
