"""Model settings: GGUF model, LoRA adapter and scale, instructions, context, threads, the
embedding models search uses, ..."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from desktop_app.core.embedding_models import (
    DEFAULT_EMBEDDING_MODELS,
    FALLBACK_EMBEDDING_MODELS,
    MINILM,
    USE_M3,
    describe,
)
from desktop_app.core.settings import Settings, limits

_SCALE_STEPS = 100  # slider positions per 1.0 of LoRA scale


@dataclass(slots=True)
class ModelChoices:
    """What the dialog edits: a part of Settings plus this conversation's instructions."""

    model_path: str
    lora_path: str
    lora_scale: float
    system_prompt: str
    conversation_instructions: str
    context_size: int
    gpu_layers: int
    threads: int
    temperature: float
    search_results: int
    ocr_enabled: bool = True
    ocr_languages: list[str] = field(default_factory=lambda: ["eng", "rus"])
    # Not applied by apply_to: switching embedding models is work for the library worker.
    embedding_models: list[str] = field(default_factory=lambda: list(DEFAULT_EMBEDDING_MODELS))
    # The languages each model writes, by file name, where the user says so.
    writer_languages: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, instructions: str) -> ModelChoices:
        return cls(
            settings.model_path,
            settings.lora_path,
            settings.lora_scale,
            settings.system_prompt,
            instructions,
            settings.context_size,
            settings.gpu_layers,
            settings.threads,
            settings.temperature,
            settings.search_results,
            settings.ocr_enabled,
            list(settings.ocr_languages),
            list(settings.chosen_embedding_models()),
            {name: list(codes) for name, codes in settings.writer_languages.items()},
        )

    def apply_to(self, settings: Settings) -> None:
        settings.model_path = self.model_path
        settings.lora_path = self.lora_path
        settings.lora_scale = self.lora_scale
        settings.system_prompt = self.system_prompt
        settings.context_size = self.context_size
        settings.gpu_layers = self.gpu_layers
        settings.threads = self.threads
        settings.temperature = self.temperature
        settings.search_results = self.search_results
        settings.ocr_enabled = self.ocr_enabled
        settings.ocr_languages = list(self.ocr_languages)
        settings.writer_languages = {k: list(v) for k, v in self.writer_languages.items()}


def _file_row(edit: QLineEdit, browse: QPushButton, clear: QPushButton | None = None) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(browse)
    if clear is not None:
        layout.addWidget(clear)
    return row


# The built-in choices of embedding models, as the settings' "Embedding model" lists them,
# each with what it was measured to do here (README, "A stronger multilingual encoder": hybrid
# search, the first result right, on XQuAD's Russian and English sets and across the two;
# indexing speed beside the earlier default's).
EMBEDDING_CHOICES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "Multilingual, better search: e5-small and USE-m3 (default)",
        DEFAULT_EMBEDDING_MODELS,
        "First result right: Russian 95%, English 96%, Russian questions over English "
        "text 87%, the reverse 88%. Indexing at 0.7-0.8x the speed of the faster choice; "
        "about 1 GB of memory.",
    ),
    (
        "Multilingual + English, faster indexing: USE-m3 and MiniLM",
        FALLBACK_EMBEDDING_MODELS,
        "First result right: Russian 92%, English 96%, Russian questions over English "
        "text 77%, the reverse 76%. About 350 MB of memory.",
    ),
    ("Multilingual: USE-m3 only (fastest indexing)", (USE_M3,), ""),
    ("English only: MiniLM", (MINILM,), ""),
)


def embedding_languages(models: list[str]) -> str:
    return "; ".join(f"{describe(m).label}: {describe(m).languages}" for m in models)


class EmbeddingModelPicker(QWidget):
    """A built-in set of embedding models, or a sentence-transformers model folder."""

    def __init__(self, chosen: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for label, models, _ in EMBEDDING_CHOICES:
            self.combo.addItem(label, list(models))
        if not any(list(models) == chosen for _, models, _ in EMBEDDING_CHOICES):
            self.combo.addItem(f"Model folder: {', '.join(chosen)}", list(chosen))
        self.combo.setCurrentIndex(
            next(i for i in range(self.combo.count()) if self.combo.itemData(i) == chosen)
        )
        browse = QPushButton("Model folder…")
        browse.setToolTip("A sentence-transformers model folder, e.g. multilingual-e5 or bge-m3")
        browse.clicked.connect(self._pick_folder)
        self.languages = QLabel()
        self.languages.setWordWrap(True)
        self.combo.currentIndexChanged.connect(self._show_languages)
        self._show_languages()
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(browse)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow(row)
        layout.addRow(self.languages)

    def models(self) -> list[str]:
        return list(self.combo.currentData())

    def _show_languages(self) -> None:
        measured = next(
            (m for _, models, m in EMBEDDING_CHOICES if list(models) == self.models()), ""
        )
        self.languages.setText(
            "Reads "
            + embedding_languages(self.models())
            + ". "
            + (measured + " " if measured else "")
            + "Changing it re-embeds the library in the background; search keeps the current "
            "vectors until then."
        )

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a sentence-transformers model")
        if folder:
            self.combo.addItem(f"Model folder: {folder}", [folder])
            self.combo.setCurrentIndex(self.combo.count() - 1)


def _spin_box(setting: str) -> QSpinBox:
    """A spin box over the setting's valid values (core.settings.limits)."""
    box = QSpinBox()
    box.setRange(int(limits(setting).low), int(limits(setting).high))
    return box


def model_file_name(model_path: str, default_model: str) -> str:
    """The file name languages are kept under: the chosen model's, or the default's."""
    return Path(model_path or default_model).name


class ModelSettingsDialog(QDialog):
    def __init__(
        self,
        choices: ModelChoices,
        default_model: str,
        parent: QWidget | None,
        known_languages: str = "",
    ) -> None:
        """`known_languages`: what the app knows the chosen model writes, and from where."""
        super().__init__(parent)
        self.setWindowTitle("Model settings")
        self._default_model = default_model
        self._writer_languages = dict(choices.writer_languages)
        form = QFormLayout(self)
        rows = [
            *self._model_rows(choices, default_model, known_languages),
            *self._writing_rows(choices),
            *self._reading_rows(choices),
        ]
        for label, widget in rows:
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _model_rows(
        self, choices: ModelChoices, default_model: str, known_languages: str
    ) -> list[tuple[str, QWidget]]:
        """The model, its adapter and scale, and the languages it writes."""
        self.writes = QLineEdit(
            ", ".join(
                self._writer_languages.get(model_file_name(choices.model_path, default_model), [])
            )
        )
        self.writes.setPlaceholderText(known_languages or "as the model says")
        self.writes.setToolTip(
            "The languages this model writes, as ISO codes: en, ru, de… A question in another "
            "language gets its quotes and a note, and the model is not run. Empty: what the "
            "catalogue or the model file says."
        )
        self.model = QLineEdit(choices.model_path)
        self.model.setPlaceholderText(f"Default: {default_model}" if default_model else "")
        self.model.setToolTip("A GGUF chat model. Empty: the bundled default model.")
        browse_model = QPushButton("Browse…")
        browse_model.clicked.connect(lambda: self._pick(self.model, "Choose a GGUF model"))
        self.lora = QLineEdit(choices.lora_path)
        self.lora.setPlaceholderText("None")
        browse_lora = QPushButton("Browse…")
        browse_lora.clicked.connect(lambda: self._pick(self.lora, "Choose a LoRA adapter"))
        clear_lora = QPushButton("Clear")
        clear_lora.clicked.connect(self.lora.clear)
        self.scale = QSlider(Qt.Orientation.Horizontal)
        scale = limits("lora_scale")
        self.scale.setRange(round(scale.low * _SCALE_STEPS), round(scale.high * _SCALE_STEPS))
        self.scale.setValue(round(choices.lora_scale * _SCALE_STEPS))
        self.scale_label = QLabel()
        self.scale.valueChanged.connect(self._scale_changed)
        self._scale_changed(self.scale.value())
        scale_row = QWidget()
        scale_layout = QHBoxLayout(scale_row)
        scale_layout.setContentsMargins(0, 0, 0, 0)
        scale_layout.addWidget(self.scale, 1)
        scale_layout.addWidget(self.scale_label)
        return [
            ("Model (GGUF)", _file_row(self.model, browse_model)),
            ("LoRA adapter", _file_row(self.lora, browse_lora, clear_lora)),
            ("Languages it writes", self.writes),
            ("LoRA scale", scale_row),
        ]

    def _writing_rows(self, choices: ModelChoices) -> list[tuple[str, QWidget]]:
        """How the model writes: instructions, context, where and how fast it runs."""
        self.system_prompt = QPlainTextEdit(choices.system_prompt)
        self.system_prompt.setPlaceholderText("Empty: the built-in instructions")
        self.system_prompt.setMaximumHeight(70)
        self.instructions = QPlainTextEdit(choices.conversation_instructions)
        self.instructions.setPlaceholderText("Tone, language or role for this chat only")
        self.instructions.setMaximumHeight(70)
        self.context = _spin_box("context_size")
        self.context.setSingleStep(512)
        self.context.setValue(choices.context_size)
        self.gpu_layers = _spin_box("gpu_layers")
        self.gpu_layers.setSpecialValueText("all that fit")
        self.gpu_layers.setValue(choices.gpu_layers)
        self.threads = _spin_box("threads")
        self.threads.setSpecialValueText("automatic")
        self.threads.setValue(choices.threads)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(limits("temperature").low, limits("temperature").high)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(choices.temperature)
        return [
            ("Default instructions", self.system_prompt),
            ("This chat's instructions", self.instructions),
            ("Context size (tokens)", self.context),
            ("GPU layers", self.gpu_layers),
            ("Threads", self.threads),
            ("Temperature", self.temperature),
        ]

    def _reading_rows(self, choices: ModelChoices) -> list[tuple[str, QWidget]]:
        """What the model is given to read: passages, the embedding models, scans."""
        self.passages = _spin_box("search_results")
        self.passages.setValue(choices.search_results)
        self.embedding = EmbeddingModelPicker(choices.embedding_models)
        self.ocr = QCheckBox("Read scanned pages and images (OCR)")
        self.ocr.setChecked(choices.ocr_enabled)
        self.ocr_languages = QLineEdit("+".join(choices.ocr_languages))
        self.ocr_languages.setToolTip(
            "Tesseract's language codes joined by +, e.g. eng+rus+deu. Installed languages are "
            "listed by `librarian doctor`; files already indexed are not read again."
        )
        self.ocr.toggled.connect(self.ocr_languages.setEnabled)
        self.ocr_languages.setEnabled(choices.ocr_enabled)
        return [
            ("Passages per answer", self.passages),
            ("Embedding model", self.embedding),
            ("Scans", self.ocr),
            ("OCR languages", self.ocr_languages),
        ]

    def choices(self) -> ModelChoices:
        return ModelChoices(
            model_path=self.model.text().strip(),
            lora_path=self.lora.text().strip(),
            lora_scale=self.scale.value() / _SCALE_STEPS,
            system_prompt=self.system_prompt.toPlainText().strip(),
            conversation_instructions=self.instructions.toPlainText().strip(),
            context_size=self.context.value(),
            gpu_layers=self.gpu_layers.value(),
            threads=self.threads.value(),
            temperature=self.temperature.value(),
            search_results=self.passages.value(),
            ocr_enabled=self.ocr.isChecked(),
            ocr_languages=[x for x in self.ocr_languages.text().replace(" ", "+").split("+") if x]
            or ["eng"],
            embedding_models=self.embedding.models(),
            writer_languages=self._languages(),
        )

    def _languages(self) -> dict[str, list[str]]:
        """The mapping with the chosen model's languages as typed (none typed: forgotten)."""
        chosen = dict(self._writer_languages)
        name = model_file_name(self.model.text().strip(), self._default_model)
        codes = [c.strip().lower() for c in self.writes.text().replace(";", ",").split(",")]
        if any(codes):
            chosen[name] = [c for c in codes if c]
        else:
            chosen.pop(name, None)
        return chosen

    def _scale_changed(self, value: int) -> None:
        self.scale_label.setText(f"{value / _SCALE_STEPS:.2f}")

    def _pick(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, edit.text(), "GGUF files (*.gguf)")
        if path:
            edit.setText(path)
