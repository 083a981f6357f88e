"""Fast tests of the window's pure pieces (no library, no model)."""

from __future__ import annotations

import subprocess
import sys

from desktop_app.core.cancel import IndexProgress
from desktop_app.core.passage_location import find_passage
from desktop_app.core.records import DiskState, Outcome
from desktop_app.ui.chat.chat_view import link_citations, markdown_to_html, parse_citation
from desktop_app.ui.formatting import duration, index_progress, source_label
from desktop_app.ui.library.documents_model import status_text


def test_durations_and_progress_read_naturally():
    assert duration(5.4) == "5 s"
    assert duration(65) == "1 min 05 s"
    assert duration(3725) == "1 h 02 min"
    progress = IndexProgress(12, 3, "/docs/report.pdf", 140, 10.0)
    assert index_progress(progress) == "3 of 12 files · report.pdf · 14 passages/s · 30 s left"
    scanning = IndexProgress(12, 3, "/docs/scan.pdf", 0, 0.5, ocr_page=(2, 6))
    assert index_progress(scanning) == "3 of 12 files · scan.pdf: OCR of page 2 of 6 · 2 s left"
    assert source_label("/a/b/report.pdf", 3) == "report.pdf, p. 3"
    assert source_label("/a/notes.md", None) == "notes.md"


def test_only_valid_citations_become_links():
    linked = link_citations("Fog [1], wind [2] and [7].", message_index=4, source_count=2)
    assert linked == "Fog [\\[1\\]](cite:4/1), wind [\\[2\\]](cite:4/2) and [7]."
    assert parse_citation("cite:4/2") == (4, 2)
    assert parse_citation("https://example.org") is None


def test_markdown_renders_with_citation_links(qapp):
    rendered = markdown_to_html(link_citations("**Fog** came [1].", 0, 1))
    assert '<a href="cite:0/1"' in rendered and "font-weight" in rendered


def test_document_status_texts():
    assert status_text(Outcome.INDEXED, None, DiskState.SAME) == "indexed"
    assert status_text(Outcome.INDEXED, None, DiskState.CHANGED) == "changed on disk"
    assert status_text(Outcome.INDEXED, None, DiskState.MISSING) == "missing on disk"
    assert status_text(Outcome.SKIPPED, "no text layer", DiskState.SAME) == "skipped: no text layer"


def test_a_passage_is_found_in_the_pdf_text_despite_line_breaks_and_hyphens():
    page = "On December 17, 2007, a Reims F172 M, French regis-\r\ntered FBVIF, was destroyed\r\n"
    passage = "On December 17, 2007, a Reims F172 M, French registered FBVIF, was destroyed"
    span = find_passage(page, passage)
    assert span is not None
    assert page[span[0] : span[1]].startswith("On December 17")
    assert page[span[0] : span[1]].endswith("destroyed")
    assert find_passage(page, "completely unrelated words here") is None


def test_opening_the_window_module_imports_nothing_heavy():
    code = (
        "import sys, desktop_app.ui.app, desktop_app.ui.main_window\nprint(' '.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(out.stdout.split())
    heavy = {"torch", "sentence_transformers", "onnxruntime", "chromadb", "llama_cpp", "pypdf"}
    heavy |= {"numpy"}
    assert not modules & heavy
    assert "PySide6.QtPdf" not in modules  # loaded with the first PDF shown


def test_answer_bubbles_follow_a_dark_palette(qtbot):
    from PySide6.QtGui import QColor, QPalette

    from desktop_app.core.conversation import Message
    from desktop_app.ui.chat.chat_view import ChatTranscript

    transcript = ChatTranscript()
    qtbot.addWidget(transcript)
    transcript.show_messages([Message("user", "Hello?"), Message("assistant", "Hi [1].")])
    light = transcript.toHtml()
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Base, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.Text, QColor(230, 230, 230))
    dark.setColor(QPalette.ColorRole.Highlight, QColor(42, 130, 218))
    transcript.setPalette(dark)
    import re

    def bubble_colors(html: str) -> list[tuple[int, int, int]]:
        found = re.findall(r"bgcolor=[\"']#([0-9a-fA-F]{6})", html)
        return [(int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)) for c in found]

    assert bubble_colors(light) and all(min(c) > 150 for c in bubble_colors(light))
    dark_colors = bubble_colors(transcript.toHtml())
    assert len(dark_colors) == 2 and all(max(c) < 90 for c in dark_colors)


def test_the_scope_line_names_a_few_documents_and_counts_the_rest():
    from desktop_app.ui.chat.scope_bar import scope_text

    assert scope_text(["/a/x.pdf"]) == "Answers only from: <b>x.pdf</b>"
    text = scope_text(["/a/x.pdf", "/a/y <b>.md", "/a/z.txt", "/a/w.txt", "/b"])
    assert text == "Answers only from: <b>x.pdf, y &lt;b&gt;.md, z.txt and 2 more</b>"


def test_a_highlight_is_zoomed_in_until_its_middle_line_can_be_read():
    from desktop_app.ui.sources.pdf_view import MAX_ZOOM, READABLE_LINE_PX, readable_zoom

    # Lines 5, 6 and 20 px high at zoom 0.5: the middle one (6 px) decides.
    assert readable_zoom([20.0, 5.0, 6.0], 0.5) == 0.5 * READABLE_LINE_PX / 6.0
    assert readable_zoom([30.0], 1.0) == 1.0  # already readable: never zoomed out
    assert readable_zoom([0.5], 1.0) == MAX_ZOOM
    assert readable_zoom([], 0.7) == 0.7
