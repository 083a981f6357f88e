"""Answers end to end: real index of a real PDF, real SmolLM2 through llama.cpp."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.cli.main import EXIT_OK, main
from desktop_app.core.cancel import CancelToken
from desktop_app.core.prompts import NOTHING_FOUND
from desktop_app.core.quotes import folded
from desktop_app.core.settings import Settings
from tests.conftest import FIXTURES, Embedders

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedders: Embedders) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("answering")
    docs = root / "docs"
    docs.mkdir()
    shutil.copy(FIXTURES / "ntsb_report.pdf", docs / "ntsb_report.pdf")
    (docs / "museum.txt").write_text("The city museum opens at ten o'clock on Sundays.\n")
    settings = Settings(context_size=2048, threads=2, max_answer_tokens=64)
    with Library(root / "data", settings, embedders=embedders) as lib:
        lib.index([docs])
        yield lib


def test_answer_cites_the_file_and_page(library: Library):
    answer = library.ask("Where did the accident happen?")
    assert answer.grounded and answer.text
    assert answer.cited, answer.text
    cited = [answer.sources[n - 1] for n in answer.cited]
    assert any(h.path.endswith("ntsb_report.pdf") and h.page == 1 for h in cited), answer
    assert answer.timings["prompt_tokens"] <= answer.timings["prompt_budget_tokens"]


def test_a_russian_question_gets_quotes_from_an_english_pdf_and_an_honest_line(
    library: Library,
):
    """Cross-lingual: the Russian question shares no word with the English report, the
    multilingual model finds its page and the quotes come from it. The bundled model writes
    English only: it is not run (no token streamed), and the answer says so and names a model
    that writes Russian with the command that gets it."""
    quoted: list[list] = []
    tokens: list[str] = []
    library.llm.close()
    answer = library.ask(
        "Где произошла авария самолёта?", on_quotes=quoted.append, on_token=tokens.append
    )
    assert answer.grounded and not answer.writer_ran
    assert library.llm.state.value == "empty"  # never even loaded
    assert any(h.path.endswith("ntsb_report.pdf") and h.page == 1 for h in answer.sources)
    assert quoted == [answer.quotes] and answer.quotes
    assert "writes English only" in answer.text and "Russian" in answer.text
    assert "librarian models get qwen2.5" in answer.text
    assert tokens == [answer.text]  # the line itself, no generated text


def test_quotes_are_verbatim_sentences_of_the_cited_page_before_the_answer(library: Library):
    events: list[str] = []
    answer = library.ask(
        "Where did the accident happen?",
        on_quotes=lambda quotes: events.append("quotes"),
        on_token=lambda piece: events.append("token"),
    )
    assert events[0] == "quotes" and "token" in events[1:]
    assert 1 <= len(answer.quotes) <= 3 and answer.writer_ran
    for quote in answer.quotes:
        source = answer.sources[quote.n - 1]
        assert (quote.path, quote.page) == (source.path, source.page)
        # The span points at the sentence in the page's text: the passage holds it there.
        offset = quote.start - source.start
        raw = source.text[offset : offset + quote.end - quote.start]
        assert folded(raw) == quote.text and quote.text[0].isalnum()
    assert any(q.path.endswith("ntsb_report.pdf") and q.page == 1 for q in answer.quotes)
    # The model read sentence windows: spans inside the sources it was given.
    assert answer.sent and all(
        answer.sources[n - 1].start <= start < end <= answer.sources[n - 1].end
        for n, start, end in answer.sent
    )


def test_a_follow_up_goes_on_from_what_the_model_read_and_wrote(library: Library):
    """The second question of a conversation is put after the first exchange exactly as the
    model read and wrote it (llama.cpp finds it in its cache); its sources keep their numbers."""
    chat = library.chats.new()
    first = library.ask("Where did the accident happen?", conversation_id=chat, max_tokens=24)
    second = library.ask(
        "What was the weather at the accident site?", conversation_id=chat, max_tokens=24
    )
    assert second.prompt[: len(first.prompt)] == first.prompt
    reply = second.prompt[len(first.prompt)]
    assert (reply["role"] == "assistant" and reply["content"].strip() == first.text.strip()) or (
        "[" in first.text  # citations the app added (inferred) are not what the model wrote
    )
    assert second.sources[: len(first.sources)] == first.sources
    assert all(1 <= q.n <= len(second.sources) for q in second.quotes)
    for quote in second.quotes:
        source = second.sources[quote.n - 1]
        assert (source.path, source.page) == (quote.path, quote.page)
    # A new conversation starts afresh.
    other = library.ask("What was the weather at the accident site?", max_tokens=8)
    assert other.prompt[0]["role"] == "system" and len(other.prompt) == 2


def test_a_follow_up_that_would_not_fit_starts_afresh_with_all_its_evidence(library: Library):
    """When the earlier exchange leaves no room in the context window, the follow-up is a new
    prompt (the history as plain turns) and reads its evidence again, numbered afresh."""
    chat = library.chats.new()
    first = library.ask("Where did the accident happen?", conversation_id=chat, max_tokens=24)
    # 2048-token context: an answer of up to 1,800 tokens leaves too little room after it.
    room = library.llm.context_size - 1800 - 48
    assert first.timings["prompt_tokens"] + 160 > room
    second = library.ask("Where did the accident happen?", conversation_id=chat, max_tokens=1800)
    assert second.prompt[: len(first.prompt)] != first.prompt  # not a continuation
    assert second.prompt[0]["role"] == "system"
    assert second.prompt[1] == {"role": "user", "content": "Where did the accident happen?"}
    assert second.sent and second.prompt[-1]["content"].startswith("Passages:")


def test_quotes_only_never_loads_the_model(library: Library):
    library.llm.close()
    answer = library.ask("When does the city museum open on Sundays?", quotes_only=True)
    assert not answer.writer_ran and answer.text == "" and library.llm.state.value == "empty"
    assert answer.quotes[0].text == "The city museum opens at ten o'clock on Sundays."
    assert answer.quotes[0].path.endswith("museum.txt")


def test_a_model_that_writes_russian_is_asked(library: Library):
    """The user says the bundled model writes Russian (a setting per model file): it is run."""
    name = Path(library.llm_config().model_path).name
    library.settings.writer_languages = {name: ["en", "ru"]}
    try:
        answer = library.ask("Где произошла авария самолёта?", max_tokens=8)
    finally:
        library.settings.writer_languages = {}
    assert answer.writer_ran and answer.quotes and answer.timings["tokens"] > 0


def test_question_about_something_absent_says_so(library: Library):
    answer = library.ask("What is the recipe for chocolate cake?")
    assert not answer.grounded and answer.text == NOTHING_FOUND and not answer.cited
    assert answer.sources  # the nearest passages are still shown


def test_cancel_mid_answer(library: Library):
    cancel = CancelToken()
    pieces: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        if len(pieces) == 2:
            cancel.cancel()

    answer = library.ask(
        "When does the city museum open on Sundays?", on_token=on_token, cancel=cancel
    )
    assert answer.cancelled and len(pieces) == 2


@pytest.mark.usefixtures("loaded_models")
def test_cli_ask_json_shape(capsys, tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "museum.txt").write_text("The city museum opens at ten o'clock on Sundays.\n")
    assert main(["--data-dir", str(tmp_path / "d"), "index", str(docs)]) == EXIT_OK
    capsys.readouterr()
    code = main(
        [
            "--data-dir",
            str(tmp_path / "d"),
            "ask",
            "When does the museum open on Sundays?",
            "--max-tokens",
            "32",
            "--json",
        ]
    )
    assert code == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert {"answer", "sources", "cited", "model", "lora", "timings"} <= set(result)
    assert result["model"].endswith(".gguf") and result["lora"] is None
    assert {"n", "path", "page", "text", "score"} <= set(result["sources"][0])
    assert {"retrieval_ms", "quotes_ms", "prompt_tokens", "first_token_s"} <= set(result["timings"])
    assert set(result["quotes"][0]) == {"text", "n", "path", "page", "start", "end", "score"}
    assert result["quotes"][0]["text"] == "The city museum opens at ten o'clock on Sundays."

    # The exchange was stored: it is listed and exports with its question.
    data = str(tmp_path / "d")
    assert main(["--data-dir", data, "chats", "--json"]) == EXIT_OK
    chats = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in chats] == [result["conversation"]]
    exported = tmp_path / "chat.md"
    assert (
        main(["--data-dir", data, "export", str(result["conversation"]), "-o", str(exported)]) == 0
    )
    markdown = exported.read_text()
    assert "**Question:** When does the museum open on Sundays?" in markdown
    assert "> The city museum opens at ten o'clock on Sundays. [1]" in markdown
    assert main(["--data-dir", data, "export", "999"]) == 2


@pytest.mark.usefixtures("loaded_models")
def test_cli_quotes_only_works_without_the_model_file(capsys, tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "museum.txt").write_text(
        "The city museum opens at ten o'clock on Sundays.\n\nThe cafe closes at six.\n"
    )
    data = str(tmp_path / "d")
    assert main(["--data-dir", data, "index", str(docs)]) == EXIT_OK
    settings = tmp_path / "d" / "settings.json"
    settings.write_text(json.dumps({"model_path": str(tmp_path / "gone.gguf")}))
    capsys.readouterr()
    question = "When does the museum open on Sundays?"
    code = main(["--data-dir", data, "ask", question, "--quotes-only", "--json"])
    assert code == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert result["writer_ran"] is False and result["answer"] == "" and result["model"] is None
    assert result["quotes"][0]["text"] == "The city museum opens at ten o'clock on Sundays."
    code = main(["--data-dir", data, "ask", question, "--quotes-only"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.startswith("> The city museum opens at ten o'clock on Sundays. [1]")


@pytest.mark.usefixtures("loaded_models")
def test_cli_ask_with_a_bad_adapter_answers_without_it_as_the_window_does(capsys, tmp_path: Path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x07" * 64)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "museum.txt").write_text("The city museum opens at ten o'clock on Sundays.\n")
    main(["--data-dir", str(tmp_path / "d"), "index", str(docs)])
    capsys.readouterr()
    ask = ["--data-dir", str(tmp_path / "d"), "ask", "When does the museum open?"]
    code = main([*ask, "--lora", str(bad), "--json"])
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert code == 0 and result["answer"] and result["sources"]
    assert result["lora"] is None and "damaged or truncated" in result["lora_refused"]
    notice = [line for line in err.splitlines() if "LoRA adapter" in line]
    assert notice == [f"librarian: the LoRA adapter was not applied: {result['lora_refused']}"]
    assert "Traceback" not in err


def test_conversations_survive_a_restart_and_export_with_citations(
    tmp_path: Path, embedders: Embedders
):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(FIXTURES / "ntsb_report.pdf", docs / "ntsb_report.pdf")
    settings = Settings(context_size=2048, threads=2, max_answer_tokens=48)
    with Library(tmp_path / "data", settings, embedders=embedders) as lib:
        lib.index([docs])
        chat = lib.chats.new("Answer in one sentence.")
        first = lib.ask("Where did the accident happen?", conversation_id=chat)
        lib.ask("And what was the weather?", conversation_id=chat)
    with Library(tmp_path / "data", settings, embedders=embedders) as lib:
        conversation = lib.chats.get(chat)
        assert [m.role for m in conversation.messages] == ["user", "assistant"] * 2
        assert conversation.messages[1].content == first.text
        assert conversation.instructions == "Answer in one sentence."
        # The follow-up was searched together with the first question: the weather page.
        assert any(s.page == 3 for s in conversation.messages[3].sources)
        markdown = lib.chats.export(chat)
    assert "**Question:** And what was the weather?" in markdown
    assert "ntsb_report.pdf`, page" in markdown


def test_general_answer_is_labelled_when_the_user_allows_it(library: Library):
    from desktop_app.core.prompts import GENERAL_ANSWER_LABEL

    library.settings.allow_general_answers = True
    try:
        answer = library.ask("What is the recipe for chocolate cake?", max_tokens=24)
    finally:
        library.settings.allow_general_answers = False
    assert not answer.grounded and not answer.cited
    assert answer.text.startswith(NOTHING_FOUND)
    assert GENERAL_ANSWER_LABEL in answer.text
    assert len(answer.text) > len(NOTHING_FOUND) + len(GENERAL_ANSWER_LABEL) + 5


def test_model_loads_in_the_background(library: Library):
    import threading

    from desktop_app.services.llm import ModelState

    library.llm.close()
    done = threading.Event()
    library.llm.load_in_background(library.llm_config(), lambda state, error: done.set())
    assert library.llm.state in (ModelState.LOADING, ModelState.READY)
    assert done.wait(60) and library.llm.state is ModelState.READY
    assert library.ask("When does the city museum open on Sundays?").grounded
