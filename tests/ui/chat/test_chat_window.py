"""Asking in the window: streamed answers, citations that open the source at the page, Stop,
model and LoRA switching."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl

from tests.e2e.test_llm import write_adapter
from tests.ui.conftest import ANSWER_TIMEOUT_MS, INDEX_TIMEOUT_MS

pytestmark = pytest.mark.e2e

QUESTION = "What happened to the Reims F172 near Chevroux?"


def indexed_window(make_window, documents, qtbot):
    window = make_window()
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.add_paths([str(documents / "ntsb_report.pdf"), str(documents / "notes.md")])
    return window


def ask(window, qtbot, question: str) -> None:
    window.chat.composer.setPlainText(question)
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        qtbot.keyClick(window.chat.composer, Qt.Key.Key_Return)  # Enter sends
        assert window.asking.answering
        assert window.chat.stop_button.isEnabled()


def test_answer_streams_and_its_citation_opens_the_pdf_at_the_page(make_window, documents, qtbot):
    window = indexed_window(make_window, documents, qtbot)
    tokens: list[str] = []
    window.chat_worker.token.connect(tokens.append)
    ask(window, qtbot, QUESTION)

    assert len(tokens) > 3  # streamed piece by piece
    transcript = window.chat.transcript
    answer = transcript.messages[-1]
    assert answer.role == "assistant" and answer.sources and answer.cited
    assert transcript.messages[-2].content == QUESTION
    assert "Sources:" in transcript.toPlainText()
    assert window.chat.composer.toPlainText() == ""
    assert "tokens/s" in window.speed_label.text()
    assert "ready" in window.model_label.text() and "CPU" in window.model_label.text()

    # The passages panel shows what was retrieved and what the model was given.
    assert window.passages.tree.topLevelItemCount() >= len(answer.sources)
    assert "Prompt:" in window.passages.budget.text()
    assert "quotes at" in window.passages.budget.text()
    # Which sentences were quoted and which the model read, in the passage's text.
    panel = window.passages
    quoted_rows = [i for i, (quotes, _) in enumerate(panel.marks) if quotes]
    read_rows = [i for i, (_, sent) in enumerate(panel.marks) if sent]
    assert quoted_rows and read_rows
    panel.tree.setCurrentItem(panel.tree.topLevelItem(quoted_rows[0]))
    shown = panel.text.toHtml()
    assert "#ffd84d" in shown and "read by the model" in panel.text.toPlainText()

    number = answer.cited[0]
    source = answer.sources[number - 1]
    transcript.anchorClicked.emit(QUrl(f"cite:{len(transcript.messages) - 1}/{number}"))
    viewer = window.viewer
    assert window.right_tabs.currentWidget() is viewer
    assert viewer.path == source.path
    assert viewer.current_pdf_page() == source.page - 1
    assert viewer.highlighted  # the passage was found in the PDF's text and highlighted

    # The exchange is stored: selecting the conversation again shows it.
    window.conversations.select(window.conversations.current)
    assert transcript.messages[-1].content == answer.content


def test_a_markdown_citation_opens_the_text_view_at_the_passage(make_window, documents, qtbot):
    window = indexed_window(make_window, documents, qtbot)
    text = (documents / "notes.md").read_text(encoding="utf-8")
    start = text.index("Fog rolled")
    viewer = window.viewer
    window.sources.open(str(documents / "notes.md"), None, start, start + 20, "Fog rolled")
    qtbot.waitUntil(lambda: viewer.highlighted, timeout=30_000)  # the text is read off-thread
    assert viewer.pages.currentWidget() is viewer.text_view
    cursor = viewer.text_view.textCursor()
    assert cursor.position() == start


def test_stop_ends_the_answer_and_keeps_what_was_said(make_window, documents, qtbot):
    window = indexed_window(make_window, documents, qtbot)
    window.chat.composer.setPlainText(QUESTION)
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.asking.send()
        qtbot.keyClick(window, Qt.Key.Key_Escape)  # Esc stops
    assert not window.asking.answering
    assert not window.chat.stop_button.isEnabled()
    assert window.chat.send_button.isEnabled()
    assert "stopped" in window.statusBar().currentMessage().lower()
    stored = window.library.chats.get(window.conversations.current)
    assert [m.role for m in stored.messages] == ["user", "assistant"]


def test_answers_only_from_the_documents_asked_about(make_window, documents, qtbot):
    window = indexed_window(make_window, documents, qtbot)
    notes = str(documents / "notes.md")
    window.library_panel.ask_within_requested.emit([notes])  # Library: "Ask about these only"
    bar = window.chat.scope
    assert bar.isVisibleTo(window) and "notes.md" in bar.label.text()
    answers: list = []
    window.chat_worker.answered.connect(lambda answer, _id: answers.append(answer))
    ask(window, qtbot, QUESTION)  # about the PDF, which is out of scope
    qtbot.waitUntil(lambda: bool(answers))  # the worker's signal may land after the window's
    assert answers[0].retrieved
    assert {hit.path for hit in answers[0].retrieved} == {notes}
    assert {source.path for source in window.chat.transcript.messages[-1].sources} <= {notes}
    bar.clear_button.click()
    assert not bar.isVisibleTo(window) and bar.paths == []
    # A document that was skipped (damaged) has nothing to answer from: said, not a silent blank.
    window.asking.set_scope([str(documents / "broken.pdf")])
    window.chat.composer.setPlainText(QUESTION)
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        window.asking.send()
    assert "Nothing is indexed in broken.pdf" in window.errors[-1]
    assert "Could not answer" in window.chat.transcript.messages[-1].content


def test_model_and_lora_switching_with_a_bad_adapter(make_window, documents, qtbot, tmp_path):
    window = indexed_window(make_window, documents, qtbot)
    states: list[str] = []
    window.model_state_changed.connect(states.append)

    # A bad adapter: a readable message, the model keeps answering without it.
    bad = tmp_path / "bad-adapter.gguf"
    write_adapter(bad, zero_b=False, wrong_width=True)
    dialog = window.model.open_settings()
    dialog.lora.setText(str(bad))
    dialog.scale.setValue(50)
    dialog.accept()
    qtbot.waitUntil(
        lambda: any("LoRA adapter was not applied" in e for e in window.errors),
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert window.library.settings.lora_scale == 0.5
    ask(window, qtbot, QUESTION)
    assert window.chat.transcript.messages[-1].sources  # answered, app alive

    # A good adapter is offered when dropped, and loaded.
    good = write_adapter(tmp_path / "good-adapter.gguf", zero_b=True)
    window.add_paths([str(good)])
    qtbot.waitUntil(lambda: window.library.settings.lora_path == str(good))
    qtbot.waitUntil(
        lambda: (
            window.library.llm.config is not None
            and window.library.llm.config.lora_path == str(good)
        ),
        timeout=ANSWER_TIMEOUT_MS,
    )

    # A bad model file: the error is shown, and the app goes on (switching back works).
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 1000)
    dialog = window.model.open_settings()
    dialog.model.setText(str(broken))
    dialog.lora.clear()
    dialog.accept()
    qtbot.waitUntil(lambda: "failed" in states, timeout=ANSWER_TIMEOUT_MS)
    assert "failed" in window.model_label.text()
    assert "broken.gguf" in window.model_label.toolTip()  # the reason, at hand
    dialog = window.model.open_settings()
    dialog.model.clear()
    dialog.accept()
    qtbot.waitUntil(lambda: states[-1] == "ready", timeout=ANSWER_TIMEOUT_MS)
    ask(window, qtbot, QUESTION)
    assert window.chat.transcript.messages[-1].sources


def test_conversations_new_rename_search_delete(make_window, documents, qtbot):
    window = indexed_window(make_window, documents, qtbot)
    ask(window, qtbot, QUESTION)
    first = window.conversations.current
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N
    assert window.conversations.current != first
    assert window.chat.transcript.messages == []
    window.chats.rename(first, "Aviation")  # as edited in place
    assert window.library.chats.get(first).title == "Aviation"
    window.chats.search.setText("chevroux")  # found in the messages, not the title
    assert window.chats.visible_ids() == [first]
    window.chats.search.clear()
    window.conversations.delete(first)
    assert first not in window.chats.ids()


def test_shift_enter_is_a_new_line(make_window, qtbot):
    window = make_window()
    composer = window.chat.composer
    qtbot.keyClicks(composer, "first")
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer, "second")
    assert composer.toPlainText() == "first\nsecond"
    assert not window.asking.answering


def test_status_bar_shows_the_gpu_and_the_layers_on_it(make_window, qtbot, monkeypatch):
    """A GPU build (simulated: this machine has none) puts the model's layers on the card and
    says so: back-end, card and layers in the status bar, memory and the reason in its tooltip."""
    import llama_cpp

    from desktop_app.services.llm import gpu as gpu_module
    from desktop_app.services.llm.gpu import GpuDevice

    card = GpuDevice("CUDA0", "Test card", 6 * 1024**3, 8 * 1024**3)
    monkeypatch.setattr(llama_cpp, "llama_supports_gpu_offload", lambda: True)
    monkeypatch.setattr(gpu_module, "gpu_devices", lambda: [card])
    window = make_window()
    window.chat_worker.load()
    qtbot.waitUntil(lambda: "layers on the GPU" in window.model_label.text(), timeout=60_000)
    assert "Test card · 30/30 layers on the GPU" in window.model_label.text()
    tooltip = window.model_label.toolTip()
    assert "6.0 of 8.0 GiB free" in tooltip and "fits in the GPU's free memory" in tooltip


def test_quotes_come_first_and_a_quote_opens_its_sentence_highlighted_and_readable(
    make_window, documents, qtbot
):
    from PySide6.QtGui import QGuiApplication

    from desktop_app.ui.sources.pdf_view import READABLE_LINE_PX

    window = indexed_window(make_window, documents, qtbot)
    transcript = window.chat.transcript
    events: list[str] = []  # the worker's signals, in the order it sent them
    on_screen: list[tuple[str, str]] = []  # the transcript when it showed the quotes

    window.chat_worker.quotes_ready.connect(lambda quotes: events.append("quotes"))
    window.chat_worker.token.connect(lambda piece: events.append("token"))
    transcript.quotes_shown.connect(
        lambda: on_screen.append((transcript.toPlainText(), transcript.streaming or ""))
    )
    ask(window, qtbot, QUESTION)
    assert events[0] == "quotes" and "token" in events
    answer = transcript.messages[-1]
    assert 1 <= len(answer.quotes) <= 3
    shown, written = on_screen[0]
    assert answer.quotes[0].text in " ".join(shown.split()) and written == ""  # before the model
    rendered = " ".join(transcript.toPlainText().split())
    assert rendered.index(answer.quotes[0].text) < rendered.index("Sources:")

    # A click on a quote opens its page with that sentence highlighted, not the whole passage.
    index = len(transcript.messages) - 1
    quote = next(q for q in answer.quotes if q.path.endswith("ntsb_report.pdf"))
    number = answer.quotes.index(quote) + 1
    transcript.anchorClicked.emit(QUrl(f"quote:{index}/{number}"))
    viewer = window.viewer
    assert viewer.path == quote.path and viewer.current_pdf_page() == quote.page - 1
    assert viewer.highlighted
    view = viewer.pdf_view
    sentence_lines = len(view.highlight_rects)
    source = answer.sources[quote.n - 1]
    window.sources.open(source.path, source.page, source.start, source.end, source.text)
    assert len(view.highlight_rects) > sentence_lines  # the whole passage has more lines
    transcript.anchorClicked.emit(QUrl(f"quote:{index}/{number}"))
    # Zoomed so that the sentence's lines are tall enough to read, and scrolled to them.
    heights = sorted(r.height() for r in view.highlight_rects)
    line_px = heights[len(heights) // 2] * view._scale()
    assert line_px >= READABLE_LINE_PX - 0.5 and not view.follow_width
    assert (
        view.page_rect(view.highlight_page).top()
        + min(r.top() for r in view.highlight_rects) * view._scale()
        < view.viewport().height()
    )
    viewer.fit_button.click()
    assert view.follow_width

    transcript.anchorClicked.emit(QUrl(f"copy-quotes:{index}"))
    assert quote.text in QGuiApplication.clipboard().text()
    # Quotes are kept with the conversation.
    window.conversations.select(window.conversations.current)
    assert transcript.messages[-1].quotes == answer.quotes


def test_a_russian_question_gets_quotes_and_an_offer_not_the_small_models_russian(
    make_window, documents, qtbot
):
    window = indexed_window(make_window, documents, qtbot)
    tokens: list[str] = []
    window.chat_worker.token.connect(tokens.append)
    ask(window, qtbot, "Где произошла авария самолёта?")
    answer = window.chat.transcript.messages[-1]
    assert answer.quotes and any(q.path.endswith("ntsb_report.pdf") for q in answer.quotes)
    assert "writes English only" in answer.content and "Russian" in answer.content
    assert "librarian models get" in answer.content and "Get models" in answer.content
    assert tokens == [answer.content]  # the line alone: the model wrote nothing
    assert "Keep as example" not in window.chat.transcript.toPlainText()  # nothing to learn

    # The user knows better: Model settings → "Languages it writes" for this model.
    dialog = window.model.open_settings()
    assert "English" in dialog.writes.placeholderText()
    dialog.writes.setText("en, ru")
    dialog.accept()
    name = next(iter(window.library.settings.writer_languages))
    assert window.library.settings.writer_languages == {name: ["en", "ru"]}
    window.library.settings.max_answer_tokens = 8
    tokens.clear()
    ask(window, qtbot, "Где произошла авария самолёта?")
    assert "writes English only" not in window.chat.transcript.messages[-1].content
    assert tokens  # the model wrote this one
