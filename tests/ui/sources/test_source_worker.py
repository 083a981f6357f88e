"""Opening a source never waits behind an indexing run: the source viewer's reads run on a
worker of their own (ui.sources.source_worker)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import FIXTURES
from tests.ui.conftest import INDEX_TIMEOUT_MS

READ_TIMEOUT_MS = 10_000  # a read takes milliseconds; an indexing run, here, tens of seconds


class _Reads:
    """A stand-in for the library's three reads (this test is about the threads)."""

    models = SimpleNamespace(gguf_kind=lambda path: "adapter")

    def source_text(self, path: str) -> str:
        return f"the text of {path}"

    def scanned_page(self, path: str, page: int) -> None:
        return None


def test_reads_are_answered_while_the_library_worker_is_busy(qtbot):
    from PySide6.QtCore import QObject, Slot

    from desktop_app.ui.library.library_worker import LibraryWorker
    from desktop_app.ui.sources.source_worker import SourceWorker

    class Received(QObject):  # on the GUI thread: the workers' signals are queued to it
        def __init__(self) -> None:
            super().__init__()
            self.args: list[tuple[object, ...]] = []

        @Slot(str, str, int, int)
        @Slot(str, int, object, str)
        @Slot(str, str, str)
        def keep(self, *args: object) -> None:
            self.args.append(args)

    library_worker, source_worker = LibraryWorker(_Reads), SourceWorker()  # type: ignore[arg-type]
    source_worker.attach(_Reads())  # type: ignore[arg-type]
    received = Received()
    for signal in (source_worker.text_ready, source_worker.gguf_inspected):
        signal.connect(received.keep)
    source_worker.scanned_page_ready.connect(received.keep)
    busy = threading.Event()
    library_worker.submit(lambda: busy.wait(30))  # a long indexing run, say
    try:
        source_worker.load_text("notes.md", 3, 9)
        source_worker.inspect_gguf("style.gguf")
        source_worker.load_scanned_page("scan.pdf", 2, "a passage")
        qtbot.waitUntil(lambda: len(received.args) == 3, timeout=READ_TIMEOUT_MS)
        assert not busy.is_set()  # all while the other worker was still busy
    finally:
        busy.set()
        assert source_worker.close() and library_worker.close()
    assert received.args == [
        ("notes.md", "the text of notes.md", 3, 9),
        ("style.gguf", "adapter", ""),
        ("scan.pdf", 2, None, "a passage"),
    ]
    assert source_worker.library is None  # let go before the library closes


@pytest.mark.e2e
def test_a_source_opens_while_the_window_indexes(make_window, documents, qtbot, tmp_path: Path):
    window = make_window()
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.add_paths([str(documents / "notes.md")])
    many = tmp_path / "many"
    many.mkdir()
    for i in range(12):
        shutil.copy(FIXTURES / "ntsb_report.pdf", many / f"report_{i:02d}.pdf")
    reported: list[str] = []
    window.library_worker.files_reported.connect(lambda rs: reported.extend(r.path for r in rs))
    window.add_paths([str(many)])
    qtbot.waitUntil(lambda: len(reported) >= 1, timeout=INDEX_TIMEOUT_MS)
    window.sources.open(str(documents / "notes.md"), None, 0, 12, "# Field notes")
    qtbot.waitUntil(
        lambda: "green flash" in window.viewer.text_view.toPlainText(), timeout=READ_TIMEOUT_MS
    )
    assert window.indexer.running and len(reported) < 12  # the run was still going
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.progress.cancel_button.click()
