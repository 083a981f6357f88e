"""Answers kept as teaching examples: the "Edit, then keep" dialog under an answer, and the
list of a set's examples (edit, delete, export) that Model > Teach… opens. The sets are small
JSONL files (application/kept_examples.py); reading and writing one takes a millisecond."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.teaching import Example

if TYPE_CHECKING:
    from desktop_app.application.kept_examples import KeptExamples

QUESTION, ANSWER, PASSAGES = range(3)


def set_chooser(kept: KeptExamples, current: str) -> QComboBox:
    """The sets with their sizes; editable, so that typing a new name makes a new set."""
    chooser = QComboBox()
    chooser.setEditable(True)
    sets = kept.sets()
    for name, count in sets:
        chooser.addItem(name)
        chooser.setItemData(chooser.count() - 1, f"{count} example(s)", Qt.ItemDataRole.ToolTipRole)
    if current not in {name for name, _ in sets}:
        chooser.addItem(current)
    chooser.setCurrentText(current)
    return chooser


class KeepExampleDialog(QDialog):
    """Correct an answer before keeping it: what the model should have said is what it learns."""

    def __init__(
        self, example: Example, kept: KeptExamples, set_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keep as example")
        self.resize(640, 480)
        self._example = example
        self.set_name = set_chooser(kept, set_name)
        self.question = QPlainTextEdit(example.question)
        self.question.setMaximumHeight(80)
        self.answer = QPlainTextEdit(example.answer)
        passages = QLabel(
            f"The {len(example.passages)} passage(s) the answer was given are kept with it."
        )
        passages.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Teach the adapter", self.set_name)
        form.addRow("Question", self.question)
        form.addRow("Answer", self.answer)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Keep")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(passages)
        layout.addWidget(buttons)

    def example(self) -> Example:
        return replace(
            self._example,
            question=self.question.toPlainText().strip(),
            answer=self.answer.toPlainText().strip(),
        )

    def chosen_set(self) -> str:
        return self.set_name.currentText().strip()


class KeptExamplesDialog(QDialog):
    """One set's examples: edit a question or an answer in place, delete, export. Every change
    is saved at once."""

    def __init__(self, kept: KeptExamples, set_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Kept examples: {set_name}")
        self.resize(820, 520)
        self.kept = kept
        self.set_name = set_name
        self.examples = kept.read(set_name)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Question", "Answer", "Passages"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QUESTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ANSWER, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PASSAGES, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.count = QLabel()
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        export = QPushButton("Export…")
        export.clicked.connect(self._export)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.delete_button)
        row.addWidget(export)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self._fill()
        self.table.itemChanged.connect(self._edited)

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.examples))
        for n, e in enumerate(self.examples):
            self.table.setItem(n, QUESTION, QTableWidgetItem(e.question))
            self.table.setItem(n, ANSWER, QTableWidgetItem(e.answer))
            passages = QTableWidgetItem(str(len(e.passages)))
            passages.setFlags(passages.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(n, PASSAGES, passages)
        self.table.blockSignals(False)
        self.table.resizeRowsToContents()
        self.count.setText(f"{len(self.examples)} example(s)")

    def _edited(self, item: QTableWidgetItem) -> None:
        text = item.text().strip()
        example = self.examples[item.row()]
        if not text:  # an example needs both: put the old text back
            self.table.blockSignals(True)
            item.setText(example.question if item.column() == QUESTION else example.answer)
            self.table.blockSignals(False)
            return
        if item.column() == QUESTION:
            self.examples[item.row()] = replace(example, question=text)
        else:
            self.examples[item.row()] = replace(example, answer=text)
        self.kept.save(self.set_name, self.examples)

    def delete_selected(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows:
            return
        self.examples = [e for n, e in enumerate(self.examples) if n not in rows]
        self.kept.save(self.set_name, self.examples)
        self._fill()

    def export_to(self, path: Path) -> int:
        return self.kept.export(self.set_name, path)

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export examples", f"{self.set_name}.jsonl", "Examples (*.jsonl *.csv)"
        )
        if path:
            written = self.export_to(Path(path))
            self.count.setText(f"{len(self.examples)} example(s); {written} written to {path}")
