"""Model > Get models…: the catalogue with what fits this machine, downloads with progress and
cancel, any Hugging Face repo and file, and the models on disk (use, delete).

The dialog only shows and asks: the models worker (ui/models/models_worker.py) lists, downloads and
deletes; the window switches the answering model when "Use" is pressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.units import file_size, memory

if TYPE_CHECKING:
    from desktop_app.application.models import CatalogueRow, ModelRow
    from desktop_app.core.model_catalogue import Machine
    from desktop_app.ui.models.models_worker import ModelsWorker

RECOMMENDED = "★ recommended"
CATALOGUE_COLUMNS = ("Model", "Size", "Runs here", "Languages", "Licence", "Why")
INSTALLED_COLUMNS = ("Model", "Size", "From", "In use")
PRIVACY = (
    "Nothing leaves this computer until you press Download; then only that file is fetched"
    " from Hugging Face, and its SHA-256 is checked before use."
)


class ModelsDialog(QDialog):
    use_model = Signal(str)  # the name of the installed model to answer with
    delete_requested = Signal(str)  # the window confirms, then the worker deletes

    def __init__(self, worker: ModelsWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Get models")
        self.resize(1100, 680)
        self.worker = worker
        self.catalogue: list[CatalogueRow] = []
        self.installed: list[ModelRow] = []
        self.downloaded_name = ""  # the last finished download, for "Use this model"

        self.machine_label = QLabel("Looking at this machine…")
        self.machine_label.setWordWrap(True)
        privacy = QLabel(PRIVACY)
        privacy.setWordWrap(True)
        self.table = _table(CATALOGUE_COLUMNS)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.download_selected())

        layout = QVBoxLayout(self)
        layout.addWidget(self.machine_label)
        layout.addWidget(privacy)
        layout.addWidget(self.table, 5)
        self._add_download_rows(layout)
        layout.addWidget(QLabel("Installed models"))
        self._add_installed_rows(layout)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        worker.catalogue_listed.connect(self.show_catalogue)
        worker.installed_listed.connect(self.show_installed)
        worker.download_started.connect(self._download_started)
        worker.download_progress.connect(self._download_progress)
        worker.download_finished.connect(self._download_finished)
        worker.download_failed.connect(self._download_failed)
        if worker.downloading:  # reopened while a download runs
            self._download_started("")
        worker.list_catalogue()

    def _add_download_rows(self, layout: QVBoxLayout) -> None:
        """Any repo and file, Download and Cancel, the progress and "Use this model"."""
        self.repo = QLineEdit()
        self.repo.setPlaceholderText("or any Hugging Face repo: owner/name")
        self.file = QLineEdit()
        self.file.setPlaceholderText("file.gguf")
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.worker.cancel_download)
        self.use_downloaded = QPushButton("Use this model")
        self.use_downloaded.setEnabled(False)
        self.use_downloaded.clicked.connect(lambda: self.use_model.emit(self.downloaded_name))
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        custom = QHBoxLayout()
        custom.addWidget(self.repo, 2)
        custom.addWidget(self.file, 2)
        custom.addWidget(self.download_button)
        custom.addWidget(self.cancel_button)
        layout.addLayout(custom)
        progress = QHBoxLayout()
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.use_downloaded)
        layout.addLayout(progress)
        layout.addWidget(self.status)

    def _add_installed_rows(self, layout: QVBoxLayout) -> None:
        """The models on disk, with Use and Delete."""
        self.installed_table = _table(INSTALLED_COLUMNS)
        self.installed_table.itemSelectionChanged.connect(self._installed_selection_changed)
        self.use_button = QPushButton("Use")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._use_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self._delete_selected)
        layout.addWidget(self.installed_table, 1)
        installed_buttons = QHBoxLayout()
        installed_buttons.addStretch(1)
        installed_buttons.addWidget(self.use_button)
        installed_buttons.addWidget(self.delete_button)
        layout.addLayout(installed_buttons)

    # -- what the worker says ---------------------------------------------------------------

    def show_catalogue(self, machine: Machine, rows: list[CatalogueRow]) -> None:
        gpu = machine.gpu_name or "no GPU that llama.cpp can use"
        self.machine_label.setText(
            f"This machine: {machine.cores} CPU cores, {memory(machine.ram_total)} of"
            f" memory ({memory(machine.ram_available)} free), {gpu}."
        )
        self.catalogue = rows
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            entry, fit = row.entry, row.fit
            size = file_size(entry.estimated_size) + ("" if entry.size_known else " ?")
            runs = fit.fit.value + (f" · {RECOMMENDED}" if row.recommended else "")
            if row.installed is not None:
                runs += " · installed"
            cells = (
                entry.title,
                size,
                runs,
                ", ".join(entry.languages[:6]) + ("…" if len(entry.languages) > 6 else ""),
                entry.licence,
                fit.why + (f". {entry.note}" if entry.note else ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{entry.repo}/{entry.file} @ {entry.revision[:10]}\n{text}")
                if not fit.usable:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(n, column, item)
            if row.recommended and not self.table.selectedItems():
                self.table.selectRow(n)
        self.table.resizeRowsToContents()

    def show_installed(self, rows: list[ModelRow]) -> None:
        self.installed = rows
        self.installed_table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            cells = (row.name, file_size(row.size, 2), row.source, "✔" if row.in_use else "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(row.path)
                self.installed_table.setItem(n, column, item)
        self._installed_selection_changed()

    def _download_started(self, name: str) -> None:
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.use_downloaded.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.status.setText(f"Downloading {name}…" if name else "Downloading…")

    def _download_progress(self, text: str, fraction: float) -> None:
        if fraction < 0:
            self.progress.setRange(0, 0)  # busy: the size is unknown
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        self.status.setText(text)

    def _download_finished(self, row: ModelRow) -> None:
        self._download_ended()
        self.progress.setValue(1000)
        self.downloaded_name = row.name
        self.use_downloaded.setEnabled(True)
        self.status.setText(f"{row.name} is installed (SHA-256 checked): {row.path}")
        self.worker.list_catalogue()  # its "installed" marks

    def _download_failed(self, kind: str, message: str) -> None:
        self._download_ended()
        self.progress.setVisible(False)
        text = message[:1].upper() + message[1:]
        if kind == "offline":
            text += " The models already on disk are listed below."
        self.status.setText(text)

    def _download_ended(self) -> None:
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    # -- what the user does -----------------------------------------------------------------

    def download_selected(self) -> None:
        repo, file = self.repo.text().strip(), self.file.text().strip()
        if repo:
            self.worker.download(repo, file or None)
            return
        selected = self._selected_entry()
        if selected is None:
            self.status.setText("Choose a model in the list, or type a repo and a file.")
            return
        self.worker.download(selected.entry.name)

    def _selected_entry(self) -> CatalogueRow | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.catalogue[rows.pop()] if len(rows) == 1 else None

    def _selection_changed(self) -> None:
        row = self._selected_entry()
        if row is not None and not self.worker.downloading:
            self.download_button.setEnabled(row.fit.usable or bool(self.repo.text()))

    def _selected_installed(self) -> ModelRow | None:
        rows = {index.row() for index in self.installed_table.selectedIndexes()}
        return self.installed[rows.pop()] if len(rows) == 1 else None

    def _installed_selection_changed(self) -> None:
        row = self._selected_installed()
        self.use_button.setEnabled(row is not None and not row.in_use)
        self.delete_button.setEnabled(row is not None and row.removable)

    def _use_selected(self) -> None:
        row = self._selected_installed()
        if row is not None:
            self.use_model.emit(row.name)

    def _delete_selected(self) -> None:
        row = self._selected_installed()
        if row is not None and row.removable:
            self.delete_requested.emit(row.name)


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.setWordWrap(True)
    return table
