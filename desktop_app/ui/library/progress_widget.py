"""The indexing progress in the status bar: files done, current file, rate, time left, Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop_app.core.cancel import IndexProgress, ReembedProgress
from desktop_app.ui.formatting import index_progress, reembed_progress

_STEPS = 1000


class IndexProgressWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, _STEPS)
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop indexing; what is done so far is kept")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, text: str = "Looking for documents…") -> None:
        self.bar.setRange(0, 0)  # busy until the files are counted
        self.label.setText(text)
        self.cancel_button.setEnabled(True)
        self.show()

    def update_progress(self, progress: IndexProgress) -> None:
        self.bar.setRange(0, _STEPS)
        self.bar.setValue(round(progress.fraction * _STEPS))
        self.label.setText(index_progress(progress))

    def update_reembedding(self, progress: ReembedProgress) -> None:
        self.bar.setRange(0, _STEPS)
        self.bar.setValue(round(progress.fraction * _STEPS))
        self.label.setText(reembed_progress(progress))

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling… (finished files are kept)")
