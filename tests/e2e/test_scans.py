"""Scans through the whole app: image-only PDFs and image files indexed by OCR, and questions
about what is on a scanned page finding that file and page first, in English and Russian."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.passage_location import find_passage
from desktop_app.core.records import Outcome
from desktop_app.core.settings import Settings
from tests.conftest import DIVERSE_PDFS, FIXTURES, Embedders, needs_eval, vectors_match_catalog
from tests.scans import image_only_pdf, picture_file

pytestmark = [pytest.mark.e2e, needs_eval]


@pytest.fixture(scope="module")
def scans(
    tmp_path_factory: pytest.TempPathFactory, embedders: Embedders
) -> Iterator[tuple[Library, Path]]:
    folder = tmp_path_factory.mktemp("scans")
    # Pages 4-5 of a Russian TeX Live guide: page 5 (here 2) says what proTeXt is.
    image_only_pdf(DIVERSE_PDFS / "debian_texlive-ru.pdf", [4, 5], folder / "texlive-scan.pdf")
    # The NTSB report's pages 1 and 3: page 3 (here 2) holds the weather at the accident site.
    picture_file(FIXTURES / "ntsb_report.pdf", [1, 3], folder / "ntsb-pages.tiff")
    # (a single picture, PNG or JPEG, is indexed in tests/ui/sources/test_scans_window.py)
    data = tmp_path_factory.mktemp("scan-library")
    with Library(data, Settings(), embedders=embedders) as library:
        summary = library.index([folder])
        assert [r.status for r in summary.reports] == [Outcome.INDEXED] * 2, summary.reports
        yield library, folder


def test_a_russian_question_finds_the_scanned_page(scans):
    library, _ = scans
    hit = library.search("Что такое proTeXt и чем он отличается от MiKTeX?", k=3)[0]
    assert Path(hit.path).name == "texlive-scan.pdf" and hit.page == 2
    assert "улучшенный вариант дистрибутива" in hit.text  # OCR reads the TeX logos less well


def test_an_english_question_finds_the_page_of_a_tiff(scans):
    library, _ = scans
    hit = library.search("lowest cloud condition and visibility at the accident site", k=3)[0]
    assert Path(hit.path).name == "ntsb-pages.tiff" and hit.page == 2


def test_a_cited_passage_is_found_among_the_scans_word_boxes(scans):
    library, _ = scans
    hit = library.search("Что такое proTeXt", k=1)[0]
    page = library.scanned_page(hit.path, hit.page or 1)
    assert page is not None and page.words
    span = find_passage(page.text, hit.text)
    assert span is not None
    assert any(w.start < span[1] and w.end > span[0] for w in page.words)


def test_the_store_is_consistent_and_documents_list_their_pages(scans):
    library, _ = scans
    assert vectors_match_catalog(library)
    pages = {Path(d.path).name: d.pages for d in library.documents()}
    assert pages == {"texlive-scan.pdf": 2, "ntsb-pages.tiff": 2}
