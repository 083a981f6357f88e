"""The LLM engine's worker: loads (or switches) the model and answers, streaming tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from desktop_app.core.cancel import CancelToken
from desktop_app.core.model_state import ModelState
from desktop_app.ui.errors import user_message
from desktop_app.ui.workers import EngineWorker

if TYPE_CHECKING:
    from desktop_app.application import Library, LlmConfig, Placement


class ChatWorker(EngineWorker):
    model_state = Signal(ModelState, str)  # and a message ("" when none)
    # Where the loaded model runs ("CPU", "CUDA · <card> · 30/30 layers on the GPU"), and why.
    placement_known = Signal(str, str)
    token = Signal(str)
    quotes_ready = Signal(list)  # list[Quote]: the search is done, before the model writes
    answered = Signal(object, object)  # Answer, conversation id (None: not kept, disk full)
    answer_failed = Signal(str)

    def __init__(self) -> None:
        super().__init__("librarian-llm")
        self.library: Library | None = None

    def attach(self, library: Library) -> None:
        """Called once the library is open, before any job that needs it is submitted."""
        self.library = library

    def load(self) -> None:
        """Load the model the settings name (no-op when it is already loaded)."""
        self.submit(self._load)

    def ask(
        self,
        question: str,
        conversation_id: int | None,
        cancel: CancelToken,
        within: list[str] | None = None,
    ) -> None:
        """Answer on the worker; from the documents at `within` only, when given."""
        self.submit(lambda: self._ask(question, conversation_id, cancel, within))

    def close(self) -> bool:
        return self.stop()

    # -- jobs ------------------------------------------------------------------------------

    def _load(self) -> LlmConfig | None:
        """The loaded model's config, or None when no model could be loaded (state says why)."""
        from desktop_app.application import LlmError

        library = self.library
        if library is None:
            return None
        try:
            config = library.llm_config()
        except LlmError as exc:
            self.model_state.emit(ModelState.FAILED, user_message(exc, "loading the model"))
            return None
        status = library.model_status()
        if status.state is ModelState.READY and status.requested == config:
            return status.config
        self.model_state.emit(ModelState.LOADING, "")
        try:
            loaded = library.load_model(config)  # without the adapter when it cannot be applied
        except LlmError as exc:
            self.model_state.emit(ModelState.FAILED, user_message(exc, "loading the model"))
            return None
        refused = library.model_status().adapter_refused
        note = f"The LoRA adapter was not applied: {refused}" if refused else ""
        self.model_state.emit(ModelState.READY, note)
        self._report_placement(library.model_status().placement)
        return loaded

    def _report_placement(self, placement: Placement | None) -> None:
        if placement is not None:
            details = [
                placement.gpu.describe() if placement.gpu else "",  # the card and its memory
                placement.plan.reason if placement.plan else "",
            ]
            self.placement_known.emit(placement.describe(), "\n".join(d for d in details if d))

    def _ask(
        self,
        question: str,
        conversation_id: int | None,
        cancel: CancelToken,
        within: list[str] | None,
    ) -> None:
        library = self.library
        if library is None:
            self.answer_failed.emit("The library is not open.")
            return
        config = self._load()
        if config is None:
            error = library.model_status().error
            self.answer_failed.emit(error or "No answering model is loaded.")
            return
        try:
            answer = library.ask(
                question,
                config=config,
                on_token=self.token.emit,
                on_quotes=self.quotes_ready.emit,
                cancel=cancel,
                conversation_id=conversation_id,
                within=within,
            )
        except Exception as exc:  # noqa: BLE001 - the window shows it and stays usable
            self.answer_failed.emit(user_message(exc, "answering"))
            return
        self.answered.emit(answer, conversation_id)
