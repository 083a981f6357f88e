"""One file through extraction, cleaning and chunking (no embedding): every format and the
ways a file can be bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.services.embeddings import MINILM_SCRIPTS, default_model_path
from desktop_app.services.ingestion.parsing import ParseOptions, Parser, ParseRequest

RUSSIAN = "Установка системы TeX Live выполняется с помощью программы install-tl. "


@pytest.fixture(scope="module")
def parser() -> Parser:
    model = default_model_path()
    tokenizer = str(model / "tokenizer.json") if model else None
    return Parser(ParseOptions(tokenizer_file=tokenizer, tokenizer_scripts=MINILM_SCRIPTS))


def parse(parser: Parser, path: Path):
    return parser.parse(ParseRequest(str(path)))


def test_utf8_text(parser: Parser, tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("Library notes\n\nThe reading room opens at nine. " * 20, encoding="utf-8")
    doc = parse(parser, path)
    assert doc.skip_reason is None and doc.format == "text"
    assert doc.chunks and doc.chunks[0].page is None
    assert len(doc.content_hash) == 64


def test_cp1251_text_is_decoded(parser: Parser, tmp_path: Path):
    path = tmp_path / "russian.txt"
    path.write_bytes((RUSSIAN * 10).encode("cp1251"))
    doc = parse(parser, path)
    assert doc.skip_reason is None
    assert "Установка системы" in doc.chunks[0].text


def test_utf16_text_is_decoded(parser: Parser, tmp_path: Path):
    path = tmp_path / "wide.txt"
    path.write_bytes(("Wide characters everywhere. " * 20).encode("utf-16"))
    assert "Wide characters" in parse(parser, path).chunks[0].text


def test_markdown_title_and_headings(parser: Parser, tmp_path: Path):
    path = tmp_path / "guide.md"
    path.write_text("# Field guide\n\nIntro text here.\n\n## Birds\n\nSparrows are small.\n")
    doc = parse(parser, path)
    assert doc.title == "Field guide" and doc.format == "markdown"
    assert any("Sparrows are small." in c.text for c in doc.chunks)


def test_html_drops_scripts_and_keeps_text(parser: Parser, tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Museum hours</title><style>p{color:red}</style></head><body>"
        "<h1>Opening</h1><p>The museum opens at <b>ten</b>.</p><script>var x=1;</script>"
        "</body></html>"
    )
    doc = parse(parser, path)
    text = " ".join(c.text for c in doc.chunks)
    assert doc.title == "Museum hours"
    assert "The museum opens at ten." in text
    assert "color" not in text and "var x" not in text


def test_docx_paragraphs_and_tables(parser: Parser, tmp_path: Path):
    import docx

    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Revenue grew by twelve percent in the third quarter.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Region"
    table.rows[0].cells[1].text = "Nordics"
    path = tmp_path / "report.docx"
    document.save(str(path))
    doc = parse(parser, path)
    text = " ".join(c.text for c in doc.chunks)
    assert "Revenue grew by twelve percent" in text
    assert "Region | Nordics" in text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\n  ", "empty file"),
        ("binary.txt", bytes(range(256)) * 50, "binary content"),
        ("fake.pdf", b"this is not a PDF at all", "damaged PDF"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "damaged DOCX"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(parser: Parser, tmp_path: Path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    doc = parse(parser, path)
    assert doc.skip_reason is not None and reason in doc.skip_reason
    assert not doc.chunks


def test_huge_file_is_skipped_without_reading(tmp_path: Path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    doc = Parser(ParseOptions(max_bytes=1024 * 1024)).parse(ParseRequest(str(path)))
    assert doc.skip_reason is not None and doc.skip_reason.startswith("too large")


def test_missing_file(parser: Parser, tmp_path: Path):
    doc = parse(parser, tmp_path / "gone.txt")
    assert doc.skip_reason is not None and "cannot read" in doc.skip_reason


def test_known_hash_stops_early(parser: Parser, tmp_path: Path):
    path = tmp_path / "same.txt"
    path.write_text("Unchanged content. " * 10)
    first = parse(parser, path)
    second = parser.parse(ParseRequest(str(path), known_hash=first.content_hash))
    assert second.content_hash == first.content_hash and not second.chunks


def test_russian_passages_are_not_shredded_by_an_english_tokenizer(parser: Parser, tmp_path: Path):
    path = tmp_path / "ru.txt"
    path.write_text(RUSSIAN * 60, encoding="utf-8")
    doc = parse(parser, path)
    words_per_chunk = [len(c.text.split()) for c in doc.chunks]
    assert min(words_per_chunk[:-1]) > 80  # MiniLM's tokenizer would allow ~30 Russian words
