"""The window's answering model as a controller: the status-bar label (state, where it runs),
the Model settings dialog, the "Get models" catalogue, Teach…, and a dropped .gguf offered as
the model or the LoRA adapter. Handed the chat worker, the label, the conversations (whose
instructions the settings dialog edits) and two callbacks into the window (an error, a yes/no
question); the library is attached when it opens. The work runs on the workers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6 import QtCore
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from desktop_app.core.model_state import ModelState

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.ui.chat.chat_worker import ChatWorker
    from desktop_app.ui.chat.conversations import Conversations
    from desktop_app.ui.models.models_dialog import ModelsDialog
    from desktop_app.ui.models.models_worker import ModelsWorker
    from desktop_app.ui.settings.settings_dialog import ModelChoices, ModelSettingsDialog
    from desktop_app.ui.teaching.teach_dialog import TeachDialog
    from desktop_app.ui.teaching.teach_worker import TeachWorker

log = logging.getLogger(__name__)
Dialog = TypeVar("Dialog", bound=QDialog)


class ModelController(QObject):
    state_changed = Signal(ModelState)
    embedding_models_chosen = Signal(list)  # keys: the library's vectors are to be rebuilt

    def __init__(
        self,
        worker: ChatWorker,
        label: QLabel,
        conversations: Conversations,
        show_error: Callable[[str], None],
        confirm: Callable[[str, str], bool],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.library: Library | None = None
        self.settings_dialog: ModelSettingsDialog | None = None  # the open Model settings
        self.models_dialog: ModelsDialog | None = None  # the open "Get models"
        self.models_worker: ModelsWorker | None = None  # made when that first opens
        self.teach_dialog: TeachDialog | None = None  # the open "Teach"
        self.teach_worker: TeachWorker | None = None
        self.chat_worker = worker
        self.label = label
        self.conversations = conversations
        self.show_error = show_error
        self.confirm = confirm
        self._parent = parent
        self._backend = ""
        self._model_text = ""
        self._model_tooltip = ""
        worker.model_state.connect(self._model_state)
        worker.placement_known.connect(self._placement_known)

    def attach(self, library: Library | None) -> None:
        """The library opened (loads its model), or None: closing, nothing more is loaded."""
        self.library = library
        if library is not None:
            self.label.setText("Model: loading…")
            self.chat_worker.load()

    def gguf_inspected(self, path: str, kind: str, error: str) -> None:
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
        worker = self.models_worker

        def make() -> ModelsDialog:
            dialog = ModelsDialog(worker, self._parent)
            dialog.use_model.connect(self.use_installed_model)
            dialog.delete_requested.connect(self._delete_model)
            return dialog

        return self._show_once("models_dialog", make)

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
        worker = self.teach_worker

        def make() -> TeachDialog:
            dialog = TeachDialog(worker, self._parent)
            dialog.use_adapter.connect(self.use_adapter)
            return dialog

        return self._show_once("teach_dialog", make)

    def _show_once(self, attribute: str, make: Callable[[], Dialog]) -> Dialog:
        """The dialog kept in `attribute`, raised if it is open, else made and shown; the
        attribute is cleared when the dialog closes (it deletes itself)."""
        dialog: Dialog | None = getattr(self, attribute)
        if dialog is not None:
            dialog.raise_()
            return dialog
        dialog = make()
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, attribute, None))
        dialog.show()
        setattr(self, attribute, dialog)
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

    def close(self) -> None:
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
        dialog = ModelSettingsDialog(choices, default, self._parent, known)
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
        if tuple(choices.embedding_models) != chosen:
            self.embedding_models_chosen.emit(list(choices.embedding_models))
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
        self.label.setToolTip(self._model_tooltip)
        if message:
            self.show_error(message)
        self.state_changed.emit(state)

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
        self.label.setToolTip("\n".join(t for t in (self._model_tooltip, reason) if t))
        self._show_model_label()

    def _show_model_label(self) -> None:
        suffix = f" · {self._backend}" if self._backend else ""
        self.label.setText(self._model_text + suffix)
