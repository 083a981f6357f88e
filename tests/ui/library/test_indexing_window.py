"""Dropping files and folders on the window indexes them in the background and lists them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.ui.conftest import INDEX_TIMEOUT_MS
from tests.ui.helpers import drop_files

pytestmark = pytest.mark.e2e


def test_dropping_files_on_the_chat_indexes_and_lists_them(make_window, documents, qtbot):
    window = make_window()
    files = sorted(documents.iterdir())
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        drop_files(window.chat.transcript.viewport(), files)
        assert window.indexer.running  # started at once, in the background
    qtbot.waitUntil(lambda: len(window.library_panel.paths()) == 3)
    panel = window.library_panel
    assert panel.status_of(str(documents / "ntsb_report.pdf")) == "indexed"
    assert panel.status_of(str(documents / "notes.md")) == "indexed"
    assert panel.status_of(str(documents / "broken.pdf")).startswith("skipped: ")
    assert "2 documents indexed" in panel.summary.text()
    assert not window.progress.isVisible()
    assert window.library_panel.watched.count() == 0  # files, not a folder: nothing watched


def test_dropping_a_folder_indexes_it_and_watches_it(make_window, documents, qtbot):
    window = make_window()
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        drop_files(window.library_panel.table.viewport(), [documents])
    qtbot.waitUntil(lambda: len(window.library_panel.paths()) == 3)
    assert window.library.settings.watched_folders == [str(documents)]
    assert window.library_panel.watched.item(0).text() == str(documents)
    qtbot.waitUntil(lambda: str(documents) in window.watcher.directories())

    # A new file in the watched folder is indexed without a click; a deleted one is forgotten.
    added = documents / "later.txt"
    added.write_text("A note added later about the harbour crane inspection.", encoding="utf-8")
    (documents / "notes.md").unlink()
    qtbot.waitUntil(
        lambda: (
            window.library_panel.status_of(str(added)) == "indexed"
            and str(documents / "notes.md") not in window.library_panel.paths()
        ),
        timeout=INDEX_TIMEOUT_MS,
    )


def test_cancel_mid_indexing_keeps_finished_files(make_window, tmp_path, qtbot):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        shutil.copy(FIXTURES / "ntsb_report.pdf", folder / f"report_{i:02d}.pdf")
    window = make_window()
    reported: list[str] = []
    window.library_worker.files_reported.connect(lambda rs: reported.extend(r.path for r in rs))
    window.add_paths([str(folder)])
    qtbot.waitUntil(lambda: len(reported) >= 1, timeout=INDEX_TIMEOUT_MS)
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.progress.cancel_button.click()
    assert not window.indexer.running
    indexed = window.library.documents()
    assert 1 <= len(indexed) < 12
    assert all(d.chunks for d in indexed)  # every listed document is complete
    qtbot.waitUntil(lambda: window.library.pending.paths() == [])  # not resumed next start


def test_a_dropped_gguf_is_offered_as_model_not_indexed(make_window, tmp_path, qtbot):
    window = make_window()
    bad = tmp_path / "broken-model.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    drop_files(window.chat.transcript.viewport(), [bad])
    qtbot.waitUntil(lambda: any("broken-model.gguf" in e for e in window.errors))
    assert window.library.settings.model_path == ""
    assert not window.indexer.running


def test_a_library_whose_vectors_were_lost_is_repaired_in_the_background(
    make_window, qtbot, tmp_path: Path, embedders
):
    from desktop_app.application import Library
    from desktop_app.core.settings import Settings
    from tests.conftest import vectors_match_catalog

    data, docs = tmp_path / "data", tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("The ferry leaves the harbour twice a day.", encoding="utf-8")
    with Library(data, Settings(), embedders=embedders) as library:
        library.index([docs])
    shutil.rmtree(data / "vectors")  # a sync tool or a crash took the vector store
    window = make_window(data)
    labels: list[str] = []  # what the progress bar said, read on the GUI thread
    update = window.progress.update_reembedding

    def recorded(progress: object) -> None:
        update(progress)
        labels.append(window.progress.label.text())

    window.progress.update_reembedding = recorded
    qtbot.waitUntil(lambda: bool(labels) and not window.indexer.repairing, timeout=INDEX_TIMEOUT_MS)
    assert window.statusBar().currentMessage().startswith("The index is repaired")
    assert any(label.startswith("Repairing the index") for label in labels)
    assert window.errors == []  # a repair is not an error dialog
    assert vectors_match_catalog(window.library) and window.library.embeddings.check() == []


def test_paths_the_window_is_opened_with_are_indexed_watched_and_shown(
    make_window, documents, qtbot, tmp_path: Path
):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "harbour.txt").write_text("The harbour master retired in May.", encoding="utf-8")
    notes = str(documents / "notes.md")
    window = make_window(open_paths=[notes, str(folder)])  # `librarian notes.md letters/`
    panel = window.library_panel
    qtbot.waitUntil(
        lambda: (
            panel.status_of(notes) == "indexed"
            and panel.status_of(str(folder / "harbour.txt")) == "indexed"
        ),
        timeout=INDEX_TIMEOUT_MS,
    )
    assert window.library.settings.watched_folders == [str(folder)]  # a folder, as if dropped
    qtbot.waitUntil(lambda: "green flash" in window.viewer.text_view.toPlainText())
