"""The model controller alone, without the window: handed a real chat worker (the real model),
the status label and the conversations, it loads the library's model and says where it runs,
applies Model settings (the conversation's instructions, other embedding models asked of the
indexing side), and reloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.embedding_models import MINILM, USE_M3
from desktop_app.core.model_state import ModelState
from tests.conftest import Embedders
from tests.ui.conftest import OPEN_TIMEOUT_MS

pytestmark = pytest.mark.e2e


@pytest.fixture
def chat_worker() -> Iterator[object]:
    from desktop_app.ui.chat.chat_worker import ChatWorker

    worker = ChatWorker()
    yield worker
    assert worker.close()  # no thread outlives its test


def test_the_controller_loads_the_model_and_applies_settings_without_a_window(
    qtbot, tmp_path: Path, embedders: Embedders, chat_worker
):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

    from desktop_app.ui.chat.chat_view import ChatPanel
    from desktop_app.ui.chat.conversation_list import ConversationList
    from desktop_app.ui.chat.conversations import Conversations
    from desktop_app.ui.models.model_controller import ModelController

    host = QWidget()
    qtbot.addWidget(host)
    panel, label = ChatPanel(host), QLabel(host)
    errors: list[str] = []
    state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    conversations = Conversations(
        ConversationList(host),
        QTabWidget(host),
        panel,
        state,
        lambda t, q: True,
        errors.append,
        host,
    )
    controller = ModelController(
        chat_worker, label, conversations, errors.append, lambda t, q: True, host
    )
    states: list[ModelState] = []
    controller.state_changed.connect(states.append)
    chosen: list[list[str]] = []
    controller.embedding_models_chosen.connect(chosen.append)
    with Library(tmp_path / "library", embedders=embedders) as library:
        conversations.attach(library)
        chat_worker.attach(library)
        controller.attach(library)
        assert label.text() == "Model: loading…"
        qtbot.waitUntil(lambda: ModelState.READY in states, timeout=OPEN_TIMEOUT_MS)
        assert "ready" in label.text() and errors == []

        dialog = controller.open_settings()
        assert dialog is not None
        choices = replace(
            dialog.choices(),
            conversation_instructions="Answer briefly.",
            embedding_models=[USE_M3, MINILM],
            context_size=1024,  # another configuration: the model is loaded again
        )
        dialog.reject()
        states.clear()
        controller.apply_settings(choices)  # instructions need a chat: one is made
        assert conversations.current is not None
        assert library.chats.get(conversations.current).instructions == "Answer briefly."
        assert "Answer briefly." in panel.title.text()
        assert chosen == [[USE_M3, MINILM]]  # the library's vectors: the indexing side's work
        assert library.settings.context_size == 1024
        qtbot.waitUntil(lambda: ModelState.READY in states, timeout=OPEN_TIMEOUT_MS)
        assert ModelState.LOADING in states and errors == []
