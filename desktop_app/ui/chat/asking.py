"""Asking: a question sent to the chat worker with the search scope, its answer streamed into
the transcript with Stop, the finished answer kept in its conversation, an answer kept as a
teaching example, and citations and quotes opened at their source. Handed the chat panel, the
chat worker, the conversations and the source opener; the work runs on the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation import Message
from desktop_app.core.model_state import ModelState

if TYPE_CHECKING:
    from desktop_app.application import Answer
    from desktop_app.ui.chat.chat_view import ChatPanel
    from desktop_app.ui.chat.chat_worker import ChatWorker
    from desktop_app.ui.chat.conversations import Conversations
    from desktop_app.ui.sources.source_opener import SourceOpener

_STOPPED_MS = 5000
_KEPT_MS = 8000


class Asking(QObject):
    answer_finished = Signal()  # an answer ended: complete, stopped or failed

    def __init__(
        self,
        panel: ChatPanel,
        worker: ChatWorker,
        conversations: Conversations,
        sources: SourceOpener,
        speed_label: QLabel,
        feedback: Feedback,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.answering = False
        self._panel = panel
        self._worker = worker
        self._conversations = conversations
        self._sources = sources
        self._speed = speed_label
        self._feedback = feedback
        self._parent = parent
        self._token: CancelToken | None = None
        self._answers: dict[int, Answer] = {}  # transcript message index -> its Answer
        conversations.switched.append(self._answers.clear)
        panel.composer.submitted.connect(self.send)
        panel.send_button.clicked.connect(self.send)
        panel.stop_button.clicked.connect(self.stop)
        panel.transcript.citation_clicked.connect(self.open_citation)
        panel.transcript.quote_clicked.connect(self.open_quote)
        panel.transcript.keep_requested.connect(self.keep_answer)
        panel.scope.cleared.connect(lambda: self.set_scope([]))
        worker.token.connect(panel.transcript.append_token)
        worker.quotes_ready.connect(panel.transcript.show_quotes)
        worker.answered.connect(self._answered)
        worker.answer_failed.connect(self._failed)

    def send(self) -> None:
        question = self._panel.composer.toPlainText().strip()
        conversations = self._conversations
        if not question or self.answering or conversations.library is None:
            return
        if conversations.current is None:
            conversations.refresh(conversations.start())
        self._panel.composer.clear()
        self._panel.transcript.start_answer(question)
        self.answering = True
        self._panel.set_answering(True)
        self._token = CancelToken()
        within = self._panel.scope.paths or None
        self._worker.ask(question, conversations.current, self._token, within)

    def set_scope(self, paths: list[str]) -> None:
        """Answer from these documents (files, or folders' files) only; none: from all."""
        self._panel.scope.show_scope(paths)
        if paths:
            self._panel.composer.setFocus()

    def stop(self) -> None:
        if self._token is not None:
            self._token.cancel()

    def show_model_state(self, state: ModelState) -> None:
        """The model is being loaded (again) while a question waits for it: said where the
        answer will appear."""
        if state is ModelState.LOADING and self.answering:
            self._panel.transcript.set_status_line("Loading the model…")

    def _answered(self, answer: Answer, conversation_id: int | None) -> None:
        self._end()
        transcript = self._panel.transcript
        if conversation_id == self._conversations.current:
            message = Message(
                "assistant",
                answer.text,
                tuple(answer.source_records()),
                tuple(answer.cited),
                quotes=tuple(answer.quotes),
            )
            # Only what the model wrote can teach it: not a note written instead of an answer.
            transcript.finish_answer(message, keepable=answer.writer_ran)
            self._answers[len(transcript.messages) - 1] = answer
            self._feedback.show_passages(answer)
        timings = answer.timings
        if "first_token_s" in timings:
            self._speed.setText(
                f"first token {timings['first_token_s']:.1f} s · "
                f"{timings.get('tokens_per_s', 0):.0f} tokens/s"
            )
        if answer.cancelled:
            self._feedback.status("Answer stopped.", _STOPPED_MS)
        if conversation_id is not None:  # a full disk: shown, not stored
            self._feedback.not_kept(answer.not_saved)
        self._conversations.refresh(self._conversations.current)
        self.answer_finished.emit()

    def _failed(self, message: str) -> None:
        self._end()
        self._panel.transcript.finish_answer(
            Message("assistant", f"**Could not answer:** {message}"), keepable=False
        )
        self._feedback.error(message)
        self.answer_finished.emit()

    def _end(self) -> None:
        self.answering = False
        self._token = None
        self._panel.set_answering(False)

    def keep_answer(self, message_index: int, edit: bool) -> None:
        """ "Keep as example" under an answer: keep it (question, answer, its passages) as a
        teaching example in the set last used; "Edit, then keep" corrects it first and may
        pick another set."""
        from desktop_app.application.kept_examples import DEFAULT_SET, KeptExamplesError
        from desktop_app.core.teaching import example_from_answer

        transcript = self._panel.transcript
        question = transcript.question_of(message_index)
        library = self._conversations.library
        if library is None or question is None:
            return
        kept = library.teaching.kept
        example = example_from_answer(question, transcript.messages[message_index])
        set_name = str(self._feedback.ui_state.value("teach/kept_set", DEFAULT_SET))
        if edit:
            from desktop_app.ui.teaching.examples_dialogs import KeepExampleDialog

            dialog = KeepExampleDialog(example, kept, set_name, self._parent)
            if not dialog.exec():
                return
            example, set_name = dialog.example(), dialog.chosen_set()
            if not example.question or not example.answer:
                self._feedback.error("An example needs a question and an answer.")
                return
        try:
            count = kept.keep(set_name, example)
        except KeptExamplesError as exc:
            self._feedback.error(str(exc))
            return
        self._feedback.ui_state.setValue("teach/kept_set", set_name)
        transcript.mark_kept(message_index, set_name)
        self._feedback.status(
            f"Kept as example {count} in “{set_name}”. Model → Teach… trains on them.", _KEPT_MS
        )

    def open_citation(self, message_index: int, number: int) -> None:
        messages = self._panel.transcript.messages
        if not 0 <= message_index < len(messages):
            return
        sources = messages[message_index].sources
        if not 1 <= number <= len(sources):
            return
        source = sources[number - 1]
        self._sources.open(source.path, source.page, source.start, source.end, source.text)
        answer = self._answers.get(message_index)
        if answer is not None:
            self._feedback.show_passages(answer)

    def open_quote(self, message_index: int, number: int) -> None:
        """A quote was clicked: its page, with that sentence highlighted and readable."""
        quote = self._panel.transcript.quote_of(message_index, number)
        if quote is not None:
            self._sources.open(quote.path, quote.page, quote.start, quote.end, quote.text)


@dataclass(frozen=True)
class Feedback:
    """Where the asking side reports to the window: its status bar, error dialog, banner and
    passages panel (the last two are built after the first paint, so they are looked up when
    used), and the window's remembered state."""

    status: Callable[[str, int], None]
    error: Callable[[str], None]
    not_kept: Callable[[str | None], None]
    show_passages: Callable[[Answer], None]
    ui_state: QSettings
