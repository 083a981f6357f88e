"""Examples that teach the answering model (a LoRA adapter), and the prompts it learns from.

An example is a question, the answer the model should give, and optionally the passages that
answer should use. Training prompts are the app's own answering prompts (core.prompts): the
same system prompt, grounding rules, numbered passages and question, so that the adapter learns
the task it will be used for, not a look-alike.

Examples come from a JSONL file (one object per line: "question", "answer", optional
"passages": a list of strings or of {"text", "title", "page"}), a CSV file (columns question,
answer, optional passages joined by a blank line), or answers kept in the app.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.conversation import Message
from desktop_app.core.prompts import DEFAULT_SYSTEM_PROMPT, TokenCount, build_prompt
from desktop_app.core.records import SearchHit

MIN_EXAMPLES = 8  # fewer teach noise: the held-out share would be empty or one example
HELD_OUT_SHARE = 0.15


class ExamplesError(ValueError):
    """The examples cannot be used; the message names the file, line and what is wrong."""


@dataclass(frozen=True, slots=True)
class ExamplePassage:
    text: str
    title: str = ""
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Example:
    question: str
    answer: str
    passages: tuple[ExamplePassage, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.answer,
            "passages": [{"text": p.text, "title": p.title, "page": p.page} for p in self.passages],
        }


def read_examples(path: Path) -> list[Example]:
    """Examples from a .jsonl or .csv file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExamplesError(f"cannot read {path.name}: {exc}") from exc
    if path.suffix.lower() == ".csv":
        return _from_csv(text, path.name)
    return _from_jsonl(text, path.name)


def write_examples(path: Path, examples: Sequence[Example]) -> None:
    """A .csv (question, answer, passages joined by a blank line: what read_examples reads
    back, less the passages' titles and pages) or JSONL for any other name."""
    if path.suffix.lower() == ".csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["question", "answer", "passages"])
        for e in examples:
            writer.writerow([e.question, e.answer, "\n\n".join(p.text for p in e.passages)])
        path.write_text(out.getvalue(), encoding="utf-8")
        return
    lines = (json.dumps(e.as_dict(), ensure_ascii=False) for e in examples)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def example_from_answer(question: str, answer: Message) -> Example:
    """An answer given in the app, kept as an example: the question, the answer as shown
    (or as the user corrected it), and the passages it was given, as the prompt named them."""
    passages = tuple(
        ExamplePassage(s.text, s.path.replace("\\", "/").rsplit("/", 1)[-1], s.page)
        for s in answer.sources
    )
    return Example(question.strip(), answer.content.strip(), passages)


def _from_jsonl(text: str, name: str) -> list[Example]:
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise ExamplesError(f"{name}, line {number}: not JSON ({exc})") from exc
        examples.append(_example(raw, f"{name}, line {number}"))
    return examples


def _from_csv(text: str, name: str) -> list[Example]:
    rows = csv.DictReader(io.StringIO(text))
    if not rows.fieldnames or not {"question", "answer"} <= set(rows.fieldnames):
        raise ExamplesError(f"{name}: the first row must name the columns question and answer")
    examples = []
    for number, row in enumerate(rows, start=2):
        passages = [p for p in (row.get("passages") or "").split("\n\n") if p.strip()]
        examples.append(_example({**row, "passages": passages}, f"{name}, line {number}"))
    return examples


def _example(raw: object, where: str) -> Example:
    if not isinstance(raw, dict):
        raise ExamplesError(f"{where}: expected an object with a question and an answer")
    question, answer = raw.get("question"), raw.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise ExamplesError(f"{where}: no question")
    if not isinstance(answer, str) or not answer.strip():
        raise ExamplesError(f"{where}: no answer")
    passages = []
    for item in raw.get("passages") or []:
        if isinstance(item, str):
            passages.append(ExamplePassage(item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            page = item.get("page")
            passages.append(
                ExamplePassage(
                    item["text"],
                    str(item.get("title") or ""),
                    page if isinstance(page, int) else None,
                )
            )
        else:
            raise ExamplesError(f"{where}: a passage must be a string or have a text")
    return Example(question.strip(), answer.strip(), tuple(passages))


def check_enough(examples: Sequence[Example]) -> None:
    if len(examples) < MIN_EXAMPLES:
        raise ExamplesError(
            f"{len(examples)} example(s) are too few: teaching needs at least {MIN_EXAMPLES}"
            f" ({MIN_EXAMPLES - len(examples)} more), and a few dozen work better"
        )


def split_held_out(
    examples: Sequence[Example], share: float = HELD_OUT_SHARE, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """(train, held out): a fixed shuffle, at least one held out, most kept for training."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    held = max(1, round(len(examples) * share)) if len(examples) >= 2 else 0
    held_ids = set(order[:held])
    train = [e for i, e in enumerate(examples) if i not in held_ids]
    return train, [e for i, e in enumerate(examples) if i in held_ids]


def example_hits(example: Example) -> list[SearchHit]:
    """The example's passages as the search would hand them to the prompt."""
    return [
        SearchHit(
            path=passage.title or f"passage {n}",
            title=passage.title,
            page=passage.page,
            start=0,
            end=len(passage.text),
            text=passage.text,
            score=1.0,
            chunk_ids=(),
        )
        for n, passage in enumerate(example.passages, start=1)
    ]


def prompt_messages(
    example: Example,
    count_tokens: TokenCount,
    context_size: int,
    answer_tokens: int,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    instructions: str = "",
) -> list[dict[str, str]]:
    """The messages the app would send for this question with these passages."""
    plan = build_prompt(
        example.question,
        example_hits(example),
        count_tokens,
        context_size,
        answer_tokens,
        system_prompt or DEFAULT_SYSTEM_PROMPT,
        instructions,
    )
    return plan.messages


# -- scoring an answer against the expected one -------------------------------------------------

_WORDS = re.compile(r"[^\W_]+(?:[\s'’-]+[^\W_]+)*", re.UNICODE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def answer_skeleton(text: str) -> str:
    """An answer's shape: its punctuation, brackets and lines, with every run of words as "w".
    "Answer: 1932 [1]" and "Answer: in late 1932 [2]" share "w: w [w]"."""
    lines = [" ".join(_WORDS.sub("w", line).split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def format_matches(answer: str, expected: str) -> bool:
    """Same shape and the same first word ("Answer:", "Итог:"): the format was followed."""
    first = _TOKEN.search(answer.strip())
    wanted = _TOKEN.search(expected.strip())
    same_lead = (first.group(0).casefold() if first else "") == (
        wanted.group(0).casefold() if wanted else ""
    )
    return same_lead and answer_skeleton(answer) == answer_skeleton(expected)


def overlap(answer: str, expected: str) -> float:
    """Token F1 between the answer and the expected one (SQuAD's measure), 0 to 1."""
    got = [t.casefold() for t in _TOKEN.findall(answer)]
    want = [t.casefold() for t in _TOKEN.findall(expected)]
    if not got or not want:
        return float(got == want)
    common = sum(min(got.count(t), want.count(t)) for t in set(want))
    if common == 0:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)
