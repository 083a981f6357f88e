"""The library: every document with its status, the watched folders, and the add buttons.
The table is a model/view (ui/library/documents_model.py): ten thousand documents open, sort and
filter without a stall."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.records import DiskState, FileReport, Outcome
from desktop_app.ui.library.documents_model import (
    NAME,
    PAGES,
    PASSAGES,
    STATUS,
    DocumentRow,
    DocumentsModel,
    status_text,
)

_STATUS_WIDTH = 90  # long reasons are elided; the tooltip has them in full
_FILTER_DELAY_MS = 120  # filter once typing pauses, not on every key


class LibraryPanel(QWidget):
    add_files_requested = Signal()
    add_folder_requested = Signal()
    remove_requested = Signal(list)  # paths
    reindex_requested = Signal(list)  # paths
    reveal_requested = Signal(str)
    open_requested = Signal(str)
    unwatch_requested = Signal(str)
    ask_within_requested = Signal(list)  # paths: files or folders

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter documents")
        self.filter.setClearButtonEnabled(True)
        self.model = DocumentsModel()
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(_FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(lambda: self.model.set_filter(self.filter.text()))
        self.filter.textChanged.connect(lambda _text: self._filter_timer.start())
        self.table = self._documents_table()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        add_files = QPushButton("Add files…")
        add_files.setToolTip("Add documents to the library (Ctrl+O)")
        add_files.clicked.connect(self.add_files_requested)
        add_folder = QPushButton("Add folder…")
        add_folder.setToolTip("Add a folder: it is watched, and changes are indexed by themselves")
        add_folder.clicked.connect(self.add_folder_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(add_files)
        buttons.addWidget(add_folder)
        self.watched = QListWidget()
        self.watched.setMaximumHeight(90)
        self.watched.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.watched.customContextMenuRequested.connect(self._watched_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Watched folders"))
        layout.addWidget(self.watched)
        self._reported: set[str] = set()  # files with an outcome in the current run

    def _documents_table(self) -> QTableView:
        # A table, not a tree: a QTreeView asks every row whether it has children (10,000
        # calls into Python on each sort or reset).
        table = QTableView()
        table.setModel(self.model)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        # Fixed row heights: the view never measures rows it does not show.
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        table.setSortingEnabled(True)
        table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.doubleClicked.connect(
            lambda index: self.open_requested.emit(self.model.path_at(index.row()))
        )
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(STATUS, _STATUS_WIDTH)
        for column in (PAGES, PASSAGES):
            # Not ResizeToContents: that measures every row of the column on each change.
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, 64)
        return table

    # -- content ---------------------------------------------------------------------------

    def set_documents(self, rows: Sequence[DocumentRow]) -> None:
        """The whole library, as the library worker listed it (document_rows)."""
        self.model.set_rows(rows)
        self._update_summary()

    def paths(self) -> list[str]:
        return self.model.paths()

    def status_of(self, path: str) -> str | None:
        return self.model.status_of(path)

    def mark_indexing(self, path: str) -> None:
        if path in self._reported:
            return  # progress can still name a file whose outcome has arrived
        self.model.update(path, "indexing…")
        self._update_summary()

    def start_run(self) -> None:
        self._reported.clear()

    def apply_reports(self, reports: Sequence[FileReport]) -> None:
        for report in reports:
            self._reported.add(report.path)
            if report.status is Outcome.UNCHANGED and self.model.status_of(report.path):
                self.model.update(report.path, "indexed")
                continue
            status = report.status if report.status is not Outcome.UNCHANGED else Outcome.INDEXED
            text = status_text(status, report.reason, DiskState.SAME)
            self.model.update(report.path, text, report.pages, report.chunks)
        self._update_summary()

    def set_watched(self, folders: Sequence[str]) -> None:
        self.watched.clear()
        self.watched.addItems(list(folders))

    def selected_paths(self) -> list[str]:
        rows = self.table.selectionModel().selectedRows()
        return [self.model.path_at(index.row()) for index in rows]

    # -- internals -------------------------------------------------------------------------

    def _update_summary(self) -> None:
        totals = self.model.totals
        text = f"{totals.indexed} documents indexed, {totals.passages} passages"
        self.summary.setText(text + (f"; {totals.skipped} skipped" if totals.skipped else ""))

    def _context_menu(self, position: QPoint) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_requested.emit(paths[0]))
        menu.addAction("Reveal in file manager", lambda: self.reveal_requested.emit(paths[0]))
        menu.addAction("Ask about these only", lambda: self.ask_within_requested.emit(paths))
        menu.addSeparator()
        menu.addAction("Re-index", lambda: self.reindex_requested.emit(paths))
        menu.addAction("Remove from library", lambda: self.remove_requested.emit(paths))
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _watched_menu(self, position: QPoint) -> None:
        item = self.watched.itemAt(position)
        if item is None:
            return
        folder = item.text()
        menu = QMenu(self)
        menu.addAction(
            "Ask about this folder only", lambda: self.ask_within_requested.emit([folder])
        )
        menu.addAction("Stop watching", lambda: self.unwatch_requested.emit(folder))
        menu.popup(self.watched.viewport().mapToGlobal(position))
