"""The Model settings dialog offers exactly the values the settings accept."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

from desktop_app.core.settings import Settings, limits
from desktop_app.ui.settings.settings_dialog import ModelChoices, ModelSettingsDialog


def test_every_control_spans_its_settings_range(qtbot):
    dialog = ModelSettingsDialog(ModelChoices.from_settings(Settings(), ""), "model.gguf", None)
    qtbot.addWidget(dialog)
    boxes: dict[str, QSpinBox | QDoubleSpinBox] = {
        "context_size": dialog.context,
        "gpu_layers": dialog.gpu_layers,
        "threads": dialog.threads,
        "temperature": dialog.temperature,
        "search_results": dialog.passages,
    }
    for name, box in boxes.items():
        assert (box.minimum(), box.maximum()) == (limits(name).low, limits(name).high), name
    scale = limits("lora_scale")
    assert dialog.scale.minimum() == round(scale.low * 100)
    assert dialog.scale.maximum() == round(scale.high * 100)
