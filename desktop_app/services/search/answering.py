"""Answers with citations: retrieve, fit the best passages into the prompt, generate, map the
cited numbers back to the passages."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation import Source, standalone_query
from desktop_app.core.prompts import (
    DEFAULT_SYSTEM_PROMPT,
    GENERAL_ANSWER_LABEL,
    NOTHING_FOUND,
    build_prompt,
    cited_numbers,
    general_knowledge_prompt,
    infer_citations,
    strip_invalid_citations,
)
from desktop_app.core.records import SearchHit
from desktop_app.core.relevance import RelevanceThresholds, is_relevant
from desktop_app.services.llm import LlmEngine
from desktop_app.services.search.retrieval import Retriever


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str
    sources: list[SearchHit]  # source n is sources[n - 1]
    cited: list[int]
    grounded: bool  # False: nothing relevant was found, the model was not asked
    cancelled: bool = False
    citations_inferred: bool = False  # the model cited nothing; we matched sentences to passages
    prompt: list[dict[str, str]] = field(default_factory=list)  # the messages sent to the model
    timings: dict[str, float] = field(default_factory=dict)
    # Every passage the search returned, relevant or not, sent to the model or not: for showing
    # the user what the answer could have used (sources are the ones it was given).
    retrieved: list[SearchHit] = field(default_factory=list)

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
            "cited": self.cited,
            "grounded": self.grounded,
            "cancelled": self.cancelled,
            "citations_inferred": self.citations_inferred,
            "timings": self.timings,
        }


class AnswerService:
    def __init__(self, retriever: Retriever, engine: LlmEngine) -> None:
        self.retriever = retriever
        self.engine = engine
        self.thresholds = RelevanceThresholds()

    def ask(
        self,
        question: str,
        *,
        k: int = 5,
        max_tokens: int = 384,
        temperature: float = 0.0,
        system_prompt: str = "",
        instructions: str = "",
        on_token: Callable[[str], None] | None = None,
        cancel: CancelToken | None = None,
        history: Sequence[tuple[str, str]] = (),
        allow_general: bool = False,
        within: Sequence[str] | None = None,
    ) -> Answer:
        """Answer `question` (from the documents at `within` only, when given); `history`
        holds the conversation's recent turns, if any."""
        started = time.perf_counter()
        query = standalone_query(question, [q for q, _ in history])
        nearest = self.retriever.search(query, k, within=within)
        retrieval_ms = (time.perf_counter() - started) * 1000
        hits = [h for h in nearest if is_relevant(query, h, self.thresholds)]
        if not hits:
            # Never let the model answer from its own memory as if it were documented:
            # say so, and show the nearest passages for the user to judge.
            timings: dict[str, float] = {"retrieval_ms": round(retrieval_ms, 1)}
            text = NOTHING_FOUND
            if on_token is not None:
                on_token(text)
            if allow_general:
                messages = general_knowledge_prompt(question, system_prompt, instructions)
                label = f"\n\n{GENERAL_ANSWER_LABEL} "
                if on_token is not None:
                    on_token(label)
                generation = self.engine.chat(messages, max_tokens, temperature, on_token, cancel)
                text += label + generation.text.strip()
                timings["tokens"] = generation.tokens
            return Answer(
                question, text, nearest, [], grounded=False, timings=timings, retrieved=nearest
            )
        plan = build_prompt(
            question,
            hits,
            self.engine.count_tokens,
            self.engine.context_size,
            max_tokens,
            system_prompt or DEFAULT_SYSTEM_PROMPT,
            instructions,
            history,
        )
        generation = self.engine.chat(plan.messages, max_tokens, temperature, on_token, cancel)
        text = strip_invalid_citations(generation.text.strip(), len(plan.passages))
        inferred = not cited_numbers(text, len(plan.passages))
        if inferred:
            text = infer_citations(text, plan.passages)
        return Answer(
            question=question,
            text=text,
            sources=plan.passages,
            cited=cited_numbers(text, len(plan.passages)),
            grounded=True,
            cancelled=generation.cancelled,
            citations_inferred=inferred and bool(cited_numbers(text, len(plan.passages))),
            prompt=plan.messages,
            timings={
                "retrieval_ms": round(retrieval_ms, 1),
                "prompt_tokens": plan.prompt_tokens,
                "prompt_budget_tokens": plan.budget_tokens,
                "first_token_s": round(generation.first_token_s, 3),
                "tokens": generation.tokens,
                "tokens_per_s": round(generation.tokens_per_s, 1),
            },
            retrieved=nearest,
        )
