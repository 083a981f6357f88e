"""Model > Teach… in the real window: examples from a file, the loss drawn as it falls, base
and adapter compared on the held-out examples, "Use this adapter" loads it; too few examples
are a message in the dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.conftest import FIXTURES
from tests.ui.conftest import ANSWER_TIMEOUT_MS

pytestmark = pytest.mark.e2e

TEACH_TIMEOUT_MS = 600_000


@pytest.mark.long
def test_teach_an_adapter_in_the_window_and_use_it(make_window, qtbot, tmp_path: Path):
    window = make_window()
    dialog = window.model.open_teach_dialog()
    dialog.examples.setText(str(FIXTURES / "teach_examples.jsonl"))
    dialog.name.setText("answer-format")
    dialog.steps.setValue(4)
    qtbot.mouseClick(dialog.teach_button, Qt.MouseButton.LeftButton)
    assert not dialog.teach_button.isEnabled()
    # Not waitSignal: the worker's signals are emitted on its thread, and pytest-qt's blocker
    # would stop its GUI-thread timer from there.
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1, timeout=TEACH_TIMEOUT_MS)
    qtbot.waitUntil(dialog.use_button.isEnabled, timeout=TEACH_TIMEOUT_MS)
    assert len(dialog.plot.losses) == 4
    assert dialog.plot.losses[-1] < dialog.plot.losses[0]  # the loss fell
    assert dialog.table.rowCount() == 2  # the held-out examples, base and adapter
    assert dialog.table.item(0, 3).text()
    assert "Format followed" in dialog.scores.text()
    assert "is ready" in dialog.status.text()
    dialog.plot.grab()  # it paints

    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.library.llm.config is not None
            and (window.library.llm.config.lora_path or "").endswith("answer-format/adapter.gguf")
        ),
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert not window.errors


def test_too_few_examples_are_a_message(make_window, qtbot, tmp_path: Path):
    few = tmp_path / "few.jsonl"
    lines = (FIXTURES / "teach_examples.jsonl").read_text(encoding="utf-8").splitlines(True)
    few.write_text("".join(lines[:3]), encoding="utf-8")
    window = make_window()
    dialog = window.model.open_teach_dialog()
    dialog.examples.setText(str(few))
    qtbot.mouseClick(dialog.teach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "too few" in dialog.status.text(), timeout=30_000)
    assert dialog.teach_button.isEnabled() and not dialog.use_button.isEnabled()
