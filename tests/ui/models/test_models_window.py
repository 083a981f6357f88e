"""Model > Get models… in the real window: the catalogue says what fits this machine, a model
downloads from a loopback stand-in for Hugging Face (tests/hf_server.py), "Use this model"
switches to it and the window answers with it; cancel, a damaged file and a missing one each
end in a message and a usable app; a deleted model in use falls back to the bundled one."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.ui.models.models_dialog import RECOMMENDED
from tests.hf_server import FILE, REPO_ID, HubServer
from tests.ui.chat.test_chat_window import QUESTION, ask, indexed_window
from tests.ui.conftest import ANSWER_TIMEOUT_MS, OPEN_TIMEOUT_MS

pytestmark = pytest.mark.e2e

DOWNLOAD_TIMEOUT_MS = 120_000


def open_catalogue(window, qtbot):
    dialog = window.model.open_models_dialog()
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 5, timeout=OPEN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: dialog.installed_table.rowCount() >= 1)
    return dialog


def installed_names(dialog) -> list[str]:
    table = dialog.installed_table
    return [table.item(n, 0).text() for n in range(table.rowCount())]


def download(dialog, qtbot, repo: str = REPO_ID, file: str = FILE) -> None:
    ended: list[object] = []
    dialog.worker.download_finished.connect(ended.append)
    dialog.worker.download_failed.connect(lambda kind, message: ended.append(kind))
    dialog.repo.setText(repo)
    dialog.file.setText(file)
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(ended), timeout=DOWNLOAD_TIMEOUT_MS)
    qtbot.waitUntil(dialog.download_button.isEnabled)  # the dialog has shown the end too


def test_from_the_catalogue_to_an_answer_with_a_downloaded_model(
    make_window, documents, qtbot, hub: HubServer
):
    window = indexed_window(make_window, documents, qtbot)
    dialog = open_catalogue(window, qtbot)
    assert "This machine:" in dialog.machine_label.text()
    fits = [dialog.table.item(n, 2).text() for n in range(dialog.table.rowCount())]
    assert sum(RECOMMENDED in fit for fit in fits) == 1, fits
    assert all(dialog.table.item(n, 5).text() for n in range(dialog.table.rowCount()))  # why
    assert installed_names(dialog) == ["smollm2-135m"]
    assert hub.faults.requests == []  # opening the catalogue asked nothing of the network

    download(dialog, qtbot)
    assert "SHA-256 checked" in dialog.status.text(), dialog.status.text()
    assert dialog.use_downloaded.isEnabled()
    qtbot.waitUntil(lambda: "tiny-writer-q4" in installed_names(dialog))

    qtbot.mouseClick(dialog.use_downloaded, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            "tiny-writer-q4" in window.model_label.text() and "ready" in window.model_label.text()
        ),
        timeout=ANSWER_TIMEOUT_MS,
    )
    ask(window, qtbot, QUESTION)
    assert window.library.llm.config.model_path.endswith(FILE)
    assert window.chat.transcript.messages[-1].content.strip()

    # Deleting the model in use: the file goes, the bundled model answers again.
    path = Path(window.library.llm.config.model_path)
    dialog.installed_table.selectRow(installed_names(dialog).index("tiny-writer-q4"))
    assert dialog.delete_button.isEnabled()
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)  # confirm: yes
    qtbot.waitUntil(lambda: "tiny-writer-q4" not in installed_names(dialog))
    assert not path.exists()
    qtbot.waitUntil(
        lambda: "SmolLM2" in window.model_label.text() and "ready" in window.model_label.text(),
        timeout=ANSWER_TIMEOUT_MS,
    )


def test_cancel_and_failed_downloads_end_in_a_message(make_window, qtbot, hub: HubServer):
    window = make_window()
    dialog = open_catalogue(window, qtbot)

    hub.faults.seconds_per_chunk = 0.05
    dialog.repo.setText(REPO_ID)
    dialog.file.setText(FILE)
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "MB/s" in dialog.status.text(), timeout=DOWNLOAD_TIMEOUT_MS)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text(), timeout=5_000)
    assert dialog.download_button.isEnabled() and not dialog.use_downloaded.isEnabled()

    hub.faults.seconds_per_chunk = 0.0
    hub.faults.wrong_sha256 = True
    download(dialog, qtbot)
    assert "damaged" in dialog.status.text() and "deleted" in dialog.status.text()

    download(dialog, qtbot, file="missing.gguf")
    assert "not found" in dialog.status.text()
    assert installed_names(dialog) == ["smollm2-135m"]
    assert window.library is not None and not window.errors  # no error dialogs, app usable
