"""The indexing engine's worker: opens the library, indexes, lists and removes documents.
(Quick reads for the source viewer run beside it: ui.sources.source_worker.)"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from desktop_app.core.cancel import CancelToken, IndexProgress, ReembedProgress
from desktop_app.core.errors import DiskFull, ReadOnlyLibrary
from desktop_app.ui.banner import DISK
from desktop_app.ui.errors import user_message
from desktop_app.ui.gathering import Gathered
from desktop_app.ui.workers import EngineWorker

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.core.records import RunSummary

LibraryFactory = Callable[[], "Library"]

_GATHER_S = 0.1  # reports and progress cross to the GUI thread at most this often
_MAX_WATCHED_DIRS = 4000  # inotify watches are a per-user resource: stay well under the default
_SKIPPED_DIR_NAMES = {"node_modules", "__pycache__"}


class LibraryWorker(EngineWorker):
    opened = Signal(object, object)  # the Library once open, and the paths to resume indexing
    open_failed = Signal(str)
    warming_up = Signal(bool)  # parser process, vector store, embedding model being started
    documents_listed = Signal(list)  # list[DocumentRow] (ui.library.documents_model)
    index_started = Signal(list)  # list[str]: the paths of the run
    index_progress = Signal(IndexProgress)
    # list[FileReport] (core.records: not named here, that module costs ~10 ms before the first
    # paint), gathered: at most ~10 signals a second however fast files are decided
    files_reported = Signal(list)
    index_finished = Signal(object)  # RunSummary, or None when the run failed
    folders_scanned = Signal(list)  # list[str]: directories to watch
    reembed_progress = Signal(ReembedProgress)
    vectors_built = Signal(bool)  # True: the new embedding models' vectors are complete
    repair_needed = Signal(list)  # what check_index() found wrong: build_vectors() repairs it
    notices = Signal(list)  # list[str]: things to tell the user (a model that is missing)
    # A condition of the machine or the library, not an error (ui.banner's keys): the key, what
    # to say ("" when it is over) and the paths a stopped run was indexing.
    condition = Signal(str, str, list)
    degraded = Signal(str)  # why search goes by words for now ("" once it no longer does)
    restored = Signal(str)  # a damaged catalog was restored from its backup: what was done
    # The library in use: a team library's name and the user's role ("editor", "member"), or
    # (LOCAL, ""); then the team library that could not be opened and why, or None.
    library_in_use = Signal(str, str, object)

    def __init__(self, factory: LibraryFactory) -> None:
        super().__init__("librarian-library")
        self._factory = factory
        self.library: Library | None = None

    # -- requests (called on the GUI thread; the work runs on the worker's) -----------------

    def open(self) -> None:
        self.submit(self._open)

    def index(self, paths: Sequence[str], cancel: CancelToken) -> None:
        requested = list(paths)
        self.submit(lambda: self._index(requested, cancel))

    def reindex(self, paths: Sequence[str], cancel: CancelToken) -> None:
        """Index again even when unchanged (e.g. after changing how passages are cut)."""
        requested = list(paths)
        self.submit(lambda: self._reindex(requested, cancel))

    def choose_embedding_models(self, models: Sequence[str]) -> None:
        chosen = list(models)
        self.submit(lambda: self._choose_embedding_models(chosen))

    def build_vectors(self, cancel: CancelToken) -> None:
        """Embed the library with newly chosen models (resumes where it stopped)."""
        self.submit(lambda: self._build_vectors(cancel))

    def forget_pending(self) -> None:
        self.submit(lambda: self.library.pending.forget() if self.library else None)

    def remove(self, paths: Sequence[str]) -> None:
        doomed = list(paths)
        self.submit(lambda: self._remove(doomed))

    def scan_folders(self, roots: Sequence[str]) -> None:
        folders = list(roots)
        self.submit(lambda: self.folders_scanned.emit(_directories(folders)))

    def repair(self, data_dir: Path) -> None:
        """Restore a damaged catalog from its newest good backup, open the library, and
        index again what changed since (application.repair)."""
        self.submit(lambda: self._repair(data_dir))

    def close(self) -> bool:
        return self.stop(self._close)

    # -- jobs ------------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.library = self._factory()
        except Exception as exc:  # noqa: BLE001 - shown in the window; the app stays up
            self.open_failed.emit(user_message(exc, "opening the library"))
            return
        # First: the window's title and banner say which library before it counts as open.
        self.library_in_use.emit(*self.library.in_use.current(), self.library.in_use.unreachable)
        self.opened.emit(self.library, self.library.pending.paths())
        self.list_documents()
        # Start the parser process, open Chroma's collection and load the embedding model now,
        # while the user looks at the window, rather than when the first document is dropped:
        # each holds the GIL for a while (imports, process start), which the GUI would feel.
        self.warming_up.emit(True)
        try:
            self.library.warm_up()
        finally:
            self.warming_up.emit(False)
        problems = self.library.embeddings.check()
        self.degraded.emit(self.library.embeddings.degraded_notice() or "")
        if problems and self.library.embeddings.room_to_repair():
            self.repair_needed.emit(problems)
        elif problems:  # a full disk: repairs wait for space
            self.condition.emit(DISK, problems[0], [])

    def _repair(self, data_dir: Path) -> None:
        from desktop_app.application.repair import restore_catalog
        from desktop_app.core.paths import DataPaths

        try:
            restored = restore_catalog(DataPaths(data_dir))
        except Exception as exc:  # noqa: BLE001 - no good backup: said, nothing touched
            self.open_failed.emit(user_message(exc, "repairing the library"))
            return
        self._open()
        if restored is None or self.library is None:
            return
        gone = [p for p in restored.paths if not Path(p).exists()]
        if gone:
            self.library.remove([p for p in gone if self.library.catalog.document(p)])
        self.restored.emit(
            f"The catalog was restored from its backup {restored.backup.name} (the damaged one "
            f"is kept as {restored.damaged.name}); documents changed since are indexed again."
        )
        present = [p for p in restored.paths if Path(p).exists()]
        if present:
            self._index(present, CancelToken())

    def _index(self, paths: list[str], cancel: CancelToken) -> None:
        if self.library is None or cancel.cancelled:
            self.index_finished.emit(None)
            return
        self.index_started.emit(paths)
        summary = None
        reports: Gathered[object] = Gathered(_GATHER_S, self.files_reported.emit)
        progress: Gathered[IndexProgress] = Gathered(
            _GATHER_S,
            lambda latest: self.index_progress.emit(latest[-1]),  # the latest says all
        )
        warning = self.library.space_estimate(paths).warning()
        self.condition.emit(DISK, warning or "", [])
        try:
            summary = self.library.index(
                paths, on_report=reports.add, on_progress=progress.add, cancel=cancel
            )
        except (DiskFull, ReadOnlyLibrary) as exc:  # the machine's condition, not an error
            # Resumed once there is room; a read-only folder is not waited on.
            self.condition.emit(DISK, str(exc), paths if isinstance(exc, DiskFull) else [])
        except Exception as exc:  # noqa: BLE001 - said, and the app goes on
            self.failed.emit(user_message(exc, "indexing"))
        finally:
            reports.flush()
            progress.flush()
            self.index_finished.emit(summary)
        if summary is None or not _nothing_changed(summary):
            self.list_documents()

    def _choose_embedding_models(self, models: list[str]) -> None:
        if self.library is not None:
            self.notices.emit(self.library.embeddings.choose(models))

    def _build_vectors(self, cancel: CancelToken) -> None:
        from desktop_app.core.cancel import Cancelled

        complete = False
        try:
            if self.library is not None and not cancel.cancelled:
                self.library.embeddings.build(self.reembed_progress.emit, cancel)
                complete = True
                self.degraded.emit(self.library.embeddings.degraded_notice() or "")
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001 - said; the old vectors keep serving search
            self.failed.emit(user_message(exc, "re-embedding"))
        finally:
            self.vectors_built.emit(complete)

    def _reindex(self, paths: list[str], cancel: CancelToken) -> None:
        if self.library is not None and not cancel.cancelled:
            self.library.remove(paths)
        self._index(paths, cancel)

    def _remove(self, paths: list[str]) -> None:
        if self.library is not None:
            self.library.remove(paths)
            self.list_documents()

    def list_documents(self) -> None:
        """On the worker's thread: documents_listed says them."""
        if self.library is not None:
            from desktop_app.ui.library.documents_model import document_rows

            self.documents_listed.emit(document_rows(self.library.documents_on_disk()))

    def _close(self) -> None:
        if self.library is not None:
            self.library.close()
            self.library = None


def _directories(roots: Sequence[str]) -> list[str]:
    """The folders under `roots` worth watching: not hidden, not dependency caches."""
    found: list[str] = []
    for root in roots:
        for current, dirs, _files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIR_NAMES]
            found.append(str(Path(current)))
            if len(found) >= _MAX_WATCHED_DIRS:
                return found
    return found


def _nothing_changed(summary: RunSummary) -> bool:
    """A re-scan that found every file as it was: the reports said so already, and listing
    the library again (a stat per document) would only repeat it."""
    from desktop_app.core.records import Outcome

    unchanged = all(r.status is Outcome.UNCHANGED for r in summary.reports)
    return unchanged and not summary.pruned and not summary.cancelled
