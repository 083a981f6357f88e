"""The library: every document with its status, the watched folders, and the add buttons."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.records import DiskState, DocumentInfo, FileReport, Outcome

COLUMNS = ("Document", "Status", "Pages", "Passages")
_STATUS_WIDTH = 90  # long reasons are elided; the tooltip has them in full
_PATH_ROLE = Qt.ItemDataRole.UserRole


def status_text(status: Outcome, reason: str | None, disk: DiskState) -> str:
    if disk is DiskState.MISSING:
        return "missing on disk"
    if status is Outcome.SKIPPED or status is Outcome.FAILED:
        return f"skipped: {reason}" if reason else "skipped"
    if disk is DiskState.CHANGED:
        return "changed on disk"
    return "indexed"


class LibraryPanel(QWidget):
    add_files_requested = Signal()
    add_folder_requested = Signal()
    remove_requested = Signal(list)  # paths
    reindex_requested = Signal(list)  # paths
    reveal_requested = Signal(str)
    open_requested = Signal(str)
    unwatch_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter documents")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemDoubleClicked.connect(
            lambda item, _col: self.open_requested.emit(_path(item))
        )
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, _STATUS_WIDTH)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
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
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Watched folders"))
        layout.addWidget(self.watched)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._reported: set[str] = set()  # files with an outcome in the current run

    # -- content ---------------------------------------------------------------------------

    def set_documents(self, rows: Sequence[tuple[DocumentInfo, DiskState]]) -> None:
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        self._items.clear()
        for doc, disk in rows:
            item = self._item(doc.path)
            self._fill(item, status_text(doc.status, doc.reason, disk), doc.pages, doc.chunks)
        self.tree.setUpdatesEnabled(True)
        self._apply_filter(self.filter.text())
        self._update_summary()

    def paths(self) -> list[str]:
        return list(self._items)

    def status_of(self, path: str) -> str | None:
        item = self._items.get(path)
        return item.text(1) if item is not None else None

    def mark_indexing(self, path: str) -> None:
        if path in self._reported:
            return  # progress can still name a file whose outcome has arrived
        item = self._item(path)
        item.setText(1, "indexing…")

    def start_run(self) -> None:
        self._reported.clear()

    def apply_report(self, report: FileReport) -> None:
        self._reported.add(report.path)
        if report.status is Outcome.UNCHANGED and report.path in self._items:
            self._items[report.path].setText(1, "indexed")
            return
        item = self._item(report.path)
        disk = DiskState.SAME
        status = report.status if report.status is not Outcome.UNCHANGED else Outcome.INDEXED
        self._fill(item, status_text(status, report.reason, disk), report.pages, report.chunks)
        self._update_summary()

    def set_watched(self, folders: Sequence[str]) -> None:
        self.watched.clear()
        self.watched.addItems(list(folders))

    def selected_paths(self) -> list[str]:
        return [_path(item) for item in self.tree.selectedItems()]

    # -- internals -------------------------------------------------------------------------

    def _item(self, path: str) -> QTreeWidgetItem:
        item = self._items.get(path)
        if item is None:
            item = QTreeWidgetItem([Path(path).name, "", "", ""])
            item.setData(0, _PATH_ROLE, path)
            item.setToolTip(0, path)
            for column in (2, 3):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            self.tree.addTopLevelItem(item)
            self._items[path] = item
        return item

    def _fill(self, item: QTreeWidgetItem, status: str, pages: int, chunks: int) -> None:
        item.setText(1, status)
        item.setToolTip(1, status)
        item.setText(2, str(pages) if pages else "")
        item.setText(3, str(chunks) if chunks else "")

    def _update_summary(self) -> None:
        rows = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        indexed = sum(1 for r in rows if r is not None and r.text(1) == "indexed")
        skipped = sum(1 for r in rows if r is not None and r.text(1).startswith("skipped"))
        chunks = sum(int(r.text(3) or 0) for r in rows if r is not None)
        text = f"{indexed} documents indexed, {chunks} passages"
        self.summary.setText(text + (f"; {skipped} skipped" if skipped else ""))

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold()
        for path, item in self._items.items():
            item.setHidden(bool(needle) and needle not in path.casefold())

    def _context_menu(self, position: QPoint) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_requested.emit(paths[0]))
        menu.addAction("Reveal in file manager", lambda: self.reveal_requested.emit(paths[0]))
        menu.addSeparator()
        menu.addAction("Re-index", lambda: self.reindex_requested.emit(paths))
        menu.addAction("Remove from library", lambda: self.remove_requested.emit(paths))
        menu.popup(self.tree.viewport().mapToGlobal(position))

    def _watched_menu(self, position: QPoint) -> None:
        item = self.watched.itemAt(position)
        if item is None:
            return
        folder = item.text()
        menu = QMenu(self)
        menu.addAction("Stop watching", lambda: self.unwatch_requested.emit(folder))
        menu.popup(self.watched.viewport().mapToGlobal(position))


def _path(item: QTreeWidgetItem) -> str:
    return str(item.data(0, _PATH_ROLE))
