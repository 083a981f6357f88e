"""The parser child process: results stream back, a stuck or crashed child costs one file."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from desktop_app.core.records import ParsedPart, ReadingPage
from desktop_app.services.ingestion.parser_process import ParserProcess
from desktop_app.services.ingestion.parsing import ParseOptions, ParseRequest
from tests.conftest import DIVERSE_PDFS, FIXTURES, needs_eval
from tests.scans import image_only_pdf

PDF = str(FIXTURES / "ntsb_report.pdf")


def test_parts_stream_back_then_the_document():
    parts: list[ParsedPart | ReadingPage] = []
    with ParserProcess(ParseOptions(), timeout_s=60) as parser:
        doc = parser.parse(ParseRequest(PDF), parts.append)
    assert doc.skip_reason is None and doc.pages == 3 and not doc.chunks
    assert parts and all(isinstance(p, ParsedPart) and p.path == PDF for p in parts)  # no OCR
    assert isinstance(parts[0], ParsedPart)
    chunks = [c for p in parts if isinstance(p, ParsedPart) for c in p.chunks]
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert {c.page for c in chunks} == {1, 2, 3}


def test_a_scan_says_which_page_ocr_reads_before_its_passages_arrive(tmp_path: Path):
    scan = str(image_only_pdf(FIXTURES / "ntsb_report.pdf", [1, 3], tmp_path / "scan.pdf"))
    messages: list[ParsedPart | ReadingPage] = []
    with ParserProcess(ParseOptions(), timeout_s=60) as parser:
        doc = parser.parse(ParseRequest(scan), messages.append)
    assert doc.skip_reason is None and doc.pages == 2
    reading = [m for m in messages if isinstance(m, ReadingPage)]
    assert [(m.page, m.pages) for m in reading] == [(1, 2), (2, 2)]
    assert isinstance(messages[0], ReadingPage)  # said before any passage of the scan arrives
    scanned = [page for m in messages if isinstance(m, ParsedPart) for page in m.scanned]
    assert [page.number for page in scanned] == [1, 2] and all(page.words for page in scanned)


@pytest.mark.long  # OCR of six pages: 35 s
@needs_eval
def test_a_real_scan_is_read_page_by_page_and_a_chart_with_a_stray_text_layer_is_kept():
    scan = str(DIVERSE_PDFS / "ocrmypdf_multipage_scan.pdf")  # 6 image-only pages
    messages: list[ParsedPart | ReadingPage] = []
    with ParserProcess(ParseOptions(), timeout_s=60) as parser:
        doc = parser.parse(ParseRequest(scan), messages.append)
    assert doc.skip_reason is None and doc.pages == 6
    reading = [m for m in messages if isinstance(m, ReadingPage)]
    assert [(m.page, m.pages) for m in reading] == [(n, 6) for n in range(1, 7)]
    first_part = next(i for i, m in enumerate(messages) if isinstance(m, ParsedPart))
    assert isinstance(messages[0], ReadingPage) and first_part > 0
    scanned = [page for m in messages if isinstance(m, ParsedPart) for page in m.scanned]
    # Page 4 is a chart whose stray text layer holds more letters than OCR reads on it: kept.
    assert [page.number for page in scanned] == [1, 2, 3, 5, 6]
    assert all(page.words for page in scanned)


def test_a_stuck_child_is_killed_and_replaced():
    with ParserProcess(ParseOptions(), timeout_s=0.001) as parser:
        doc = parser.parse(ParseRequest(PDF), lambda part: None)
        assert doc.failed and doc.skip_reason and "no progress" in doc.skip_reason
        parser._timeout_s = 60
        again = parser.parse(ParseRequest(PDF), lambda part: None)
        assert again.skip_reason is None


@needs_eval
def test_a_crashed_child_costs_one_file():
    long_pdf = str(DIVERSE_PDFS / "samplefiles_GeoTopo-komprimiert.pdf")  # 117 pages
    with ParserProcess(ParseOptions(), timeout_s=60) as parser:
        parser.start(wait=True)
        assert parser._process is not None and parser._process.pid
        pid = parser._process.pid

        def crash_on_first_part(part: ParsedPart | ReadingPage) -> None:
            os.kill(pid, signal.SIGKILL)

        doc = parser.parse(ParseRequest(long_pdf), crash_on_first_part)
        assert doc.failed and doc.skip_reason and "crashed" in doc.skip_reason
        assert parser.parse(ParseRequest(PDF), lambda part: None).skip_reason is None


def test_stop_request_interrupts_a_parse():
    from desktop_app.core.cancel import Cancelled

    stop = threading.Event()
    stop.set()
    with ParserProcess(ParseOptions(), timeout_s=60) as parser:
        try:
            parser.parse(ParseRequest(PDF), lambda part: None, stop.is_set)
        except Cancelled:
            pass
        else:
            raise AssertionError("a set stop flag must cancel the parse")


@needs_eval
def test_a_child_whose_parent_stops_listening_exits_quietly(monkeypatch):
    """A cancelled or failed run closes the pipe mid-file: the child stops at its next send,
    with exit status 0 and no traceback (it used to die of a BrokenPipeError)."""
    from desktop_app.core.cancel import Cancelled
    from desktop_app.services.ingestion import parser_process

    # The app kills a child that has not stopped within half a second; on a loaded machine
    # one page can take longer than that to reach its next send, so wait for it here.
    monkeypatch.setattr(parser_process, "_STOP_WAIT_S", 60.0)

    long_pdf = str(DIVERSE_PDFS / "samplefiles_GeoTopo-komprimiert.pdf")  # 117 pages
    stop = threading.Event()
    with ParserProcess(ParseOptions(), timeout_s=60) as parser:
        parser.start(wait=True)
        child = parser._process
        assert child is not None
        try:
            parser.parse(ParseRequest(long_pdf), lambda part: stop.set(), stop.is_set)
        except Cancelled:
            pass
        child.join(timeout=10)
        assert child.exitcode == 0
