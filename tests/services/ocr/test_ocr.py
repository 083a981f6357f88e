"""OCR with the real Tesseract: the engine on rendered pages (upright and turned), and parsing
of scans and image files, with OCR on, off, and missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.records import PageText
from desktop_app.services.ingestion.parsing import ParseOptions, Parser, ParseRequest
from desktop_app.services.ocr import OcrEngine, ocr_status
from desktop_app.services.ocr import tessdata as tessdata_module
from tests.conftest import FIXTURES
from tests.scans import image_only_pdf, page_pictures, picture_file

PDF = FIXTURES / "ntsb_report.pdf"  # 3 pages with a good text layer: what the scans must say

pytestmark = pytest.mark.skipif(
    not ocr_status(["eng", "rus"]).available, reason="Tesseract's eng/rus data is not installed"
)


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return OcrEngine(["eng", "rus"])


def _word_box(page: PageText, word: str) -> tuple[float, float, float, float]:
    assert page.words is not None
    for box in page.words:
        if page.text[box.start : box.end] == word:
            return box.left, box.top, box.right, box.bottom
    raise AssertionError(f"{word!r} not read: {page.text[:300]!r}")


def test_a_rendered_page_is_read_with_its_words_boxes(engine: OcrEngine):
    picture = page_pictures(PDF, [1], turn=0, blur=0)[0]
    page = engine.read(picture, 1)
    assert "National Transportation Safety Board" in page.text
    assert "Chevroux" in page.text and "Reims F172" in page.text
    left, top, right, bottom = _word_box(page, "Chevroux,")
    assert 0 < left < right < 1 and 0 < top < bottom < 0.5  # in the upper part of the page


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_page_scanned_sideways_or_upside_down_is_turned_and_boxes_map_back(
    engine: OcrEngine, turn: int
):
    upright = page_pictures(PDF, [1], turn=0, blur=0)[0]
    expected = _word_box(engine.read(upright, 1), "Transportation")
    turned = engine.read(upright.rotate(turn, expand=True, fillcolor=255), 1)
    assert "National Transportation Safety Board" in turned.text
    # The word's box on the turned picture, turned back, is where it is on the upright page:
    # the viewer paints over the file as it is, so boxes are in the file's orientation.
    left, top, right, bottom = _word_box(turned, "Transportation")
    if turn == 90:  # the picture turned counter-clockwise: (x, y) -> (y, 1 - x)
        mapped = (expected[1], 1 - expected[2], expected[3], 1 - expected[0])
    elif turn == 180:
        mapped = (1 - expected[2], 1 - expected[3], 1 - expected[0], 1 - expected[1])
    else:
        mapped = (1 - expected[3], expected[0], 1 - expected[1], expected[2])
    assert all(abs(a - b) < 0.02 for a, b in zip((left, top, right, bottom), mapped, strict=True))


def test_a_tiny_image_holds_no_text(engine: OcrEngine):
    from PIL import Image

    assert engine.read(Image.new("L", (40, 40), 255), 1).text == ""


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser(ParseOptions())


def test_an_image_only_pdf_is_read_by_ocr(parser: Parser, tmp_path: Path):
    scan = image_only_pdf(PDF, [1, 3], tmp_path / "scan.pdf")
    doc = parser.parse(ParseRequest(str(scan)))
    assert doc.skip_reason is None and doc.pages == 2
    assert doc.notes == ("2 page(s) read by OCR",)
    assert [p.number for p in doc.scanned] == [1, 2]
    text = " ".join(c.text for c in doc.chunks)
    assert "Chevroux" in text and "Meteorological Information" in text
    for chunk in doc.chunks:  # passages are spans of their scanned page's text
        page = doc.scanned[chunk.page - 1 if chunk.page else 0]
        assert page.text[chunk.start : chunk.end] == chunk.text


def test_a_text_pdf_is_not_read_by_ocr(parser: Parser):
    doc = parser.parse(ParseRequest(str(PDF)))
    assert doc.skip_reason is None and not doc.scanned and not doc.notes


@pytest.mark.parametrize("name", ["page.png", "page.jpg", "pages.tiff"])
def test_image_files_are_documents(parser: Parser, tmp_path: Path, name: str):
    pages = [1, 3] if name.endswith(".tiff") else [1]
    image = picture_file(PDF, pages, tmp_path / name)
    doc = parser.parse(ParseRequest(str(image)))
    assert doc.skip_reason is None and doc.format == "image" and doc.pages == len(pages)
    assert "Chevroux" in doc.scanned[0].text
    if len(pages) == 2:  # a TIFF's pages are the document's pages
        on_two = " ".join(c.text for c in doc.chunks if c.page == 2)
        assert "Meteorological Information" in on_two


def test_a_damaged_image_is_skipped_with_a_reason(parser: Parser, tmp_path: Path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really a picture")
    assert "damaged image" in (parser.parse(ParseRequest(str(bad))).skip_reason or "")


def test_with_ocr_off_a_scan_is_reported_not_read(tmp_path: Path):
    scan = image_only_pdf(PDF, [1], tmp_path / "scan.pdf")
    doc = Parser(ParseOptions(ocr=False)).parse(ParseRequest(str(scan)))
    assert doc.skip_reason == "no text layer (OCR is off in Settings)"


def test_without_language_data_a_scan_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(tessdata_module, "_SYSTEM_PLACES", ())
    monkeypatch.setenv("LIBRARIAN_TESSDATA", str(tmp_path / "empty"))
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    assert not ocr_status(["eng"]).available
    scan = image_only_pdf(PDF, [1], tmp_path / "scan.pdf")
    image = picture_file(PDF, [1], tmp_path / "page.png")
    parser = Parser(ParseOptions())
    reason = parser.parse(ParseRequest(str(scan))).skip_reason or ""
    assert reason.startswith("no text layer (scanned: install tesseract-ocr")
    reason = parser.parse(ParseRequest(str(image))).skip_reason or ""
    assert reason.startswith("no text found in the image (scanned: install tesseract-ocr")


def test_a_page_ocr_chokes_on_costs_that_page_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    scan = image_only_pdf(PDF, [1, 3], tmp_path / "scan.pdf")
    real_read = OcrEngine.read

    def choke_on_page_one(self: OcrEngine, image: object, number: int) -> PageText:
        if number == 1:
            raise RuntimeError("Tesseract failed on this picture")
        return real_read(self, image, number)  # type: ignore[arg-type]

    monkeypatch.setattr(OcrEngine, "read", choke_on_page_one)
    doc = Parser(ParseOptions()).parse(ParseRequest(str(scan)))
    assert doc.skip_reason is None and [p.number for p in doc.scanned] == [2]
    assert {c.page for c in doc.chunks} == {2}
