"""The window's chat side: the conversation list's requests, asking with streaming and Stop,
and opening the sources that citations point to. A mixin of MainWindow: it only reacts to the
user and to the chat and library workers' signals; the work runs on the workers."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QStatusBar, QTabWidget, QWidget

from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation import Conversation, Message
from desktop_app.core.errors import DiskFull, ReadOnlyLibrary
from desktop_app.core.file_selection import file_format
from desktop_app.ui.chat.conversation_list import UNTITLED

if TYPE_CHECKING:
    from desktop_app.application import Answer, Library
    from desktop_app.ui.chat.chat_view import ChatPanel
    from desktop_app.ui.chat.chat_worker import ChatWorker
    from desktop_app.ui.chat.conversation_list import ConversationList
    from desktop_app.ui.library.library_worker import LibraryWorker
    from desktop_app.ui.sources.passages_panel import PassagesPanel
    from desktop_app.ui.sources.source_viewer import SourceViewer
    from desktop_app.ui.sources.source_worker import SourceWorker
    from desktop_app.ui.window_health import LibraryHealthView


class ChatMixin:
    # Provided by MainWindow.
    library: Library | None
    library_worker: LibraryWorker
    source_worker: SourceWorker
    chat_worker: ChatWorker
    chat: ChatPanel
    chats: ConversationList
    passages: PassagesPanel
    viewer: SourceViewer
    health: LibraryHealthView
    left_tabs: QTabWidget
    right_tabs: QTabWidget
    speed_label: Any  # a QLabel
    ui_state: QSettings
    conversation_id: int | None
    answering: bool
    answer_finished: Any  # a Signal
    _answer_token: CancelToken | None
    _answers: dict[int, Answer]

    if TYPE_CHECKING:
        # QMainWindow's and MainWindow's methods, as the mixin sees them
        def statusBar(self) -> QStatusBar: ...
        def window(self) -> QWidget: ...
        def confirm(self, title: str, question: str) -> bool: ...
        def show_error(self, message: str) -> None: ...

    # -- conversations ---------------------------------------------------------------------

    def _refresh_conversations(self, current: int | None = None) -> None:
        if self.library is None:
            return
        conversations = self.library.chats.all()
        ids = {c.id for c in conversations}
        self.conversation_id = current if current in ids else None
        self.chats.set_conversations(conversations, self.conversation_id)

    def select_conversation(self, conversation_id: int) -> None:
        if self.library is None:
            return
        conversation = self.library.chats.get(conversation_id)
        self.conversation_id = conversation_id
        self._answers.clear()
        self.chat.transcript.show_messages(conversation.messages)
        self._show_title(conversation)
        self.ui_state.setValue("chat/last_conversation", conversation_id)

    def _show_title(self, conversation: Conversation) -> None:
        self.chat.title.setText(
            f"<b>{html.escape(conversation.title or UNTITLED)}</b>"
            + (
                f" — <i>{html.escape(conversation.instructions)}</i>"
                if conversation.instructions
                else ""
            )
        )

    def new_conversation(self) -> None:
        if self.library is None:
            return
        current = self.conversation_id
        if current is not None and not self.library.chats.get(current).messages:
            self.chat.composer.setFocus()  # the current chat is still empty: use it
            return
        conversation_id = self._start_conversation()
        if conversation_id is None:
            return
        self._refresh_conversations(conversation_id)
        self.select_conversation(conversation_id)
        self.left_tabs.setCurrentWidget(self.chats)
        self.chat.composer.setFocus()

    def _start_conversation(self) -> int | None:
        """A new conversation; None on a full disk or a read-only folder (said in the banner:
        questions are still answered, not kept)."""
        assert self.library is not None
        try:
            conversation_id: int = self.library.chats.new()
        except (DiskFull, ReadOnlyLibrary) as exc:
            self.health.answer_not_kept(f"{exc}; answers are not kept until then")
            return None
        return conversation_id

    def _rename_conversation(self, conversation_id: int, title: str) -> None:
        if self.library is not None and title:
            self.library.chats.rename(conversation_id, title)
            if conversation_id == self.conversation_id:
                self._show_title(self.library.chats.get(conversation_id))

    def delete_conversation(self, conversation_id: int) -> None:
        if self.library is None or not self.confirm("Delete chat", "Delete this conversation?"):
            return
        self.library.chats.delete(conversation_id)
        remaining = [c.id for c in self.library.chats.all()]
        current = self.conversation_id if self.conversation_id != conversation_id else None
        self._refresh_conversations(current or (remaining[0] if remaining else None))
        if self.conversation_id is not None:
            self.select_conversation(self.conversation_id)
        else:
            self.chat.transcript.show_messages([])
            self.chat.title.clear()

    def _search_conversations(self, text: str) -> None:
        if self.library is not None:
            self.chats.show_only(self.library.chats.search(text) if text else None)

    def export_conversation(self) -> None:
        if self.library is None or self.conversation_id is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window(), "Export chat", "chat.md", "Markdown (*.md)"
        )
        if path:
            Path(path).write_text(self.library.chats.export(self.conversation_id), encoding="utf-8")

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
            self.conversation_id = self._start_conversation()
            self._refresh_conversations(self.conversation_id)
        self.chat.composer.clear()
        self.chat.transcript.start_answer(question)
        self.answering = True
        self.chat.set_answering(True)
        self._answer_token = CancelToken()
        within = self.chat.scope.paths or None
        self.chat_worker.ask(question, self.conversation_id, self._answer_token, within)

    def set_search_scope(self, paths: list[str]) -> None:
        """Answer from these documents (files, or folders' files) only; none: from all."""
        self.chat.scope.show_scope(paths)
        if paths:
            self.chat.composer.setFocus()

    def stop_answer(self) -> None:
        if self._answer_token is not None:
            self._answer_token.cancel()

    def _answered(self, answer: Answer, conversation_id: int | None) -> None:
        self._end_answer()
        if conversation_id == self.conversation_id:
            message = Message(
                "assistant",
                answer.text,
                tuple(answer.source_records()),
                tuple(answer.cited),
                quotes=tuple(answer.quotes),
            )
            # Only what the model wrote can teach it: not a note written instead of an answer.
            self.chat.transcript.finish_answer(message, keepable=answer.writer_ran)
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
        if conversation_id is not None:  # a full disk: shown, not stored
            self.health.answer_not_kept(answer.not_saved)
        self._refresh_conversations(self.conversation_id)
        self.answer_finished.emit()

    def _answer_failed(self, message: str) -> None:
        self._end_answer()
        self.chat.transcript.finish_answer(
            Message("assistant", f"**Could not answer:** {message}"), keepable=False
        )
        self.show_error(message)
        self.answer_finished.emit()

    def _end_answer(self) -> None:
        self.answering = False
        self._answer_token = None
        self.chat.set_answering(False)

    # -- answers kept as teaching examples --------------------------------------------------

    def keep_answer(self, message_index: int, edit: bool) -> None:
        """👍 under an answer: keep it (question, answer, its passages) as a teaching example
        in the set last used; "Edit, then keep" corrects it first and may pick another set."""
        from desktop_app.application.kept_examples import DEFAULT_SET, KeptExamplesError
        from desktop_app.core.teaching import example_from_answer

        transcript = self.chat.transcript
        question = transcript.question_of(message_index)
        if self.library is None or question is None:
            return
        kept = self.library.teaching.kept
        example = example_from_answer(question, transcript.messages[message_index])
        set_name = str(self.ui_state.value("teach/kept_set", DEFAULT_SET))
        if edit:
            from desktop_app.ui.teaching.examples_dialogs import KeepExampleDialog

            dialog = KeepExampleDialog(example, kept, set_name, self.window())
            if not dialog.exec():
                return
            example, set_name = dialog.example(), dialog.chosen_set()
            if not example.question or not example.answer:
                self.show_error("An example needs a question and an answer.")
                return
        try:
            count = kept.keep(set_name, example)
        except KeptExamplesError as exc:
            self.show_error(str(exc))
            return
        self.ui_state.setValue("teach/kept_set", set_name)
        transcript.mark_kept(message_index, set_name)
        self.statusBar().showMessage(
            f"Kept as example {count} in “{set_name}”. Model → Teach… trains on them.", 8000
        )

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

    def open_quote(self, message_index: int, number: int) -> None:
        """A quote was clicked: its page, with that sentence highlighted and readable."""
        quote = self.chat.transcript.quote_of(message_index, number)
        if quote is not None:
            self.open_source(quote.path, quote.page, quote.start, quote.end, quote.text)

    def open_source(self, path: str, page: int | None, start: int, end: int, text: str) -> None:
        self.right_tabs.setCurrentWidget(self.viewer)
        if not Path(path).is_file():
            self.viewer.show_message(path, f"{Path(path).name} is no longer on disk.")
            return
        fmt = file_format(Path(path))
        if fmt == "pdf":
            self.viewer.show_pdf(path, page or 1, text)
            if not self.viewer.highlighted:  # no text layer there: a scan read by OCR?
                self.source_worker.load_scanned_page(path, page or 1, text)
        elif fmt == "image":
            self.source_worker.load_scanned_page(path, page or 1, text)
        elif fmt is not None:
            self.source_worker.load_text(path, start, end)
        else:
            self.viewer.show_message(path, f"{Path(path).name} has no preview.")

    def _reveal(self, path: str) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
