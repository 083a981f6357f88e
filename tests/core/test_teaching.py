"""Teaching examples: read from JSONL and CSV with line-numbered errors, a fixed held-out
split, and training prompts that are the app's own answering prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.conversation import Message, Source
from desktop_app.core.prompts import GROUNDING_RULES, build_prompt
from desktop_app.core.teaching import (
    MIN_EXAMPLES,
    Example,
    ExamplePassage,
    ExamplesError,
    check_enough,
    example_from_answer,
    example_hits,
    prompt_messages,
    read_examples,
    split_held_out,
    write_examples,
)


def words(text: str) -> int:
    return len(text.split())


def test_jsonl_and_csv_read_the_same_examples(tmp_path: Path):
    jsonl = tmp_path / "examples.jsonl"
    jsonl.write_text(
        json.dumps({"question": "Q1?", "answer": "Answer: A1 [1]", "passages": ["P one."]})
        + "\n\n"
        + json.dumps(
            {
                "question": "Q2?",
                "answer": "A2",
                "passages": [{"text": "P2", "title": "r.pdf", "page": 3}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    csv_file = tmp_path / "examples.csv"
    csv_file.write_text(
        "question,answer,passages\nQ1?,Answer: A1 [1],P one.\n"
        '"Вопрос, с запятой?",Ответ,"a\n\nb"\n',
        encoding="utf-8",
    )
    from_jsonl, from_csv = read_examples(jsonl), read_examples(csv_file)
    assert (
        from_jsonl[0]
        == from_csv[0]
        == Example("Q1?", "Answer: A1 [1]", (ExamplePassage("P one."),))
    )
    assert from_jsonl[1].passages == (ExamplePassage("P2", "r.pdf", 3),)
    assert from_csv[1].question == "Вопрос, с запятой?"
    assert [p.text for p in from_csv[1].passages] == ["a", "b"]
    # Kept examples round-trip through the app's own file.
    again = tmp_path / "kept.jsonl"
    write_examples(again, from_jsonl)
    assert read_examples(again) == from_jsonl


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"question": "Q?"}\n', "line 1: no answer"),
        ('{"question": "Q?", "answer": "A"}\nnot json\n', "line 2: not JSON"),
        ('{"question": " ", "answer": "A"}\n', "line 1: no question"),
        ('{"question": "Q", "answer": "A", "passages": [3]}\n', "a passage must be"),
    ],
)
def test_bad_examples_name_the_line(tmp_path: Path, content: str, message: str):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExamplesError, match=message):
        read_examples(path)


def test_a_csv_without_the_columns_says_so(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("q,a\nx,y\n", encoding="utf-8")
    with pytest.raises(ExamplesError, match="question and answer"):
        read_examples(path)


def test_too_few_examples_say_how_many_more():
    few = [Example(f"Q{n}", "A") for n in range(3)]
    needed = rf"at least {MIN_EXAMPLES} \({MIN_EXAMPLES - 3} more\)"
    with pytest.raises(ExamplesError, match=needed):
        check_enough(few)
    check_enough([Example(f"Q{n}", "A") for n in range(MIN_EXAMPLES)])


def test_the_held_out_share_is_fixed_and_disjoint():
    examples = [Example(f"Q{n}", f"A{n}") for n in range(40)]
    train, held = split_held_out(examples)
    assert len(held) == 6 and len(train) == 34
    assert not {e.question for e in train} & {e.question for e in held}
    assert split_held_out(examples) == (train, held)  # the same split every time


def test_training_prompts_are_the_apps_answering_prompts():
    example = Example(
        "When was the bridge finished?",
        "Answer: 1932 [1]",
        (ExamplePassage("The bridge was finished in 1932.", "bridges.pdf", 4),),
    )
    messages = prompt_messages(example, words, 4096, 256)
    expected = build_prompt(example.question, example_hits(example), words, 4096, 256).messages
    assert messages == expected
    assert GROUNDING_RULES in messages[0]["content"]
    assert "[1] (bridges.pdf, page 4)\nThe bridge was finished in 1932." in messages[-1]["content"]
    assert messages[-1]["content"].endswith("Question: When was the bridge finished?")


def test_examples_written_as_csv_read_back_with_their_passages_text(tmp_path: Path):
    examples = [
        Example("Q1, with a comma?", 'Answer: "one"\nsecond line [1]', (ExamplePassage("P1"),)),
        Example("Q2?", "A2", (ExamplePassage("P2a", "r.pdf", 3), ExamplePassage("P2b"))),
        Example("Q3?", "A3"),
    ]
    path = tmp_path / "out.csv"
    write_examples(path, examples)
    back = read_examples(path)
    assert [(e.question, e.answer) for e in back] == [(e.question, e.answer) for e in examples]
    assert [[p.text for p in e.passages] for e in back] == [["P1"], ["P2a", "P2b"], []]


def test_an_answer_kept_in_the_app_prompts_as_it_was_answered():
    sources = (
        Source(1, "/docs/ntsb report.pdf", 4, 0, 9, "The wing.", 0.9),
        Source(2, "C:\\notes\\field.md", None, 5, 9, "Fog.", 0.5),
    )
    answer = Message("assistant", " The wing failed [1]. ", sources, (1,))
    example = example_from_answer(" What failed? ", answer)
    assert example.question == "What failed?" and example.answer == "The wing failed [1]."
    assert example.passages == (
        ExamplePassage("The wing.", "ntsb report.pdf", 4),
        ExamplePassage("Fog.", "field.md", None),
    )
    # The training prompt names the passages as the answering prompt named them.
    user = prompt_messages(example, words, 2048, 128)[-1]["content"]
    assert "ntsb report.pdf" in user and "field.md" in user and "The wing." in user
