"""Every passage retrieved for an answer, with its scores, which of its sentences were quoted and
which the model read."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.embedding_models import BUILTIN_MODELS, describe
from desktop_app.core.records import SearchHit
from desktop_app.ui.formatting import source_label

if TYPE_CHECKING:
    from desktop_app.application import Answer

# One "dense" column per embedding model that ranked a passage goes after the score.
LEADING_COLUMNS = ("#", "Source", "Score")
TRAILING_COLUMNS = ("Lexical", "Quoted", "Sent")
QUOTED_STYLE = "background-color:#ffd84d;font-weight:bold"
SENT_STYLE = "background-color:#cfe3ff"


def _rank(rank: int | None, score: float | None, digits: int) -> str:
    if rank is None or score is None:
        return "–"
    return f"#{rank} ({score:.{digits}f})"


def budget_text(answer: Answer) -> str:
    timings = answer.timings
    search = f"search {timings.get('retrieval_ms', 0):.0f} ms"
    if not answer.grounded:
        return f"Nothing relevant found: the model was not given any passage; {search}."
    quotes = f"{len(answer.quotes)} quotes at {timings.get('quotes_ms', 0):.0f} ms"
    if not answer.writer_ran:
        return f"{quotes}; the model was not run; {search}."
    given = len({n for n, _, _ in answer.sent})
    return (
        f"{quotes}. Prompt: {int(timings.get('prompt_tokens', 0))} of "
        f"{int(timings.get('prompt_budget_tokens', 0))} tokens; the model read {given} of "
        f"{len(answer.retrieved)} passages ({len(answer.sent)} pieces); {search}."
    )


def marked_html(hit: SearchHit, quoted: list[tuple[int, int]], sent: list[tuple[int, int]]) -> str:
    """The passage's text with its quoted sentences and the pieces the model read marked
    (spans in the page's text, as hits and quotes give them)."""
    text = hit.text
    marks = [0] * len(text)  # 0 plain, 1 sent, 2 quoted
    for spans, mark in ((sent, 1), (quoted, 2)):
        for start, end in spans:
            for i in range(max(0, start - hit.start), min(len(text), end - hit.start)):
                marks[i] = max(marks[i], mark)
    pieces: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = html.escape(text[i:j])
        style = {1: SENT_STYLE, 2: QUOTED_STYLE}.get(marks[i])
        pieces.append(f"<span style='{style}'>{chunk}</span>" if style else chunk)
        i = j
    legend = (
        f"<p style='font-size:small'><span style='{QUOTED_STYLE}'>quoted</span> · "
        f"<span style='{SENT_STYLE}'>read by the model</span></p>"
    )
    return legend + "<p style='white-space:pre-wrap'>" + "".join(pieces) + "</p>"


class PassagesPanel(QWidget):
    passage_activated = Signal(SearchHit)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.budget = QLabel("Ask a question to see the passages its answer could use.")
        self.budget.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.header().setStretchLastSection(False)
        self._set_columns([])
        self.tree.currentItemChanged.connect(self._show_text)
        self.tree.itemDoubleClicked.connect(self._activate)
        self.text = QTextBrowser()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.budget)
        layout.addWidget(split, 1)
        self.hits: list[SearchHit] = []
        self.marks: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]] = []

    def show_answer(self, answer: Answer) -> None:
        self.budget.setText(budget_text(answer))
        numbers = {(h.path, h.start, h.page): n for n, h in enumerate(answer.sources, start=1)}
        quoted: dict[int, list[tuple[int, int]]] = {}
        for quote in answer.quotes:
            quoted.setdefault(quote.n, []).append((quote.start, quote.end))
        read: dict[int, list[tuple[int, int]]] = {}
        for n, start, end in answer.sent:
            read.setdefault(n, []).append((start, end))
        self.tree.clear()
        self.hits = list(answer.retrieved or answer.sources)
        self.marks = []
        models = list(dict.fromkeys(m.model for hit in self.hits for m in hit.dense))
        self._set_columns(models)
        for hit in self.hits:
            key = (hit.path, hit.start, hit.page)
            number = numbers.get(key, 0)
            quotes, sent = quoted.get(number, []), read.get(number, [])
            self.marks.append((quotes, sent))
            whole = sent == [(hit.start, hit.end)]
            dense = {m.model: m for m in hit.dense}
            item = QTreeWidgetItem(
                [
                    f"[{numbers[key]}]" if key in numbers else "",
                    source_label(hit.path, hit.page),
                    f"{hit.score:.3f}",
                    *(
                        _rank(m.rank, m.score, 2) if (m := dense.get(model)) else "–"
                        for model in models
                    ),
                    _rank(hit.lexical_rank, hit.lexical_score, 1),
                    str(len(quotes)) if quotes else "–",
                    "whole" if whole else f"{len(sent)} pieces" if sent else "no",
                ]
            )
            item.setToolTip(1, hit.path)
            self.tree.addTopLevelItem(item)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _set_columns(self, dense_models: list[str]) -> None:
        """Headers: each dense model by its key, its full name and languages in the tooltip."""
        names = [m if m in BUILTIN_MODELS else describe(m).label for m in dense_models]
        labels = [*LEADING_COLUMNS, *names, *TRAILING_COLUMNS]
        self.tree.setHeaderLabels(labels)
        header_item = self.tree.headerItem()
        for offset, model in enumerate(dense_models):
            info = describe(model)
            header_item.setToolTip(
                len(LEADING_COLUMNS) + offset,
                f"{info.label} ({info.languages}): rank and cosine similarity",
            )
        header = self.tree.header()
        for column in range(len(labels)):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == 1
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(column, mode)

    def _show_text(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is not None:
            row = self.tree.indexOfTopLevelItem(item)
            self.text.setHtml(marked_html(self.hits[row], *self.marks[row]))

    def _activate(self, item: QTreeWidgetItem, _column: int) -> None:
        self.passage_activated.emit(self.hits[self.tree.indexOfTopLevelItem(item)])
