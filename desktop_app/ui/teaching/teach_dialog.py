"""Model > Teach…: train a LoRA adapter on answers kept in the chat or on examples from a
file, watch the loss fall, compare base and adapter on the held-out examples, and use the
adapter. The work is the teaching worker's (ui/teaching/teach_worker.py); this dialog shows
and asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPen, QPolygonF
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
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.transfer import format_duration

if TYPE_CHECKING:
    from desktop_app.application.teaching import AdapterInfo, Comparison
    from desktop_app.ui.teaching.examples_dialogs import KeptExamplesDialog
    from desktop_app.ui.teaching.teach_worker import TeachWorker

HINT = (
    "Examples: answers you kept in the chat (👍 under an answer), or a .jsonl file (one"
    ' {"question", "answer", "passages"} per line) or a .csv with question and answer'
    " columns. The answers teach the model a format, a tone or a"
    " vocabulary; the documents still give it the facts. The model in use keeps answering."
)


class LossPlot(QWidget):
    """The training loss, step by step, as a line that should fall."""

    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []
        self.setMinimumHeight(120)

    def set_losses(self, losses: list[float]) -> None:
        self.losses = list(losses)
        self.update()

    def add(self, loss: float) -> None:
        self.losses.append(loss)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        painter.setPen(palette.mid().color())
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if len(self.losses) < 2:
            painter.setPen(palette.text().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "loss")
            return
        top, low = max(self.losses), min(0.0, min(self.losses))
        margin = 8
        width, height = self.width() - 2 * margin, self.height() - 2 * margin
        span = (top - low) or 1.0
        points = QPolygonF(
            [
                QPointF(
                    margin + width * n / (len(self.losses) - 1),
                    margin + height * (top - loss) / span,
                )
                for n, loss in enumerate(self.losses)
            ]
        )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(palette.highlight().color(), 2))
        painter.drawPolyline(points)
        painter.setPen(palette.text().color())
        painter.drawText(margin + 2, margin + 12, f"loss {self.losses[0]:.2f}")
        painter.drawText(self.width() - 90, self.height() - margin, f"{self.losses[-1]:.2f}")


class TeachDialog(QDialog):
    use_adapter = Signal(str)  # the adapter's name

    def __init__(self, worker: TeachWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Teach the model")
        self.resize(900, 680)
        self.worker = worker
        self.adapter: AdapterInfo | None = None

        hint = QLabel(HINT)
        hint.setWordWrap(True)
        self.teach_button = QPushButton("Teach")
        self.teach_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        # Called here, on the GUI thread: connected to the worker's bound method, Qt would queue
        # the call to the worker's thread, which is busy with the run until it ends.
        self.cancel_button.clicked.connect(lambda: self.worker.cancel())
        self.progress = QProgressBar()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.plot = LossPlot()
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.teach_button)
        buttons_row.addWidget(self.cancel_button)
        buttons_row.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(self._run_form())
        layout.addLayout(buttons_row)
        layout.addWidget(self.status)
        layout.addWidget(self.plot)
        layout.addWidget(QLabel("Held-out examples: base model and adapter side by side"))
        layout.addWidget(self._comparison_table(), 1)
        layout.addWidget(self.scores)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.use_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout.addLayout(bottom)

        worker.started.connect(self._started)
        worker.resumed.connect(self.plot.set_losses)
        worker.step_done.connect(self._step)
        worker.comparing.connect(lambda: self.status.setText("Comparing on the held-out…"))
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        self.fill_sources()
        if worker.running:
            self._started("Teaching…")

    def _run_form(self) -> QFormLayout:
        """Where the examples come from, the adapter's name, steps and rank."""
        self.source = QComboBox()  # the kept sets, then a file
        self.source.currentIndexChanged.connect(self._source_changed)
        self.examples = QLineEdit()
        self.examples.setPlaceholderText("examples.jsonl or examples.csv")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.clicked.connect(self._choose)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("See, correct, delete or export the kept examples")
        self.edit_button.clicked.connect(self.edit_kept)
        file_row = QHBoxLayout()
        file_row.addWidget(self.source)
        file_row.addWidget(self.examples, 1)
        file_row.addWidget(self.choose_button)
        file_row.addWidget(self.edit_button)
        self.name = QLineEdit("my-adapter")
        self.steps = QSpinBox()
        self.steps.setRange(1, 5000)
        self.steps.setValue(60)
        self.rank = QSpinBox()
        self.rank.setRange(1, 128)
        self.rank.setValue(8)
        form = QFormLayout()
        form.addRow("Examples", file_row)
        form.addRow("Adapter name", self.name)
        form.addRow("Steps", self.steps)
        form.addRow("Rank", self.rank)
        return form

    def _comparison_table(self) -> QTableWidget:
        """The held-out examples, base model and adapter side by side, with their scores."""
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Question", "Expected", "Base model", "With adapter"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.scores = QLabel("")
        self.use_button = QPushButton("Use this adapter")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._use)
        return self.table

    # -- where the examples come from ------------------------------------------------------

    def fill_sources(self, current: str | None = None) -> None:
        """The kept sets with their sizes, then "a file"."""
        self.source.blockSignals(True)
        self.source.clear()
        for name, count in self.worker.library.teaching.kept.sets():
            self.source.addItem(f"Kept answers: {name} ({count})", name)
        self.source.addItem("A file:", None)
        index = self.source.findData(current) if current else 0
        self.source.setCurrentIndex(max(0, index))
        self.source.blockSignals(False)
        self._source_changed()

    def kept_set(self) -> str | None:
        name = self.source.currentData()
        return name if isinstance(name, str) else None

    def _source_changed(self) -> None:
        kept = self.kept_set()
        self.examples.setVisible(kept is None)
        self.choose_button.setVisible(kept is None)
        self.edit_button.setVisible(kept is not None)
        if kept is not None:
            self.name.setText(kept)  # a set is named after the adapter it teaches

    def edit_kept(self) -> KeptExamplesDialog | None:
        from desktop_app.ui.teaching.examples_dialogs import KeptExamplesDialog

        kept = self.kept_set()
        if kept is None:
            return None
        dialog = KeptExamplesDialog(self.worker.library.teaching.kept, kept, self)
        dialog.finished.connect(lambda _: self.fill_sources(kept))
        dialog.open()
        return dialog

    def start(self) -> None:
        kept, path = self.kept_set(), self.examples.text().strip()
        if kept is None and not path:
            self.status.setText("Choose a file of examples first.")
            return
        self.plot.set_losses([])
        self.table.setRowCount(0)
        self.scores.setText("")
        self.use_button.setEnabled(False)
        self.teach_button.setEnabled(False)
        self.status.setText("Loading the model for training…")
        name, steps, rank = self.name.text().strip(), self.steps.value(), self.rank.value()
        if kept is not None:
            self.worker.teach_kept(kept, name, steps, rank)
        else:
            self.worker.teach(path, name, steps, rank)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Examples", "", "Examples (*.jsonl *.json *.csv)"
        )
        if path:
            self.examples.setText(path)

    def _started(self, text: str) -> None:
        self.teach_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        self.status.setText(text)

    def _step(self, step: int, steps: int, loss: float, seconds_left: float) -> None:
        self.progress.setRange(0, steps)
        self.progress.setValue(step)
        self.plot.add(loss)
        left = f" · {format_duration(seconds_left)} left" if seconds_left >= 0 else ""
        self.status.setText(f"Step {step} of {steps} · loss {loss:.3f}{left}")

    def _finished(self, info: AdapterInfo, comparisons: list[Comparison]) -> None:
        self._ended()
        self.adapter = info
        self.use_button.setEnabled(True)
        self.status.setText(f"Adapter {info.name} is ready (checked): {info.path}")
        self.table.setRowCount(len(comparisons))
        totals = {"base_format": 0.0, "adapter_format": 0.0, "base_overlap": 0.0,
                  "adapter_overlap": 0.0}  # fmt: skip
        for n, c in enumerate(comparisons):
            for column, text in enumerate((c.question, c.expected, c.base, c.adapter)):
                self.table.setItem(n, column, QTableWidgetItem(text))
            for key, value in c.scores().items():
                totals[key] += value / max(1, len(comparisons))
        self.table.resizeRowsToContents()
        self.scores.setText(
            f"Format followed: {totals['base_format']:.0%} → {totals['adapter_format']:.0%}."
            f"  Overlap with the expected answers: {totals['base_overlap']:.2f} →"
            f" {totals['adapter_overlap']:.2f}."
        )

    def _failed(self, message: str) -> None:
        self._ended()
        self.status.setText(message[:1].upper() + message[1:])

    def _ended(self) -> None:
        self.teach_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _use(self) -> None:
        if self.adapter is not None:
            self.use_adapter.emit(self.adapter.name)
