"""The indexing controller alone, without the window: handed a real library worker and the
library panel, progress bar and folder watcher, it indexes what is added (before the library
is open too), lists it, watches folders, asks before removing, and says how a run went."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.application import Library
from tests.conftest import Embedders
from tests.ui.conftest import INDEX_TIMEOUT_MS, OPEN_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def test_the_controller_indexes_lists_watches_and_removes_without_a_window(
    qtbot, tmp_path: Path, documents: Path, embedders: Embedders
):
    from PySide6.QtCore import QObject, Slot
    from PySide6.QtWidgets import QWidget

    from desktop_app.ui.library.folder_watcher import FolderWatcher
    from desktop_app.ui.library.indexing_controller import IndexingController
    from desktop_app.ui.library.library_panel import LibraryPanel
    from desktop_app.ui.library.library_worker import LibraryWorker
    from desktop_app.ui.library.progress_widget import IndexProgressWidget

    host = QWidget()  # what dialogs would open over
    qtbot.addWidget(host)
    panel, progress, watcher = LibraryPanel(host), IndexProgressWidget(host), FolderWatcher(host)
    worker = LibraryWorker(lambda: Library(tmp_path / "library", embedders=embedders))
    said: list[str] = []
    asked: list[str] = []

    def confirm(title: str, question: str) -> bool:
        asked.append(question)
        return True

    indexer = IndexingController(worker, panel, progress, watcher, said.append, confirm, host)
    listed: list[int] = []
    indexer.documents_listed.connect(listed.append)

    class Opened(QObject):  # on the GUI thread: the worker's signal is queued to it
        @Slot(object, object)
        def attach(self, library: Library, pending: list[str]) -> None:
            indexer.attach(library, pending)

    opened = Opened()
    worker.opened.connect(opened.attach)
    try:
        indexer.add([str(documents)])  # before the library is open: waits for it
        assert not indexer.running
        worker.open()
        qtbot.waitUntil(lambda: indexer.library is not None, timeout=OPEN_TIMEOUT_MS)
        qtbot.waitUntil(lambda: indexer.running, timeout=OPEN_TIMEOUT_MS)
        with qtbot.waitSignal(indexer.finished, timeout=INDEX_TIMEOUT_MS):
            pass
        assert not indexer.running and not progress.isVisible()
        assert any(s.startswith("Indexed 2 file(s), 1 skipped in ") for s in said), said
        qtbot.waitUntil(lambda: len(panel.paths()) == 3)
        assert panel.status_of(str(documents / "notes.md")) == "indexed"
        # a folder added before the library opened is watched once it is
        assert indexer.library is not None
        assert indexer.library.settings.watched_folders == [str(documents)]
        assert watcher.roots == [str(documents)] and panel.watched.count() == 1
        indexer.remove_documents([str(documents / "notes.md")])
        assert asked and "Remove 1 document(s)" in asked[0]
        qtbot.waitUntil(lambda: str(documents / "notes.md") not in panel.paths())
        assert listed[-1] == 1  # documents with passages: the chat's empty text counts them
        indexer.folders.unwatch(str(documents))
        assert indexer.library.settings.watched_folders == [] and watcher.roots == []
    finally:
        indexer.stop()
        assert worker.close()
