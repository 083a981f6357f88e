"""Every real PDF of ../shared/eval/pdfs/diverse through the whole pipeline, with the outcome a
user should see, and search over them in English and Russian."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.embedding_models import USE_M3
from desktop_app.core.records import Outcome, RunSummary
from desktop_app.core.settings import Settings
from tests.conftest import DIVERSE_PDFS, Embedders, needs_eval, vectors_match_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.long, needs_eval]

INDEXED = "indexed"
PASSWORD = "password-protected"
DAMAGED = "damaged PDF"
# What the files without a usable text layer must be found to say, once repaired or read by OCR
# (recognised words that OCR gets right on these scans, checked by eye).
MUST_CONTAIN = {
    "debian_lshortru.pdf": ["Не очень краткое", "введение"],
    "ocrmypdf_c02-22_scan.pdf": ["tip-toeing", "garden"],
    "ocrmypdf_epson.pdf": ["Optical character recognition"],
    "ocrmypdf_kcs_bad-toc.pdf": ["Desktop Test"],
    "ocrmypdf_linn_scan.pdf": ["LinnSequencer", "MIDI Sequence Recorder"],
    "ocrmypdf_multipage_scan.pdf": ["tip-toeing", "garden"],
    "ocrmypdf_skew_scan.pdf": ["LinnSequencer", "MIDI Sequence Recorder"],
}

EXPECTED = {
    "debian_gost.pdf": INDEXED,
    "debian_lshortru.pdf": INDEXED,  # cp1251 read as Latin-1 ('Íå î÷åíü'): repaired
    "debian_texlive-ru.pdf": INDEXED,
    "docugami_ntsb_20080102X00002.pdf": INDEXED,
    "ocrmypdf_c02-22_scan.pdf": INDEXED,  # image-only: OCR
    "ocrmypdf_epson.pdf": INDEXED,  # image-only: OCR
    "ocrmypdf_invalid.pdf": DAMAGED,
    "ocrmypdf_kcs_bad-toc.pdf": INDEXED,  # image-only: OCR
    "ocrmypdf_linn_scan.pdf": INDEXED,  # image-only: OCR
    "ocrmypdf_multipage_scan.pdf": INDEXED,  # OCR; 100 stray characters on 1 of 6 pages
    "ocrmypdf_overlay_bad-content-stream.pdf": INDEXED,  # broken content stream, text readable
    "ocrmypdf_skew_scan.pdf": INDEXED,  # image-only and skewed: OCR
    "pdfminer_dmca.pdf": INDEXED,  # encrypted with an empty user password
    "pdfminer_encrypted_aes-256.pdf": PASSWORD,
    "pdfminer_encrypted_rc4-128.pdf": PASSWORD,
    "pdfminer_i1040nr.pdf": INDEXED,
    "pdfminer_kampo-japanese.pdf": INDEXED,
    "pdfminer_naacl06-shinyama.pdf": INDEXED,
    "pdfminer_nlp2004slides.pdf": INDEXED,
    "pdfminer_zen_of_python_corrupted.pdf": INDEXED,  # corrupted xref, recovered
    "pypdf_Seige_of_Vicksburg_Sample_OCR.pdf": INDEXED,
    "samplefiles_GeoTopo-komprimiert.pdf": INDEXED,
    "samplefiles_google-doc-document.pdf": INDEXED,
    "samplefiles_habibi-arabic.pdf": INDEXED,
    "samplefiles_libreoffice-writer-password.pdf": PASSWORD,
    "samplefiles_multicolumn.pdf": INDEXED,
    "samplefiles_pdflatex-4-pages.pdf": INDEXED,
}


@pytest.fixture(scope="module")
def indexed(
    tmp_path_factory: pytest.TempPathFactory, embedders: Embedders
) -> Iterator[tuple[Library, RunSummary]]:
    data = tmp_path_factory.mktemp("diverse-library")
    # These tests are about reading PDFs: one real embedding model. USE-m3 embeds the 2,077
    # passages (and their sentences) in about 35 s where the default's e5 needs 135 s more;
    # e5's search is tested on XQuAD and PubMedQA (test_embedding_models, bench.relevance).
    settings = Settings(embedding_models=[USE_M3])
    with Library(data, settings, embedders=embedders) as library:
        summary = library.index([DIVERSE_PDFS], excludes=["*.txt"])
        yield library, summary


def test_every_pdf_gets_its_expected_outcome(indexed):
    _, summary = indexed
    outcomes = {Path(r.path).name: r for r in summary.reports}
    assert set(outcomes) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        report = outcomes[name]
        if expected == INDEXED:
            assert report.status is Outcome.INDEXED, (name, report.reason)
            assert report.chunks > 0 and report.pages > 0
        else:
            assert report.status is Outcome.SKIPPED, (name, report)
            assert report.reason and expected in report.reason, (name, report.reason)


def test_scans_and_a_garbled_text_layer_are_read(indexed):
    library, summary = indexed
    reports = {Path(r.path).name: r for r in summary.reports}
    for name, words in MUST_CONTAIN.items():
        ids = library.catalog.chunk_ids_of(str(DIVERSE_PDFS / name))
        text = " ".join(c.text for c in library.catalog.chunks(ids).values())
        for word in words:
            assert word in text, (name, word, text[:300])
        expected_note = "repaired" if name == "debian_lshortru.pdf" else "read by OCR"
        assert any(expected_note in note for note in reports[name].notes), reports[name].notes
    scan = str(DIVERSE_PDFS / "ocrmypdf_linn_scan.pdf")
    page = library.scanned_page(scan, 1)
    assert page is not None and "LinnSequencer" in page.text and page.words
    assert library.scanned_page(str(DIVERSE_PDFS / "pdfminer_dmca.pdf"), 1) is None


def test_nothing_failed_and_store_is_consistent(indexed):
    library, summary = indexed
    assert summary.count(Outcome.FAILED) == 0
    assert vectors_match_catalog(library)


def test_skipped_files_are_listed_with_reasons_and_not_reparsed(indexed):
    library, _ = indexed
    docs = {Path(d.path).name: d for d in library.documents()}
    assert docs["pdfminer_encrypted_aes-256.pdf"].reason == PASSWORD
    again = library.index([DIVERSE_PDFS / "pdfminer_encrypted_aes-256.pdf"])
    assert again.reports[0].status is Outcome.SKIPPED and again.reports[0].reason == PASSWORD


def test_russian_query_finds_the_russian_passage(indexed):
    library, _ = indexed
    hits = library.search("Что такое proTeXt и чем он отличается от MiKTeX?", k=3)
    assert hits[0].path.endswith("debian_texlive-ru.pdf")
    assert hits[0].page == 5
    assert "proTEXt" in hits[0].text


def test_english_query_finds_the_right_page(indexed):
    library, _ = indexed
    hit = library.search("fog and snow grains at the accident site", k=1)[0]
    assert hit.path.endswith("docugami_ntsb_20080102X00002.pdf")
    assert hit.page == 3


def test_german_text_is_searchable(indexed):
    library, _ = indexed
    hits = library.search("Geometrie und Topologie Vorlesung", k=5)
    assert any(h.path.endswith("samplefiles_GeoTopo-komprimiert.pdf") for h in hits)
