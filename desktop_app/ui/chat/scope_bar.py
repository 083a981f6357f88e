"""The line above the question box that says which documents the answers come from, when the
user limited them (Library → right click → "Ask about these only"), with the way back."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

_NAMES_SHOWN = 3


def scope_text(paths: Sequence[str]) -> str:
    names = [Path(p).name or p for p in paths[:_NAMES_SHOWN]]
    more = len(paths) - len(names)
    listed = ", ".join(html.escape(n) for n in names) + (f" and {more} more" if more else "")
    return f"Answers only from: <b>{listed}</b>"


class ScopeBar(QWidget):
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)  # long file names wrap instead of being cut off
        self.clear_button = QPushButton("Search all documents")
        self.clear_button.clicked.connect(self.cleared.emit)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.clear_button)
        self.paths: list[str] = []
        self.hide()

    def show_scope(self, paths: Sequence[str]) -> None:
        """Show `paths` as the scope; none: hide the bar (every document is searched)."""
        self.paths = list(paths)
        self.label.setText(scope_text(self.paths))
        self.label.setToolTip("\n".join(self.paths))
        self.setVisible(bool(self.paths))
