"""The chat: a transcript rendered from Markdown with citation links, and the question box."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.conversation import Message
from desktop_app.core.quotes import Quote
from desktop_app.ui.chat.scope_bar import ScopeBar
from desktop_app.ui.formatting import source_label

_CITATION = re.compile(r"\[(\d+)\]")
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_RENDER_DELAY_MS = 50  # coalesce streamed tokens: re-render at most 20 times a second

EMPTY_LIBRARY_TEXT = (
    "Drop documents here: PDF, text, Markdown, HTML or Word files, or whole folders, anywhere "
    "on this window (or Ctrl+O). They are indexed on this computer, and you can ask questions "
    "about them as soon as the first ones are done."
)


def link_citations(markdown: str, message_index: int, source_count: int) -> str:
    """Turn each valid `[n]` into a Markdown link the transcript can catch."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if not 1 <= n <= source_count:
            return match.group(0)
        return f"[\\[{n}\\]](cite:{message_index}/{n})"

    return _CITATION.sub(link, markdown)


def parse_citation(url: QUrl | str) -> tuple[int, int] | None:
    """(message index, source number) of a `cite:i/n` link."""
    text = url.toString() if isinstance(url, QUrl) else url
    match = re.fullmatch(r"cite:(\d+)/(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def markdown_to_html(markdown: str) -> str:
    document = QTextDocument()
    document.setMarkdown(markdown, QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
    match = _BODY.search(document.toHtml())
    return match.group(1) if match else html.escape(markdown)


def _mix(a: QColor, b: QColor, share_of_b: float) -> str:
    def channel(x: int, y: int) -> int:
        return round(x * (1 - share_of_b) + y * share_of_b)

    return QColor(
        channel(a.red(), b.red()), channel(a.green(), b.green()), channel(a.blue(), b.blue())
    ).name()


def sources_html(index: int, message: Message) -> str:
    """The line of an answer's sources (message `index`), the cited ones in bold."""
    if not message.sources:
        return ""
    cited = set(message.cited)
    links = []
    for source in message.sources:
        label = html.escape(source_label(source.path, source.page))
        item = f"<a href='cite:{index}/{source.n}'>[{source.n}] {label}</a>"
        links.append(f"<b>{item}</b>" if source.n in cited else item)
    return "<p style='font-size:small'>Sources: " + " &nbsp;·&nbsp; ".join(links) + "</p>"


class ChatTranscript(QTextBrowser):
    """Shows a conversation. Finished messages are rendered once and cached; the answer being
    streamed is re-rendered on a short timer, not per token."""

    citation_clicked = Signal(int, int)  # message index, source number
    quote_clicked = Signal(int, int)  # message index (the answer's, also while it streams), quote
    quotes_shown = Signal()  # the answer being written shows its quotes now
    keep_requested = Signal(int, bool)  # an answer's message index; edit it before keeping

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self.messages: list[Message] = []
        self.streaming: str | None = None  # the answer text so far, while one is streamed
        self.streaming_quotes: tuple[Quote, ...] = ()  # its quotes, shown before its text
        self.status_line = ""  # under the streamed answer: "Loading the model…", "Searching…"
        self.empty_text = EMPTY_LIBRARY_TEXT
        self.kept: dict[int, str] = {}  # answers kept as examples in this view -> their set
        self.unkeepable: set[int] = set()  # messages that are not answers: "Could not answer"
        self._cache: dict[int, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_RENDER_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    # -- content ---------------------------------------------------------------------------

    def show_messages(self, messages: Sequence[Message]) -> None:
        self.messages = list(messages)
        self.streaming = None
        self.kept.clear()
        self.unkeepable.clear()
        self._cache.clear()
        self.refresh()

    def start_answer(self, question: str) -> None:
        self.messages.append(Message("user", question))
        self.streaming = ""
        self.streaming_quotes = ()
        self.status_line = "Searching your documents…"
        self.refresh()

    def show_quotes(self, quotes: Sequence[Quote]) -> None:
        """The search is done: its quotes go above the answer still to be written."""
        if self.streaming is None:
            return
        self.streaming_quotes = tuple(quotes)
        self.status_line = "Writing the answer…" if quotes else self.status_line
        self.refresh()
        self.quotes_shown.emit()

    def quotes_of(self, index: int) -> tuple[Quote, ...]:
        """The quotes of the answer at message `index`, or of the answer being written (its
        index is the next message's)."""
        if 0 <= index < len(self.messages):
            return self.messages[index].quotes
        if index == len(self.messages) and self.streaming is not None:
            return self.streaming_quotes
        return ()

    def quote_of(self, index: int, number: int) -> Quote | None:
        """Quote `number` (1-based) of the answer at message `index` (see quotes_of)."""
        quotes = self.quotes_of(index)
        return quotes[number - 1] if 1 <= number <= len(quotes) else None

    def append_token(self, text: str) -> None:
        if self.streaming is None:
            return
        self.streaming += text
        self.status_line = ""
        if not self._timer.isActive():
            self._timer.start()

    def finish_answer(self, message: Message | None, keepable: bool = True) -> None:
        """Replace the streamed text by the final answer (with its sources), or drop it."""
        self.streaming = None
        self.streaming_quotes = ()
        self.status_line = ""
        if message is not None:
            self.messages.append(message)
            if not keepable:
                self.unkeepable.add(len(self.messages) - 1)
        self.refresh()

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        if not self.messages and self.streaming is None:
            self.refresh()

    def set_status_line(self, text: str) -> None:
        self.status_line = text
        if self.streaming is not None:
            self.refresh()

    # -- rendering -------------------------------------------------------------------------

    def refresh(self) -> None:
        self._timer.stop()
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        if not self.messages and self.streaming is None:
            body = (
                "<table width='100%' height='100%'><tr><td align='center' valign='middle' "
                "style='padding:40px'><p style='font-size:large'><b>Your documents, your "
                f"answers</b></p><p>{html.escape(self.empty_text)}</p></td></tr></table>"
            )
        else:
            parts = [self._message_html(i, m) for i, m in enumerate(self.messages)]
            if self.streaming is not None:
                text = self.streaming or f"_{self.status_line or 'Thinking…'}_"
                quotes = self._quotes_html(len(self.messages), self.streaming_quotes)
                content = quotes + markdown_to_html(text)
                parts.append(self._bubble("Librarian", content, assistant=True))
            body = "".join(parts)
        self.setHtml(body)
        if at_end:
            bar.setValue(bar.maximum())

    def _message_html(self, index: int, message: Message) -> str:
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        if message.role == "user":
            rendered = self._bubble("You", markdown_to_html(message.content), assistant=False)
        else:
            linked = link_citations(message.content, index, len(message.sources))
            content = (
                self._quotes_html(index, message.quotes)
                + (markdown_to_html(linked) if message.content else "")
                + sources_html(index, message)
                + self._keep_html(index)
            )
            rendered = self._bubble("Librarian", content, assistant=True)
        self._cache[index] = rendered
        return rendered

    def _quotes_html(self, index: int, quotes: Sequence[Quote]) -> str:
        """The evidence, verbatim: each quote with the file and page it is from; a click on
        it opens the page with that sentence highlighted."""
        if not quotes:
            return ""
        palette = self.palette()
        rule = _mix(
            palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight), 0.6
        )
        rows = []
        for j, quote in enumerate(quotes, start=1):
            where = html.escape(source_label(quote.path, quote.page))
            text = html.escape(quote.text)
            rows.append(
                f"<tr><td width='3' bgcolor='{rule}'></td><td style='padding-left:8px'>"
                f"<a href='quote:{index}/{j}' style='text-decoration:none'>“{text}”</a><br>"
                f"<span style='font-size:small'><a href='cite:{index}/{quote.n}'>[{quote.n}]</a>"
                f" {where}</span></td></tr>"
            )
        copy = f"<a href='copy-quotes:{index}'>Copy quotes</a>"
        return (
            "<table cellspacing='0' cellpadding='3' style='margin-top:6px;margin-bottom:6px'>"
            + "".join(rows)
            + f"</table><p style='font-size:small'>{copy}</p>"
        )

    def quotes_text(self, index: int) -> str:
        """The quotes of an answer as plain text, with their sources (what Copy quotes copies)."""
        return "\n".join(
            f"“{q.text}” [{q.n}] {source_label(q.path, q.page)}" for q in self.quotes_of(index)
        )

    def _keep_html(self, index: int) -> str:
        if index in self.unkeepable or self.question_of(index) is None:
            return ""
        kept = self.kept.get(index)
        if kept is not None:
            line = f"✓ Kept as an example in “{html.escape(kept)}” (Model → Teach…)"
        else:
            line = (
                f"<a href='keep:{index}'>👍 Keep as example</a> &nbsp;·&nbsp; "
                f"<a href='keep-edit:{index}'>Edit, then keep…</a>"
            )
        return f"<p style='font-size:small'>{line}</p>"

    def question_of(self, index: int) -> str | None:
        """The question an answer (by message index) answered."""
        if 1 <= index < len(self.messages) and self.messages[index - 1].role == "user":
            return self.messages[index - 1].content
        return None

    def mark_kept(self, index: int, set_name: str) -> None:
        self.kept[index] = set_name
        self._cache.pop(index, None)
        self.refresh()

    def _bubble(self, who: str, content: str, assistant: bool) -> str:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        tint = palette.color(QPalette.ColorRole.Highlight)
        background = _mix(base, tint, 0.06 if assistant else 0.16)
        return (
            f"<table width='100%' cellspacing='0' cellpadding='8' style='margin-bottom:6px' "
            f"bgcolor='{background}'><tr><td><b>{who}</b>{content}</td></tr></table>"
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._cache.clear()  # light/dark switched: bubble colours follow the palette
            self.refresh()

    def _on_anchor(self, url: QUrl) -> None:
        target = parse_citation(url)
        if target is not None:
            self.citation_clicked.emit(*target)
            return
        link = url.toString()
        quote = re.fullmatch(r"quote:(\d+)/(\d+)", link)
        if quote:
            self.quote_clicked.emit(int(quote.group(1)), int(quote.group(2)))
            return
        copy = re.fullmatch(r"copy-quotes:(\d+)", link)
        if copy:
            QGuiApplication.clipboard().setText(self.quotes_text(int(copy.group(1))))
            return
        keep = re.fullmatch(r"keep(-edit)?:(\d+)", url.toString())
        if keep:
            self.keep_requested.emit(int(keep.group(2)), keep.group(1) is not None)


class Composer(QPlainTextEdit):
    """The question box: Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Ask about your documents…  (Enter sends, Shift+Enter: new line)")
        self.setTabChangesFocus(True)
        self.setMaximumHeight(96)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)
        if enter and not event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatPanel(QWidget):
    """Transcript, the search scope (when limited), question box, Send and Stop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.transcript = ChatTranscript(self)
        self.composer = Composer(self)
        self.scope = ScopeBar(self)
        self.send_button = QPushButton("Send")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        self.stop_button.setEnabled(False)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        row = QHBoxLayout()
        row.addWidget(self.composer, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(self.scope)
        layout.addLayout(row)

    def set_answering(self, answering: bool) -> None:
        self.send_button.setEnabled(not answering)
        self.stop_button.setEnabled(answering)

    def show_library_size(self, indexed: int) -> None:
        """What the empty chat says: how many documents (with passages) it can answer from."""
        self.transcript.set_empty_text(
            f"Ask a question about your {indexed} documents. Answers cite the file and page; "
            "click a citation to see the passage. Drop more documents any time."
            if indexed
            else EMPTY_LIBRARY_TEXT
        )
