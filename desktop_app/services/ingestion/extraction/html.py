"""HTML: visible text with block elements as paragraph breaks (standard library parser)."""

from __future__ import annotations

from html.parser import HTMLParser

from desktop_app.core.records import PageText
from desktop_app.services.ingestion.extraction import Extracted
from desktop_app.services.ingestion.extraction.plain import decode_text

_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "main",
    "aside",
}
_HIDDEN = {"script", "style", "noscript", "template", "head", "svg"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._hidden_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _HIDDEN:
            self._hidden_depth += 1
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag in _HEADINGS:
            self.parts.append("#" * int(tag[1]) + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden_depth:
            self.parts.append(data)


def extract_html(data: bytes) -> Extracted:
    collector = _TextCollector()
    collector.feed(decode_text(data))
    collector.close()
    return Extracted([PageText(None, "".join(collector.parts))], title=collector.title.strip())
