"""What an answer is (Answer, with its sources, quotes and timings) and how the model is asked
to write it (Writing): the records services.search.answering makes and the front ends read."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.core.conversation import Source
from desktop_app.core.quotes import Quote
from desktop_app.core.records import SearchHit
from desktop_app.core.settings import DEFAULTS

# What the model reads: the best sentences with their neighbours, or whole passages
# (bench.answers compares the two: README, "Answers").
WINDOWS = "windows"
PASSAGES = "passages"


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str
    # Source n is sources[n - 1]: the relevant passages (a follow-up's start with those of the
    # exchange before), whether or not the model was given them; quotes cite them too.
    sources: list[SearchHit]
    cited: list[int]
    grounded: bool  # False: nothing relevant was found, the model was not asked
    cancelled: bool = False
    citations_inferred: bool = False  # the model cited nothing; we matched sentences to passages
    prompt: list[dict[str, str]] = field(default_factory=list)  # the messages sent to the model
    timings: dict[str, float] = field(default_factory=dict)
    # Every passage the search returned, relevant or not, sent to the model or not: for showing
    # the user what the answer could have used (`sent` says what the model read).
    retrieved: list[SearchHit] = field(default_factory=list)
    # The sentences that best answer the question, verbatim: shown before the answer.
    quotes: list[Quote] = field(default_factory=list)
    writer_ran: bool = True  # False: the model was not run (quotes only, a language it lacks)
    # What the model read of each source: (n, start, end) spans of its page (or document).
    sent: list[tuple[int, int, int]] = field(default_factory=list)
    not_saved: str | None = None  # why the exchange could not be kept (a full disk)

    def source_records(self) -> list[Source]:
        return [
            Source(n, h.path, h.page, h.start, h.end, h.text, h.score)
            for n, h in enumerate(self.sources, start=1)
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.text,
            "sources": [
                {
                    "n": n,
                    "path": h.path,
                    "page": h.page,
                    "text": h.text,
                    "score": round(h.score, 6),
                    "start": h.start,
                    "end": h.end,
                }
                for n, h in enumerate(self.sources, start=1)
            ],
            "quotes": [q.as_dict() for q in self.quotes],
            "cited": self.cited,
            "grounded": self.grounded,
            "cancelled": self.cancelled,
            "citations_inferred": self.citations_inferred,
            "writer_ran": self.writer_ran,
            "timings": self.timings,
        }


@dataclass(frozen=True, slots=True)
class Writing:
    """How the model writes an answer: the settings' part of a question."""

    max_tokens: int = DEFAULTS.max_answer_tokens
    temperature: float = DEFAULTS.temperature
    system_prompt: str = ""  # empty: DEFAULT_SYSTEM_PROMPT
    instructions: str = ""  # the conversation's: tone, language, role
    # What the model reads: WINDOWS (the best sentences with their neighbours) or PASSAGES.
    evidence: str = WINDOWS
    allow_general: bool = False  # nothing relevant found: also its own answer, labelled


DEFAULT_WRITING = Writing()
