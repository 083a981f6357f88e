"""The main window's answering model: the status-bar label (state, where it runs), the Model
settings dialog, the "Get models" catalogue, and a dropped .gguf offered as the model or the
LoRA adapter."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore

from desktop_app.core.model_state import ModelState

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QWidget

    from desktop_app.application import Library
    from desktop_app.ui.chat.asking import Asking
    from desktop_app.ui.chat.chat_view import ChatPanel
    from desktop_app.ui.chat.chat_worker import ChatWorker
    from desktop_app.ui.chat.conversations import Conversations
    from desktop_app.ui.library.indexing_controller import IndexingController
    from desktop_app.ui.models.models_dialog import ModelsDialog
    from desktop_app.ui.models.models_worker import ModelsWorker
    from desktop_app.ui.settings.settings_dialog import ModelChoices, ModelSettingsDialog
    from desktop_app.ui.teaching.teach_dialog import TeachDialog
    from desktop_app.ui.teaching.teach_worker import TeachWorker

log = logging.getLogger(__name__)


class ModelMixin:
    # Provided by MainWindow.
    library: Library | None
    chat_worker: ChatWorker
    indexer: IndexingController | None
    chat: ChatPanel
    model_label: QLabel
    model_state_changed: Any  # a Signal
    conversations: Conversations
    asking: Asking
    settings_dialog: ModelSettingsDialog | None
    models_dialog: ModelsDialog | None
    models_worker: ModelsWorker | None
    teach_dialog: TeachDialog | None
    teach_worker: TeachWorker | None
    _backend: str
    _model_text: str
    _model_tooltip: str

    if TYPE_CHECKING:
        # MainWindow's methods, as the mixin sees them
        def show_error(self, message: str) -> None: ...
        def confirm(self, title: str, question: str) -> bool: ...
        def window(self) -> QWidget: ...

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
            self.library.models.remember_picked(path)  # listed among the installed models
        self.library.save_settings()
        self.chat_worker.load()

    def open_models_dialog(self) -> ModelsDialog | None:
        """Model > Get models…: nothing touches the network until a Download is pressed."""
        if self.library is None:
            return None
        from desktop_app.ui.models.models_dialog import ModelsDialog
        from desktop_app.ui.models.models_worker import ModelsWorker

        if self.models_worker is None:
            self.models_worker = ModelsWorker(self.library.models)
            self.models_worker.failed.connect(self.show_error)
            self.models_worker.removed.connect(self._model_removed)
        if self.models_dialog is not None:
            self.models_dialog.raise_()
            return self.models_dialog
        dialog = ModelsDialog(self.models_worker, self.window())
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.use_model.connect(self.use_installed_model)
        dialog.delete_requested.connect(self._delete_model)
        dialog.destroyed.connect(lambda: setattr(self, "models_dialog", None))
        dialog.show()
        self.models_dialog = dialog
        return dialog

    def use_installed_model(self, name: str) -> None:
        """Answer with an installed model from now on (loaded in the background, as always)."""
        if self.library is None:
            return
        from desktop_app.application.models import ModelChoiceError

        try:
            self.library.models.use(name)
        except ModelChoiceError as exc:  # its file was deleted meanwhile
            self.show_error(str(exc))
            return
        self.chat_worker.load()
        if self.models_worker is not None:
            self.models_worker.list_installed()

    def _delete_model(self, name: str) -> None:
        question = f"Delete {name}? A downloaded file is deleted from disk."
        if self.models_worker is not None and self.confirm("Delete model", question):
            self.models_worker.remove(name)

    def _model_removed(self, row: Any) -> None:
        if row.in_use:  # the bundled model answers now
            self.chat_worker.load()

    def open_teach_dialog(self) -> TeachDialog | None:
        """Model > Teach…: an adapter trained on examples, in a process of its own."""
        if self.library is None:
            return None
        from desktop_app.ui.teaching.teach_dialog import TeachDialog
        from desktop_app.ui.teaching.teach_worker import TeachWorker

        if self.teach_worker is None:
            self.teach_worker = TeachWorker(self.library)
            self.teach_worker.failed.connect(lambda message: log.info("teaching: %s", message))
        if self.teach_dialog is not None:
            self.teach_dialog.raise_()
            return self.teach_dialog
        dialog = TeachDialog(self.teach_worker, self.window())
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.use_adapter.connect(self.use_adapter)
        dialog.destroyed.connect(lambda: setattr(self, "teach_dialog", None))
        dialog.show()
        self.teach_dialog = dialog
        return dialog

    def use_adapter(self, name: str) -> None:
        """Answer with a taught adapter from now on (the scale slider is in Model settings)."""
        if self.library is None:
            return
        from desktop_app.application.teaching import TeachingError

        try:
            self.library.teaching.use(name)
        except TeachingError as exc:  # its folder was deleted meanwhile
            self.show_error(str(exc))
            return
        self.chat_worker.load()

    def close_models(self) -> None:
        """At shutdown: a running download or training run stops; the next one resumes it."""
        if self.models_worker is not None and not self.models_worker.close():
            log.warning("the models worker did not stop in time")
        if self.teach_worker is not None and not self.teach_worker.close():
            log.warning("the teaching worker did not stop in time")

    def open_settings(self) -> ModelSettingsDialog | None:
        if self.library is None:
            return None
        from desktop_app.application import default_llm_path
        from desktop_app.ui.settings.settings_dialog import ModelChoices, ModelSettingsDialog

        instructions = ""
        if self.conversations.current is not None:
            instructions = self.library.chats.get(self.conversations.current).instructions
        from desktop_app.application.writers import languages_of

        settings = self.library.settings
        choices = ModelChoices.from_settings(settings, instructions)
        default = str(default_llm_path() or "")
        writer = languages_of(settings.model_path or default, settings)
        known = f"{writer.describe()} ({writer.source})" if writer.source else ""
        dialog = ModelSettingsDialog(choices, default, self.window(), known)
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
        chosen = self.library.settings.chosen_embedding_models()
        if tuple(choices.embedding_models) != chosen and self.indexer is not None:
            self.indexer.switch_embedding_models(choices.embedding_models)
        if self.conversations.current is None and choices.conversation_instructions:
            self.conversations.refresh(self.conversations.start())  # they need a chat
        if self.conversations.current is not None:
            self.library.chats.set_instructions(
                self.conversations.current, choices.conversation_instructions
            )
            self.conversations.show_title(self.library.chats.get(self.conversations.current))
        self.chat_worker.load()

    def _model_state(self, state: ModelState, message: str) -> None:
        self._model_text = f"Model: {self._model_name()} · {state.value}"
        self._show_model_label()
        # The reason stays at hand after the dialog is closed.
        config = self.library.model_status().config if self.library else None
        self._model_tooltip = message or (config.model_path if config else "")
        self.model_label.setToolTip(self._model_tooltip)
        if message:
            self.show_error(message)
        self.model_state_changed.emit(state)
        if state is ModelState.LOADING and self.asking.answering:
            self.chat.transcript.set_status_line("Loading the model…")

    def _model_name(self) -> str:
        if self.library is None:
            return ""
        config = self.library.model_status().config
        if config is not None:
            return Path(config.model_path).stem
        from desktop_app.application import default_llm_path

        return Path(self.library.settings.model_path or str(default_llm_path() or "")).stem

    def _placement_known(self, placement: str, reason: str) -> None:
        """Where the model runs (CPU, or the GPU and how many layers) and why so many."""
        self._backend = placement
        self.model_label.setToolTip("\n".join(t for t in (self._model_tooltip, reason) if t))
        self._show_model_label()

    def _show_model_label(self) -> None:
        suffix = f" · {self._backend}" if self._backend else ""
        self.model_label.setText(self._model_text + suffix)
