"""Answers kept as teaching examples in the real window: 👍 under a real answer keeps it with
its passages, "Edit, then keep" keeps the corrected answer, the Teach window lists the set,
edits, deletes and exports it, and teaching starts from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl

from desktop_app.core.teaching import read_examples
from tests.conftest import FIXTURES
from tests.ui.chat.test_chat_window import ask
from tests.ui.conftest import INDEX_TIMEOUT_MS

pytestmark = pytest.mark.e2e

CORRECTED = "Answer: a green flash at sunset [1]"


def test_answers_kept_in_the_chat_teach_from_the_teach_window(
    make_window, documents, qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from desktop_app.ui.teaching.examples_dialogs import KeepExampleDialog

    window = make_window()
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.add_paths([str(documents / "notes.md")])
    ask(window, qtbot, "What did the lighthouse keeper log?")
    transcript = window.chat.transcript
    answer_index = len(transcript.messages) - 1
    answer = transcript.messages[answer_index]
    assert answer.sources and "Keep as example" in transcript.toPlainText()

    transcript.anchorClicked.emit(QUrl(f"keep:{answer_index}"))  # 👍
    kept = window.library.teaching.kept
    [first] = kept.read("my-answers")
    assert first.question == "What did the lighthouse keeper log?"
    assert first.answer == answer.content.strip()
    assert first.passages and first.passages[0].title == "notes.md"
    assert "Kept as an example in “my-answers”" in transcript.toPlainText()
    assert "Kept as example 1" in window.statusBar().currentMessage()

    def corrected(dialog: KeepExampleDialog) -> int:  # the user edits, renames the set, keeps
        dialog.answer.setPlainText(CORRECTED)
        dialog.set_name.setCurrentText("lighthouse")
        return 1

    monkeypatch.setattr(KeepExampleDialog, "exec", corrected)
    ask(window, qtbot, "When did fog roll in?")
    transcript.anchorClicked.emit(QUrl(f"keep-edit:{len(transcript.messages) - 1}"))
    [second] = kept.read("lighthouse")
    assert second.answer == CORRECTED and second.question == "When did fog roll in?"

    # A message that is not an answer cannot be kept.
    window.asking._failed("the model file is gone")
    assert "Keep as example" not in transcript.toPlainText().split("Could not answer")[1]

    # The Teach window offers the sets; Edit… corrects, deletes and exports.
    for example in read_examples(FIXTURES / "teach_examples.jsonl")[:11]:
        kept.keep("lighthouse", example)
    dialog = window.model.open_teach_dialog()
    labels = [dialog.source.itemText(i) for i in range(dialog.source.count())]
    assert labels == ["Kept answers: lighthouse (12)", "Kept answers: my-answers (1)", "A file:"]
    assert dialog.name.text() == "lighthouse" and not dialog.examples.isVisible()
    editor = dialog.edit_kept()
    editor.table.item(0, 1).setText("Answer: at sunset [1]")
    assert kept.read("lighthouse")[0].answer == "Answer: at sunset [1]"
    editor.table.item(0, 0).setText("  ")  # an emptied question is put back
    assert editor.table.item(0, 0).text() == "When did fog roll in?"
    editor.table.selectRow(11)
    editor.delete_selected()
    assert len(kept.read("lighthouse")) == 11
    assert editor.export_to(tmp_path / "lighthouse.csv") == 11
    assert read_examples(tmp_path / "lighthouse.csv")[0].answer == "Answer: at sunset [1]"
    editor.close()
    assert dialog.source.currentText() == "Kept answers: lighthouse (11)"

    # Too few kept answers: the dialog says how many more; enough: teaching starts from them.
    dialog.source.setCurrentIndex(dialog.source.findData("my-answers"))
    qtbot.mouseClick(dialog.teach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "too few" in dialog.status.text(), timeout=30_000)
    dialog.source.setCurrentIndex(dialog.source.findData("lighthouse"))
    dialog.steps.setValue(2)
    qtbot.mouseClick(dialog.teach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "on 9 examples" in dialog.status.text(), timeout=60_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    # Cancel stops the run at once, whatever its step (it was queued behind the run and
    # waited for its end, which a busy machine made take minutes).
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text().lower(), timeout=15_000)
    assert dialog.teach_button.isEnabled()
    assert not window.errors[1:]  # the one error is the failed answer shown above
