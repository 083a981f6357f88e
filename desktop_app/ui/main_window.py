"""The main window: library and chats on the left, the chat in the middle, the source and the
retrieved passages on the right. It only arranges widgets and forwards requests to the two
engine workers; everything slow happens on their threads."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.cancel import CancelToken, IndexProgress
from desktop_app.core.conversation import Conversation, Message
from desktop_app.core.file_selection import file_format
from desktop_app.ui.chat_view import EMPTY_LIBRARY_TEXT, ChatPanel
from desktop_app.ui.chat_worker import ChatWorker
from desktop_app.ui.conversation_list import UNTITLED, ConversationList
from desktop_app.ui.file_drop import FileDropFilter
from desktop_app.ui.folder_watcher import FolderWatcher
from desktop_app.ui.formatting import duration
from desktop_app.ui.library_worker import LibraryFactory, LibraryWorker
from desktop_app.ui.source_viewer import SourceViewer

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.core.models import DiskState, DocumentInfo, FileReport, RunSummary
    from desktop_app.services.answering import Answer
    from desktop_app.ui.settings_dialog import ModelChoices, ModelSettingsDialog

log = logging.getLogger(__name__)

MINIMUM_SIZE = (960, 600)  # the window must stay usable at 1024x640
DEFAULT_SIZE = (1280, 800)


class MainWindow(QMainWindow):
    first_painted = Signal()
    library_opened = Signal()  # for tests and the start-up path: the library is usable
    indexing_finished = Signal()  # every requested run is done (or cancelled)
    answer_finished = Signal()  # an answer ended: complete, stopped or failed
    model_state_changed = Signal(str)

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
        self.library: Library | None = None
        self.conversation_id: int | None = None
        self.answering = False
        self.warmed_up = False  # parser process, vector store and embedding model started
        self.errors: list[str] = []  # every message shown to the user, newest last
        self._open_paths = list(open_paths)
        self._index_tokens: list[CancelToken] = []
        self._answer_token: CancelToken | None = None
        self._answers: dict[int, Answer] = {}  # transcript message index -> its Answer
        self._painted = False
        self._closed = False

        self._build_widgets()
        self._build_actions()
        self._restore_ui_state()

        self.watcher = FolderWatcher(self)
        self.watcher.changed.connect(self._watched_folders_changed)
        self.library_worker = LibraryWorker(library_factory)
        self.chat_worker = ChatWorker()
        self._connect_workers()
        self.drop_filter = FileDropFilter(self)
        self.drop_filter.dropped.connect(lambda paths: self.add_paths([str(p) for p in paths]))
        # installed on the window and its views after the first paint (_build_hidden_parts)
        self.installEventFilter(self)
        self._hidden_built = False

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

        self.chat.composer.submitted.connect(self.send)
        self.chat.send_button.clicked.connect(self.send)
        self.chat.stop_button.clicked.connect(self.stop_answer)
        self.chat.transcript.citation_clicked.connect(self.open_citation)
        self.chats.selected.connect(self.select_conversation)
        self.chats.new_requested.connect(self.new_conversation)
        self.chats.rename_requested.connect(self._rename_conversation)
        self.chats.delete_requested.connect(self.delete_conversation)
        self.chats.search_changed.connect(self._search_conversations)

    def _build_hidden_parts(self) -> None:
        from desktop_app.ui.library_panel import LibraryPanel
        from desktop_app.ui.passages_panel import PassagesPanel
        from desktop_app.ui.progress_widget import IndexProgressWidget

        self.library_panel = LibraryPanel()
        self._library_tab.put(self.library_panel)
        self.passages = PassagesPanel()
        self._passages_tab.put(self.passages)
        self.progress = IndexProgressWidget()
        self.statusBar().insertWidget(0, self.progress, 1)
        self.drop_filter.install(self)  # the window and every view's viewport take drops
        self.chats.enable_context_menu()
        for act, shortcut in self._shortcuts:
            act.setShortcut(QKeySequence(shortcut))
        self.library_panel.add_files_requested.connect(self.choose_files)
        self.library_panel.add_folder_requested.connect(self.choose_folder)
        self.library_panel.remove_requested.connect(self.remove_documents)
        self.library_panel.reindex_requested.connect(self.reindex_documents)
        self.library_panel.reveal_requested.connect(self._reveal)
        self.library_panel.open_requested.connect(lambda path: self.open_source(path, 1, 0, 0, ""))
        self.library_panel.unwatch_requested.connect(self.unwatch_folder)
        self.passages.passage_activated.connect(
            lambda hit: self.open_source(hit.path, hit.page, hit.start, hit.end, hit.text)
        )
        self.progress.cancel_button.clicked.connect(self.cancel_indexing)

    def _build_actions(self) -> None:
        def action(menu_name: str, text: str, slot: object, shortcut: str | None = None) -> QAction:
            menu = self._menus.get(menu_name)
            if menu is None:
                menu = self._menus[menu_name] = self.menuBar().addMenu(menu_name)
            act = QAction(text, self)
            if shortcut:  # set after the first paint: QAction.setShortcut touches QtCore.Qt
                self._shortcuts.append((act, shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        self._menus: dict[str, QMenu] = {}
        self._shortcuts: list[tuple[QAction, str]] = []
        action("&File", "Add &files…", self.choose_files, "Ctrl+O")
        action("&File", "Add f&older…", self.choose_folder)
        action("&File", "&Quit", self.close, "Ctrl+Q")
        action("&Chat", "&New chat", self.new_conversation, "Ctrl+N")
        action("&Chat", "&Stop answer", self.stop_answer, "Esc")
        action("&Chat", "&Export as Markdown…", self.export_conversation)
        action("&Model", "Model &settings…", self.open_settings, "Ctrl+,")

    def _connect_workers(self) -> None:
        lw, cw = self.library_worker, self.chat_worker
        lw.opened.connect(self._library_opened)
        lw.open_failed.connect(self._library_failed)
        lw.warming_up.connect(self._warming_up)
        lw.documents_listed.connect(self._documents_listed)
        lw.index_started.connect(self._index_started)
        lw.index_progress.connect(self._index_progress)
        lw.file_reported.connect(self._file_reported)
        lw.index_finished.connect(self._index_finished)
        lw.folders_scanned.connect(self.watcher.watch_directories)
        lw.source_text_ready.connect(self.viewer.show_text)
        lw.gguf_inspected.connect(self._gguf_inspected)
        lw.failed.connect(self.show_error)
        cw.model_state.connect(self._model_state)
        cw.backend_detected.connect(self._backend_detected)
        cw.token.connect(self.chat.transcript.append_token)
        cw.answered.connect(self._answered)
        cw.answer_failed.connect(self._answer_failed)
        cw.failed.connect(self.show_error)
        self._backend = ""
        self._model_text = ""

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

    def _after_first_paint(self) -> None:
        self._ensure_built()
        self.library_worker.open()

    def _ensure_built(self) -> None:
        if not self._hidden_built:
            self._hidden_built = True
            self._build_hidden_parts()

    def _library_opened(self, library: Library, pending: list[str]) -> None:
        self.library = library
        self.chat_worker.attach(library)
        self.model_label.setText("Model: loading…")
        self.chat_worker.load()
        for notice in library.notices:
            self.show_error(notice)
        self._refresh_conversations(self._last_conversation())
        if self.conversation_id is not None:
            self.select_conversation(self.conversation_id)
        self._update_watched()
        resume = [*pending, *library.settings.watched_folders, *self._open_paths]
        if resume:
            self.index_paths(list(dict.fromkeys(resume)))
        if self._open_paths:
            self.open_source(self._open_paths[0], 1, 0, 0, "")
        self.library_opened.emit()

    def _warming_up(self, busy: bool) -> None:
        self.warmed_up = not busy

    def _library_failed(self, message: str) -> None:
        self.model_label.setText("Library unavailable")
        self.chat.transcript.set_empty_text(f"The library could not be opened. {message}")
        self.show_error(f"The library could not be opened: {message}")

    def activate_with(self, paths: list[str]) -> None:
        """A second launch asked us to come to the front (and maybe to open files)."""
        self.setWindowState(self.windowState() & ~QtCore.Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()
        if paths:
            self.add_paths(paths)
            self.open_source(paths[0], 1, 0, 0, "")

    # -- indexing --------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Add documents",
            "",
            "Documents (*.pdf *.txt *.md *.markdown *.html *.htm *.docx);;All files (*)",
        )
        if paths:
            self.add_paths(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths: Sequence[str]) -> None:
        """Dropped or chosen: .gguf files are offered as the model, the rest is indexed."""
        models = [p for p in paths if p.lower().endswith(".gguf")]
        documents = [p for p in paths if p not in models]
        for model in models:
            self.library_worker.inspect_gguf(model)
        if documents:
            self._watch([p for p in documents if Path(p).is_dir()])
            self.index_paths(documents)

    def index_paths(self, paths: Sequence[str]) -> None:
        if self.library is None:
            self._open_paths.extend(paths)  # indexed as soon as the library is open
            return
        token = CancelToken()
        self._index_tokens.append(token)
        self.progress.start()
        self.library_worker.index(list(paths), token)

    def reindex_documents(self, paths: list[str]) -> None:
        if self.library is None:
            return
        token = CancelToken()
        self._index_tokens.append(token)
        self.progress.start()
        self.library_worker.reindex(paths, token)

    def cancel_indexing(self) -> None:
        if not self._index_tokens:
            return
        for token in self._index_tokens:
            token.cancel()
        self.progress.cancelling()
        self.library_worker.forget_pending()  # cancelled on purpose: not resumed next start

    @property
    def indexing(self) -> bool:
        return bool(self._index_tokens)

    def _index_started(self, _paths: list[str]) -> None:
        self.progress.start()
        self.library_panel.start_run()

    def _index_progress(self, progress: IndexProgress) -> None:
        self.progress.update_progress(progress)
        if progress.current_path:
            self.library_panel.mark_indexing(progress.current_path)

    def _file_reported(self, report: FileReport) -> None:
        self.library_panel.apply_report(report)

    def _index_finished(self, summary: RunSummary | None) -> None:
        if self._index_tokens:
            self._index_tokens.pop(0)
        if summary is not None:
            self.statusBar().showMessage(_summary_text(summary), 15_000)
        if not self._index_tokens:
            self.progress.hide()
            self.indexing_finished.emit()

    def _documents_listed(self, rows: list[tuple[DocumentInfo, DiskState]]) -> None:
        self.library_panel.set_documents(rows)
        indexed = sum(1 for doc, _ in rows if doc.chunks)
        if indexed:
            self.chat.transcript.set_empty_text(
                f"Ask a question about your {indexed} documents. Answers cite the file and page; "
                "click a citation to see the passage. Drop more documents any time."
            )
        else:
            self.chat.transcript.set_empty_text(EMPTY_LIBRARY_TEXT)

    def remove_documents(self, paths: list[str]) -> None:
        if self.confirm(
            "Remove from library",
            f"Remove {len(paths)} document(s) from the library? The files on disk are not touched.",
        ):
            self.library_worker.remove(paths)

    # -- watched folders -------------------------------------------------------------------

    def _watch(self, folders: Sequence[str]) -> None:
        if self.library is None or not folders:
            return
        watched = self.library.settings.watched_folders
        for folder in (str(Path(f).resolve()) for f in folders):
            inside = any(
                Path(w) == Path(folder) or Path(w) in Path(folder).parents for w in watched
            )
            if not inside:
                watched.append(folder)
        self.library.save_settings()
        self._update_watched()

    def unwatch_folder(self, folder: str) -> None:
        if self.library is None:
            return
        settings = self.library.settings
        settings.watched_folders = [f for f in settings.watched_folders if f != folder]
        self.library.save_settings()
        self._update_watched()

    def _update_watched(self) -> None:
        folders = self.library.settings.watched_folders if self.library else []
        self.library_panel.set_watched(folders)
        self.watcher.set_roots(folders)
        self.library_worker.scan_folders(folders)

    def _watched_folders_changed(self, roots: list[str]) -> None:
        self.index_paths(roots)
        self.library_worker.scan_folders(roots)  # new subfolders get watched too

    # -- models ----------------------------------------------------------------------------

    def _gguf_inspected(self, path: str, kind: str, error: str) -> None:
        if self.library is None:
            return
        name = Path(path).name
        if error:
            self.show_error(f"{name} cannot be used: {error}")
            return
        settings = self.library.settings
        if kind == "adapter":
            if not self.confirm("LoRA adapter", f"Use {name} as the LoRA adapter?"):
                return
            settings.lora_path = path
        else:
            if not self.confirm("Model", f"Use {name} as the answering model?"):
                return
            settings.model_path = path
        self.library.save_settings()
        self.chat_worker.load()

    def open_settings(self) -> ModelSettingsDialog | None:
        if self.library is None:
            return None
        from desktop_app.services.llm import default_llm_path
        from desktop_app.ui.settings_dialog import ModelChoices, ModelSettingsDialog

        instructions = ""
        if self.conversation_id is not None:
            instructions = self.library.conversations.get(self.conversation_id).instructions
        choices = ModelChoices.from_settings(self.library.settings, instructions)
        dialog = ModelSettingsDialog(choices, str(default_llm_path() or ""), self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.choices()))
        dialog.open()
        self.settings_dialog = dialog
        return dialog

    def apply_settings(self, choices: ModelChoices) -> None:
        if self.library is None:
            return
        choices.apply_to(self.library.settings)
        self.library.save_settings()
        if self.conversation_id is None and choices.conversation_instructions:
            self.conversation_id = self.library.conversations.create()  # they need a chat
            self._refresh_conversations(self.conversation_id)
        if self.conversation_id is not None:
            self.library.conversations.set_instructions(
                self.conversation_id, choices.conversation_instructions
            )
            self._show_title(self.library.conversations.get(self.conversation_id))
        self.chat_worker.load()

    def _model_state(self, state: str, message: str) -> None:
        self._model_text = f"Model: {self._model_name()} · {state}"
        self._show_model_label()
        if message:
            self.show_error(message)
        self.model_state_changed.emit(state)
        if state == "loading" and self.answering:
            self.chat.transcript.set_status_line("Loading the model…")

    def _model_name(self) -> str:
        if self.library is None:
            return ""
        config = self.library.llm.config
        if config is not None:
            return Path(config.model_path).stem
        from desktop_app.services.llm import default_llm_path

        return Path(self.library.settings.model_path or str(default_llm_path() or "")).stem

    def _backend_detected(self, backend: str) -> None:
        self._backend = backend
        self._show_model_label()

    def _show_model_label(self) -> None:
        suffix = f" · {self._backend}" if self._backend else ""
        self.model_label.setText(self._model_text + suffix)

    # -- conversations ---------------------------------------------------------------------

    def _refresh_conversations(self, current: int | None = None) -> None:
        if self.library is None:
            return
        conversations = self.library.conversations.all()
        ids = {c.id for c in conversations}
        self.conversation_id = current if current in ids else None
        self.chats.set_conversations(conversations, self.conversation_id)

    def select_conversation(self, conversation_id: int) -> None:
        if self.library is None:
            return
        conversation = self.library.conversations.get(conversation_id)
        self.conversation_id = conversation_id
        self._answers.clear()
        self.chat.transcript.show_messages(conversation.messages)
        self._show_title(conversation)
        self.ui_state.setValue("chat/last_conversation", conversation_id)

    def _show_title(self, conversation: Conversation) -> None:
        self.chat.title.setText(
            f"<b>{_escape(conversation.title or UNTITLED)}</b>"
            + (
                f" — <i>{_escape(conversation.instructions)}</i>"
                if conversation.instructions
                else ""
            )
        )

    def new_conversation(self) -> None:
        if self.library is None:
            return
        current = self.conversation_id
        if current is not None and not self.library.conversations.get(current).messages:
            self.chat.composer.setFocus()  # the current chat is still empty: use it
            return
        conversation_id = self.library.conversations.create()
        self._refresh_conversations(conversation_id)
        self.select_conversation(conversation_id)
        self.left_tabs.setCurrentWidget(self.chats)
        self.chat.composer.setFocus()

    def _rename_conversation(self, conversation_id: int, title: str) -> None:
        if self.library is not None and title:
            self.library.conversations.rename(conversation_id, title)
            if conversation_id == self.conversation_id:
                self.chat.title.setText(f"<b>{_escape(title)}</b>")

    def delete_conversation(self, conversation_id: int) -> None:
        if self.library is None or not self.confirm("Delete chat", "Delete this conversation?"):
            return
        self.library.conversations.delete(conversation_id)
        remaining = [c.id for c in self.library.conversations.all()]
        current = self.conversation_id if self.conversation_id != conversation_id else None
        self._refresh_conversations(current or (remaining[0] if remaining else None))
        if self.conversation_id is not None:
            self.select_conversation(self.conversation_id)
        else:
            self.chat.transcript.show_messages([])
            self.chat.title.clear()

    def _search_conversations(self, text: str) -> None:
        if self.library is not None:
            self.chats.show_only(self.library.conversations.search(text) if text else None)

    def export_conversation(self) -> None:
        if self.library is None or self.conversation_id is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export chat", "chat.md", "Markdown (*.md)")
        if path:
            Path(path).write_text(
                self.library.export_conversation(self.conversation_id), encoding="utf-8"
            )

    def _last_conversation(self) -> int | None:
        value = self.ui_state.value("chat/last_conversation")
        try:
            return int(str(value)) if value is not None else None
        except ValueError:
            return None

    # -- asking ----------------------------------------------------------------------------

    def send(self) -> None:
        question = self.chat.composer.toPlainText().strip()
        if not question or self.answering or self.library is None:
            return
        if self.conversation_id is None:
            self.conversation_id = self.library.conversations.create()
            self._refresh_conversations(self.conversation_id)
        self.chat.composer.clear()
        self.chat.transcript.start_answer(question)
        self.answering = True
        self.chat.set_answering(True)
        self._answer_token = CancelToken()
        self.chat_worker.ask(question, self.conversation_id, self._answer_token)

    def stop_answer(self) -> None:
        if self._answer_token is not None:
            self._answer_token.cancel()

    def _answered(self, answer: Answer, conversation_id: int) -> None:
        self._end_answer()
        if conversation_id == self.conversation_id:
            message = Message(
                "assistant", answer.text, tuple(answer.source_records()), tuple(answer.cited)
            )
            self.chat.transcript.finish_answer(message)
            self._answers[len(self.chat.transcript.messages) - 1] = answer
            self.passages.show_answer(answer)
        timings = answer.timings
        if "first_token_s" in timings:
            self.speed_label.setText(
                f"first token {timings['first_token_s']:.1f} s · "
                f"{timings.get('tokens_per_s', 0):.0f} tokens/s"
            )
        if answer.cancelled:
            self.statusBar().showMessage("Answer stopped.", 5000)
        self._refresh_conversations(self.conversation_id)
        self.answer_finished.emit()

    def _answer_failed(self, message: str) -> None:
        self._end_answer()
        self.chat.transcript.finish_answer(Message("assistant", f"**Could not answer:** {message}"))
        self.show_error(message)
        self.answer_finished.emit()

    def _end_answer(self) -> None:
        self.answering = False
        self._answer_token = None
        self.chat.set_answering(False)

    # -- sources ---------------------------------------------------------------------------

    def open_citation(self, message_index: int, number: int) -> None:
        messages = self.chat.transcript.messages
        if not 0 <= message_index < len(messages):
            return
        sources = messages[message_index].sources
        if not 1 <= number <= len(sources):
            return
        source = sources[number - 1]
        self.open_source(source.path, source.page, source.start, source.end, source.text)
        answer = self._answers.get(message_index)
        if answer is not None:
            self.passages.show_answer(answer)

    def open_source(self, path: str, page: int | None, start: int, end: int, text: str) -> None:
        self.right_tabs.setCurrentWidget(self.viewer)
        if not Path(path).is_file():
            self.viewer.show_message(path, f"{Path(path).name} is no longer on disk.")
            return
        if file_format(Path(path)) == "pdf":
            self.viewer.show_pdf(path, page or 1, text)
        elif file_format(Path(path)) is not None:
            self.library_worker.load_source_text(path, start, end)
        else:
            self.viewer.show_message(path, f"{Path(path).name} has no preview.")

    def _reveal(self, path: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    # -- messages --------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """A readable message in a (non-blocking) dialog and the status bar."""
        self.errors.append(message)
        self.statusBar().showMessage(message, 20_000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Librarian", message, parent=self)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

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

    def _save_ui_state(self) -> None:
        self.ui_state.setValue("window/geometry", self.saveGeometry())
        self.ui_state.setValue("window/splitter", self.splitter.saveState())
        self.ui_state.setValue("window/left_tab", self.left_tabs.currentIndex())
        if self.conversation_id is not None:
            self.ui_state.setValue("chat/last_conversation", self.conversation_id)
        self.ui_state.sync()

    def shutdown(self) -> None:
        """Stop the workers cleanly: the running answer and indexing stop at their next check,
        finished work is already committed, and interrupted indexing resumes next start."""
        if self._closed:
            return
        self._closed = True
        self._save_ui_state()
        for token in self._index_tokens:
            token.cancel()
        self.stop_answer()
        if not self.chat_worker.close():
            log.warning("the model worker did not stop in time")
        if not self.library_worker.close():
            log.warning("the library worker did not stop in time")
        # Results the workers queued before they stopped still arrive: they find no library.
        self.library = None

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


def _summary_text(summary: RunSummary) -> str:
    from desktop_app.core.models import Outcome

    done = summary.count(Outcome.INDEXED)
    skipped = summary.count(Outcome.SKIPPED) + summary.count(Outcome.FAILED)
    text = f"Indexed {done} file(s)"
    if skipped:
        text += f", {skipped} skipped"
    text += f" in {duration(summary.seconds)}"
    return text + (" (cancelled; finished files are kept)" if summary.cancelled else "")


def _escape(text: str) -> str:
    import html

    return html.escape(text)
