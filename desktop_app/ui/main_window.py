"""The main window: library and chats on the left, the chat in the middle, the source and the
retrieved passages on the right. It arranges the widgets, starts the engine workers (the
library's, the sources', the model's) and hands each controller its widgets and worker:
conversations and asking (ui.chat), indexing (ui.library), the model (ui.models), the source
opener (ui.sources). The controllers react to the user; everything slow happens on the
workers' threads."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.model_state import ModelState
from desktop_app.core.paths import DataPaths
from desktop_app.ui.chat.asking import Asking, Feedback
from desktop_app.ui.chat.chat_view import ChatPanel
from desktop_app.ui.chat.chat_worker import ChatWorker
from desktop_app.ui.chat.conversation_list import ConversationList
from desktop_app.ui.chat.conversations import Conversations
from desktop_app.ui.errors import is_bug_message
from desktop_app.ui.file_drop import FileDropFilter
from desktop_app.ui.library.folder_watcher import FolderWatcher
from desktop_app.ui.library.library_worker import LibraryFactory, LibraryWorker
from desktop_app.ui.menus import Menus
from desktop_app.ui.models.model_controller import ModelController
from desktop_app.ui.sources.source_opener import SourceOpener
from desktop_app.ui.sources.source_viewer import SourceViewer
from desktop_app.ui.sources.source_worker import SourceWorker

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.ui.library.indexing_controller import IndexingController

log = logging.getLogger(__name__)

MINIMUM_SIZE = (960, 600)  # the window must stay usable at 1024x640
DEFAULT_SIZE = (1280, 800)
_GIL_SWITCH_S = 0.001
_STATUS_MS = 15_000  # how long a status message stays


class MainWindow(QMainWindow):
    first_painted = Signal()
    library_opened = Signal()  # for tests and the start-up path: the library is usable
    indexing_finished = Signal()  # every requested run is done (or cancelled)
    answer_finished = Signal()  # an answer ended: complete, stopped or failed
    model_state_changed = Signal(ModelState)

    def __init__(
        self,
        data_dir: Path,
        library_factory: LibraryFactory,
        open_paths: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.setWindowTitle("Librarian")
        self.setMinimumSize(*MINIMUM_SIZE)
        self.resize(*DEFAULT_SIZE)
        self.ui_state = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
        self.log_folder = DataPaths(data_dir).logs
        self.data_dir = data_dir
        self.library: Library | None = None
        self.warmed_up = False  # parser process, vector store and embedding model started
        self.errors: list[str] = []  # every message shown to the user, newest last
        self._open_paths = list(open_paths)
        self.indexer: IndexingController | None = None  # built with the hidden parts
        self._painted = False
        self._closed = False
        # The workers' threads run Python too, and every call from Qt into Python (a model's
        # data(), a slot) must take the GIL: waiting up to the default 5 ms each time, a
        # repaint of the library's table could wait 50 ms. 1 ms keeps such waits short.
        sys.setswitchinterval(_GIL_SWITCH_S)

        self._build_widgets()
        self.watcher = FolderWatcher(self)
        self.library_worker = LibraryWorker(library_factory)
        self.source_worker = SourceWorker()  # never waits behind an indexing run
        self.chat_worker = ChatWorker()
        self._build_controllers()
        self._build_actions()
        self._restore_ui_state()
        self._connect_workers()
        self.drop_filter = FileDropFilter(self)
        self.drop_filter.dropped.connect(lambda paths: self.add_paths([str(p) for p in paths]))
        # installed on the window and its views after the first paint (_build_hidden_parts)
        self.installEventFilter(self)

    # -- construction ----------------------------------------------------------------------

    def _build_widgets(self) -> None:
        """What the first paint shows. The hidden tabs and the progress bar are built right after
        it (_build_hidden_parts): every PySide6 widget class costs milliseconds the first time
        it is used, and the window should appear as fast as a bare one."""
        self.chats = ConversationList()
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.chats, "Chats")
        self._library_tab = _Slot()
        self.left_tabs.addTab(self._library_tab, "Library")
        self.chat = ChatPanel()
        self.viewer = SourceViewer()
        self._passages_tab = _Slot()
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.viewer, "Source")
        self.right_tabs.addTab(self._passages_tab, "Passages")
        self.splitter = QSplitter()  # horizontal
        for widget in (self.left_tabs, self.chat, self.right_tabs):
            self.splitter.addWidget(widget)
            widget.setMinimumWidth(220)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 520, 420])
        self.setCentralWidget(self.splitter)

        self.model_label = QLabel("Opening the library…")
        self.speed_label = QLabel()
        status = self.statusBar()
        status.addPermanentWidget(self.speed_label)
        status.addPermanentWidget(self.model_label)

    def _build_controllers(self) -> None:
        """The parts that react to the user, each handed its widgets and its worker."""
        self.sources = SourceOpener(self.viewer, self.right_tabs, self.source_worker)
        # The banner and the passages panel are built after the first paint: looked up late.
        self.conversations = Conversations(
            self.chats,
            self.left_tabs,
            self.chat,
            self.ui_state,
            self.confirm,
            lambda why: self.health.answer_not_kept(why),
            self,
        )
        feedback = Feedback(
            lambda message, ms: self.statusBar().showMessage(message, ms),
            self.show_error,
            lambda why: self.health.answer_not_kept(why),
            lambda answer: self.passages.show_answer(answer),
            self.ui_state,
        )
        self.asking = Asking(
            self.chat,
            self.chat_worker,
            self.conversations,
            self.sources,
            self.speed_label,
            feedback,
            self,
        )
        self.asking.answer_finished.connect(self.answer_finished)
        self.model = ModelController(
            self.chat_worker,
            self.model_label,
            self.conversations,
            self.show_error,
            self.confirm,
            self,
        )
        self.model.state_changed.connect(self.model_state_changed)
        self.model.state_changed.connect(self.asking.show_model_state)

    def _build_hidden_parts(self) -> None:
        from desktop_app.ui.banner import Banner
        from desktop_app.ui.library.indexing_controller import IndexingController
        from desktop_app.ui.library.library_panel import LibraryPanel
        from desktop_app.ui.library.progress_widget import IndexProgressWidget
        from desktop_app.ui.settings.libraries_controller import LibrariesController
        from desktop_app.ui.sources.passages_panel import PassagesPanel
        from desktop_app.ui.window_health import LibraryHealthView

        self.library_panel = LibraryPanel()
        self._library_tab.put(self.library_panel)
        self.passages = PassagesPanel()
        self._passages_tab.put(self.passages)
        self.progress = IndexProgressWidget()
        self.statusBar().insertWidget(0, self.progress, 1)
        self.banner = Banner()
        chat_layout = self.chat.layout()
        assert isinstance(chat_layout, QVBoxLayout)
        chat_layout.insertWidget(0, self.banner)
        self.indexer = IndexingController(
            self.library_worker,
            self.library_panel,
            self.progress,
            self.watcher,
            lambda message: self.statusBar().showMessage(message, _STATUS_MS),
            self.confirm,
            self,
        )
        self.indexer.finished.connect(self.indexing_finished)
        self.indexer.add(self._open_paths)  # given before now: indexed (folders watched) on open
        self._add_files.triggered.connect(self.indexer.choose_files)
        self._add_folder.triggered.connect(self.indexer.choose_folder)
        self.indexer.documents_listed.connect(self.chat.show_library_size)
        self.model.embedding_models_chosen.connect(self.indexer.switch_embedding_models)
        self.health = LibraryHealthView(
            self.banner, self.library_worker, self.data_dir, self.indexer.index
        )
        self.drop_filter.install(self)  # the window and every view's viewport take drops
        self.chats.enable_context_menu()
        self.menus.set_shortcuts()
        self.libraries = LibrariesController(
            self, self.banner, self.library_worker, self.data_dir, self.confirm
        )
        self._libraries_action.triggered.connect(self.libraries.open_dialog)
        self.library_panel.reveal_requested.connect(self.sources.reveal)
        self.library_panel.open_requested.connect(self.sources.open_file)
        self.library_panel.ask_within_requested.connect(self.asking.set_scope)
        self.passages.passage_activated.connect(
            lambda hit: self.sources.open(hit.path, hit.page, hit.start, hit.end, hit.text)
        )

    def _build_actions(self) -> None:
        menus = self.menus = Menus(self)
        # Connected to the indexing controller when it is built, with the hidden parts.
        self._add_files = menus.add("&File", "Add &files…", None, "Ctrl+O")
        self._add_folder = menus.add("&File", "Add f&older…", None)
        menus.add("&File", "&Quit", self.close, "Ctrl+Q")
        menus.add("&Chat", "&New chat", self.conversations.new, "Ctrl+N")
        menus.add("&Chat", "&Stop answer", self.asking.stop, "Esc")
        menus.add("&Chat", "&Export as Markdown…", self.conversations.export)
        menus.add("&Model", "&Get models…", self.model.open_models_dialog)
        menus.add("&Model", "&Teach…", self.model.open_teach_dialog)
        menus.add("&Model", "Model &settings…", self.model.open_settings, "Ctrl+,")
        self._libraries_action = menus.add("&Settings", "&Libraries…", None)
        menus.add("&Help", "Open &log folder", self.open_log_folder)

    def _connect_workers(self) -> None:
        lw, cw = self.library_worker, self.chat_worker
        lw.opened.connect(self._library_opened)
        lw.open_failed.connect(self._library_failed)
        lw.warming_up.connect(self._warming_up)
        lw.notices.connect(self._show_notices)
        lw.failed.connect(self.show_error)
        sw = self.source_worker
        sw.text_ready.connect(self.viewer.show_text)
        sw.scanned_page_ready.connect(self.viewer.show_scanned)
        sw.gguf_inspected.connect(self.model.gguf_inspected)
        sw.failed.connect(self.show_error)
        cw.failed.connect(self.show_error)

    # -- start-up --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            self.removeEventFilter(self)  # every later event would cost a call into Python
            # The rest of the widgets, then the library (Chroma, SQLite), once the window is on
            # screen.
            QTimer.singleShot(0, self.first_painted.emit)
            QTimer.singleShot(0, self._after_first_paint)
        return False

    def _after_first_paint(self) -> None:  # runs once: the paint filter removes itself
        self._build_hidden_parts()
        self.chat.composer.setFocus()  # type the first question right away
        self.library_worker.open()

    def _show_notices(self, notices: list[str]) -> None:
        for notice in notices:
            self.show_error(notice)

    def _library_opened(self, library: Library, pending: list[str]) -> None:
        self.library = library
        self.chat_worker.attach(library)
        self.source_worker.attach(library)
        self.model.attach(library)
        for notice in library.notices:
            self.show_error(notice)
        self.conversations.attach(library)
        assert self.indexer is not None  # the library opens after the hidden parts are built
        self.indexer.attach(library, pending)
        if self._open_paths:
            self.sources.open_file(self._open_paths[0])
        self.library_opened.emit()

    def _warming_up(self, busy: bool) -> None:
        self.warmed_up = not busy

    def _library_failed(self, message: str) -> None:
        self.model_label.setText("Library unavailable")
        self.chat.transcript.set_empty_text(f"The library could not be opened. {message}")
        if not self.health.library_failed(message):  # a damaged catalog: Repair, no dialog
            self.show_error(f"The library could not be opened: {message}")

    def add_paths(self, paths: Sequence[str]) -> None:
        """Dropped or chosen: .gguf files are offered as the model, the rest is indexed and
        folders are watched (by the indexing controller, once it is built: until then they
        wait with the paths the window was opened with)."""
        models = [p for p in paths if p.lower().endswith(".gguf")]
        documents = [p for p in paths if p not in models]
        for model in models:
            self.source_worker.inspect_gguf(model)
        if documents and self.indexer is not None:
            self.indexer.add(documents)
        elif documents:
            self._open_paths.extend(documents)

    def activate_with(self, paths: list[str]) -> None:
        """A second launch asked us to come to the front (and maybe to open files)."""
        self.setWindowState(self.windowState() & ~QtCore.Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()
        if paths:
            self.add_paths(paths)
            self.sources.open_file(paths[0])

    # -- messages --------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """A readable message in a (non-blocking) dialog and the status bar."""
        self.errors.append(message)
        self.statusBar().showMessage(message, 20_000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Librarian", message, parent=self)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        if is_bug_message(message):
            box.setStandardButtons(QMessageBox.StandardButton.Close)
            button = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
            button.clicked.connect(self.open_log_folder)
        box.open()

    def open_log_folder(self) -> None:
        self.log_folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_folder)))

    def confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    # -- persistence and shutdown ----------------------------------------------------------

    def _restore_ui_state(self) -> None:
        geometry = self.ui_state.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = self.ui_state.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        tab = self.ui_state.value("window/left_tab")
        if tab is not None:
            self.left_tabs.setCurrentIndex(int(str(tab)))

    def shutdown(self) -> None:
        """Stop the workers cleanly: the running answer and indexing stop at their next check,
        finished work is already committed, and interrupted indexing resumes next start."""
        if self._closed:
            return
        self._closed = True
        self.ui_state.setValue("window/geometry", self.saveGeometry())
        self.ui_state.setValue("window/splitter", self.splitter.saveState())
        self.ui_state.setValue("window/left_tab", self.left_tabs.currentIndex())
        self.conversations.remember()
        self.ui_state.sync()
        if self.indexer is not None:
            self.indexer.stop()
        self.asking.stop()
        self.model.close()
        if self.indexer is not None:  # built with the hidden parts, as the libraries' controller
            self.libraries.close()
        if not self.source_worker.close():
            log.warning("the source worker did not stop in time")
        if not self.chat_worker.close():
            log.warning("the model worker did not stop in time")
        if not self.library_worker.close():
            log.warning("the library worker did not stop in time")
        # Results the workers queued before they stopped still arrive: they find no library.
        self.library = None
        self.conversations.library = None
        self.model.attach(None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


class _Slot(QWidget):
    """An empty tab page that receives its real content after the first paint."""

    def __init__(self) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def put(self, widget: QWidget) -> None:
        self._layout.addWidget(widget)
