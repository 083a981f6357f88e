"""Scans in the window: indexing says which page OCR reads, and a citation on a scanned page
opens the scan at the page with the cited words painted over the picture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.cancel import IndexProgress
from desktop_app.core.settings import Settings
from desktop_app.services.ocr import ocr_status
from tests.conftest import FIXTURES, Embedders
from tests.scans import image_only_pdf, picture_file
from tests.ui.conftest import INDEX_TIMEOUT_MS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not ocr_status(["eng", "rus"]).available, reason="Tesseract's data is not installed"
    ),
]

WEATHER = "lowest cloud condition and visibility at the accident site"


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory, embedders: Embedders
) -> tuple[Path, Path, Path, list[IndexProgress]]:
    """A scanned PDF and a photo of a page, indexed by OCR once for the module (the OCR takes
    most of the time); each test opens the window on a copy of that library."""
    folder = tmp_path_factory.mktemp("scans")
    scan = image_only_pdf(FIXTURES / "ntsb_report.pdf", [1, 3], folder / "scan.pdf")
    photo = picture_file(FIXTURES / "ntsb_report.pdf", [3], folder / "photo.png")
    data = tmp_path_factory.mktemp("scan-library")
    progress: list[IndexProgress] = []
    with Library(data, Settings(), embedders=embedders) as library:
        library.index([scan, photo], on_progress=progress.append)
    return data, scan, photo, progress


@pytest.fixture
def scanned_window(scanned, make_window, tmp_path: Path):
    data, scan, photo, progress = scanned
    shutil.copytree(data, tmp_path / "library")
    return make_window(tmp_path / "library"), scan, photo, progress


def test_a_citation_on_a_scanned_pdf_page_highlights_the_words_on_the_scan(scanned_window, qtbot):
    window, scan, _, progress = scanned_window
    # what the progress bar says "OCR of page …" from (tests/ui/test_units.py)
    assert any(p.ocr_page is not None for p in progress)
    hit = next(h for h in window.library.search(WEATHER, k=5) if h.path == str(scan))
    assert hit.page == 2
    viewer = window.viewer
    window.sources.open(hit.path, hit.page, hit.start, hit.end, hit.text)
    assert viewer.pages.currentWidget() is viewer.pdf_view
    assert viewer.current_pdf_page() == 1
    # The PDF has no text layer there: the OCR word boxes arrive from the library worker.
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=30_000)
    view = viewer.pdf_view
    assert view.highlight_page == 1 and view.highlight_rects
    size = viewer.pdf_document.pagePointSize(1)
    for rect in view.highlight_rects:
        assert 0 <= rect.left() < rect.right() <= size.width() + 1
        assert 0 <= rect.top() < rect.bottom() <= size.height() + 1


def test_a_citation_on_an_image_file_shows_the_picture_with_the_words_highlighted(
    scanned_window, qtbot
):
    window, _, photo, _ = scanned_window
    hit = next(h for h in window.library.search(WEATHER, k=5) if h.path == str(photo))
    viewer = window.viewer
    window.sources.open(hit.path, hit.page, hit.start, hit.end, hit.text)
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=30_000)
    image_view = viewer.image_view
    assert image_view is not None and viewer.pages.currentWidget() is image_view
    assert not image_view.canvas.image.isNull() and image_view.canvas.boxes
    assert all(0 <= b[0] < b[2] <= 1 and 0 <= b[1] < b[3] <= 1 for b in image_view.canvas.boxes)


def test_with_ocr_turned_off_in_settings_a_scan_is_listed_as_skipped_and_why(
    make_window, qtbot, tmp_path: Path
):
    scan = image_only_pdf(FIXTURES / "ntsb_report.pdf", [1], tmp_path / "scan.pdf")
    window = make_window()
    dialog = window.model.open_settings()
    assert dialog.ocr.isChecked() and dialog.ocr_languages.text() == "eng+rus"
    dialog.ocr.setChecked(False)
    dialog.accept()
    assert window.library.settings.ocr_enabled is False
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.add_paths([str(scan)])
    qtbot.waitUntil(lambda: str(scan) in window.library_panel.paths())
    status = window.library_panel.status_of(str(scan))
    assert status == "skipped: no text layer (OCR is off in Settings)"


def test_a_quote_from_a_scan_highlights_its_sentence_on_the_page(scanned_window, qtbot):
    from PySide6.QtCore import QUrl

    from desktop_app.core.conversation import Message

    window, scan, _, _ = scanned_window
    answer = window.library.ask(WEATHER, quotes_only=True)
    quote = next(q for q in answer.quotes if q.path == str(scan))
    transcript = window.chat.transcript
    transcript.show_messages([Message("user", WEATHER), Message("assistant", "", quotes=(quote,))])
    transcript.anchorClicked.emit(QUrl("quote:1/1"))
    viewer = window.viewer
    assert viewer.current_pdf_page() == quote.page - 1
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=30_000)
    sentence_lines = len(viewer.pdf_view.highlight_rects)
    assert 1 <= sentence_lines <= quote.text.count(" ") // 4 + 2  # its lines, no more
    source = answer.sources[quote.n - 1]
    window.sources.open(source.path, source.page, source.start, source.end, source.text)
    qtbot.waitUntil(lambda: len(viewer.pdf_view.highlight_rects) > sentence_lines, timeout=30_000)
