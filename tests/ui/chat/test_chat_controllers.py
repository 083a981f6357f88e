"""The chat's controllers alone, without the window: Conversations handed the list, the chat
panel and the window's remembered state, on a real library; Asking handed the panel and a real
chat worker (the real model), answering into the transcript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.application import Library
from tests.conftest import Embedders
from tests.ui.conftest import ANSWER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def parts(qtbot, tmp_path: Path):  # Qt's types are imported lazily: no annotation
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QTabWidget, QWidget

    from desktop_app.ui.chat.chat_view import ChatPanel
    from desktop_app.ui.chat.conversation_list import ConversationList

    host = QWidget()
    qtbot.addWidget(host)
    chats, tabs, panel = ConversationList(host), QTabWidget(host), ChatPanel(host)
    tabs.addTab(chats, "Chats")
    state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    return host, chats, tabs, panel, state


def test_conversations_are_made_renamed_searched_deleted_and_the_last_one_reopens(
    qtbot, tmp_path: Path, embedders: Embedders
):
    from desktop_app.ui.chat.conversations import Conversations

    host, chats, tabs, panel, state = parts(qtbot, tmp_path)
    not_kept: list[str] = []
    with Library(tmp_path / "library", embedders=embedders) as library:
        conversations = Conversations(
            chats, tabs, panel, state, lambda title, q: True, not_kept.append, host
        )
        conversations.new()  # before the library is attached: nothing happens
        assert conversations.current is None and chats.ids() == []
        conversations.attach(library)
        conversations.new()
        first = conversations.current
        assert first is not None and chats.ids() == [first]
        conversations.new()  # the current chat is empty: it is used, not another made
        assert conversations.current == first and len(library.chats.all()) == 1
        library.chats.store.add_exchange(first, "Where is the lighthouse?", "West.", [], [])
        conversations.new()
        second = conversations.current
        assert second not in (None, first) and set(chats.ids()) == {first, second}
        conversations.rename(first, "Lighthouse")
        conversations.search("lighthouse")
        assert chats.visible_ids() == [first]
        conversations.search("")
        conversations.select(first)
        assert "Lighthouse" in panel.title.text()
        assert [m.content for m in panel.transcript.messages] == [
            "Where is the lighthouse?",
            "West.",
        ]
        conversations.remember()

        again = Conversations(chats, tabs, panel, state, lambda t, q: True, not_kept.append, host)
        again.attach(library)  # as at the next start: the chat last open is shown
        assert again.current == first and "Lighthouse" in panel.title.text()
        again.delete(first)
        assert again.current == second and chats.ids() == [second]
        assert not_kept == []


@pytest.fixture
def workers() -> Iterator[tuple[object, object]]:
    """A real chat worker and source worker, stopped after the test even when it fails."""
    from desktop_app.ui.chat.chat_worker import ChatWorker
    from desktop_app.ui.sources.source_worker import SourceWorker

    chat, sources = ChatWorker(), SourceWorker()
    yield chat, sources
    assert chat.close() and sources.close()


def test_asking_answers_into_the_transcript_on_a_real_chat_worker(
    qtbot, tmp_path: Path, embedders: Embedders, workers
):
    from PySide6.QtWidgets import QLabel, QTabWidget

    from desktop_app.ui.chat.asking import Asking, Feedback
    from desktop_app.ui.chat.conversations import Conversations
    from desktop_app.ui.sources.source_opener import SourceOpener
    from desktop_app.ui.sources.source_viewer import SourceViewer

    host, chats, tabs, panel, state = parts(qtbot, tmp_path)
    worker, source_worker = workers
    notes = tmp_path / "notes.md"
    notes.write_text("The lighthouse keeper logged a green flash at sunset.\n", encoding="utf-8")
    said: list[str] = []
    with Library(tmp_path / "library", embedders=embedders) as library:
        library.index([notes])
        conversations = Conversations(
            chats, tabs, panel, state, lambda t, q: True, said.append, host
        )
        conversations.attach(library)
        right = QTabWidget(host)
        right.addTab(QLabel("passages"), "Passages")
        viewer = SourceViewer(host)
        right.addTab(viewer, "Source")
        sources = SourceOpener(viewer, right, source_worker)
        feedback = Feedback(
            lambda m, ms: said.append(m), said.append, lambda w: None, lambda a: None, state
        )
        asking = Asking(panel, worker, conversations, sources, QLabel(host), feedback, host)
        worker.attach(library)
        worker.load()
        panel.composer.setPlainText("What did the lighthouse keeper log at sunset?")
        with qtbot.waitSignal(asking.answer_finished, timeout=ANSWER_TIMEOUT_MS):
            asking.send()
            assert asking.answering and panel.composer.toPlainText() == ""
        assert not asking.answering and said == []
        question, answer = panel.transcript.messages[-2:]
        assert question.content.startswith("What did the lighthouse keeper")
        assert answer.sources and Path(answer.sources[0].path) == notes.resolve()
        stored = library.chats.get(conversations.current).messages
        assert [m.role for m in stored] == ["user", "assistant"]
        asking.open_citation(len(panel.transcript.messages) - 1, 1)
        assert right.currentWidget() is viewer
