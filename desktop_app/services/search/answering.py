"""Answers with citations: retrieve, quote the best sentences, give the model those sentences
with their neighbours (or whole passages) within a budget, generate, map the cited numbers back
to the passages (the records: services.search.answer)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from desktop_app.core.cancel import CancelToken
from desktop_app.core.conversation import standalone_query
from desktop_app.core.prompts import (
    DEFAULT_SYSTEM_PROMPT,
    GENERAL_ANSWER_LABEL,
    NOTHING_FOUND,
    Evidence,
    PromptPlan,
    build_evidence_prompt,
    cited_numbers,
    general_knowledge_prompt,
    infer_citations,
    strip_invalid_citations,
)
from desktop_app.core.quotes import Quote
from desktop_app.core.records import SearchHit
from desktop_app.core.relevance import RelevanceThresholds, is_relevant
from desktop_app.core.settings import DEFAULTS
from desktop_app.services.llm import LlmEngine
from desktop_app.services.search.answer import (
    DEFAULT_WRITING,
    WINDOWS,
    Answer,
    Writing,
)
from desktop_app.services.search.quoting import Candidates, QuoteFinder
from desktop_app.services.search.retrieval import Retriever

# The writer's first token should come about this soon after the quotes; the budget of
# evidence tokens follows the model's measured prompt speed on this machine.
FIRST_TOKEN_TARGET_S = 1.0
DEFAULT_EVIDENCE_TOKENS = 600  # before the model's first answer has measured its speed
MIN_EVIDENCE_TOKENS = 160
MAX_WINDOW_SEEDS = 6  # best sentences given with their neighbours, at most
TEMPLATE_OVERHEAD = 48  # tokens the chat template adds around the messages (build_prompt's)
_REMEMBERED_CONVERSATIONS = 8  # follow-ups go on from the last exchange of this many
FOLLOW_UP_SHARE = 1 / 3  # of the evidence budget, for what a follow-up has not read yet


@dataclass(frozen=True, slots=True)
class _Exchange:
    """A conversation's last exchange as the model read and wrote it."""

    messages: list[dict[str, str]]  # the prompt and the reply exactly as generated
    sources: list[SearchHit]  # numbered as the model was told
    read: frozenset[tuple[str, tuple[int, int]]]  # (path, span) of every piece it was given
    question: str
    answer: str  # as stored in the conversation


@dataclass(frozen=True, slots=True)
class _Found:
    """What the search found for a question, before the model writes."""

    nearest: list[SearchHit]  # every passage returned
    hits: list[SearchHit]  # the relevant ones
    candidates: Candidates
    earlier: _Exchange | None  # the exchange a follow-up continues
    sources: list[SearchHit]
    number: dict[tuple[str, int | None, int], int]  # each source's number
    quotes: list[Quote]
    timings: dict[str, float]


def _key(hit: SearchHit) -> tuple[str, int | None, int]:
    return (hit.path, hit.page, hit.start)


def _numbered(
    earlier: _Exchange | None, hits: list[SearchHit]
) -> tuple[list[SearchHit], dict[tuple[str, int | None, int], int]]:
    """The sources and their numbers: a follow-up continues what the model read and wrote
    last in this conversation, so the sources it was given keep their numbers and new ones
    are numbered after them."""
    sources = list(earlier.sources) if earlier else []
    number = {_key(h): n for n, h in enumerate(sources, start=1)}
    for hit in hits:
        if _key(hit) not in number:
            sources.append(hit)
            number[_key(hit)] = len(sources)
    return sources, number


def _cited(written: str, sources: list[SearchHit], given: list[int]) -> tuple[str, bool]:
    """The answer with only valid citations, and whether they had to be inferred (the model
    cited none): from the sources it was given, numbered `given`."""
    text = strip_invalid_citations(written.strip(), len(sources))
    inferred = not cited_numbers(text, len(sources))
    if inferred:
        text = infer_citations(text, [sources[n - 1] for n in given], given)
    return text, inferred


class AnswerService:
    def __init__(self, retriever: Retriever, engine: LlmEngine) -> None:
        self.retriever = retriever
        self.engine = engine
        self.quoting = QuoteFinder(retriever.spaces)
        self.thresholds = RelevanceThresholds()
        # Prompt tokens evaluated per second by each model (by file), measured on the answers
        # themselves: the sentence windows' budget follows it (see _evidence_budget).
        self.prompt_speed: dict[str, float] = {}
        self._exchanges: dict[int, _Exchange] = {}  # by conversation, the latest last

    def ask(
        self,
        question: str,
        *,
        k: int = DEFAULTS.search_results,
        writing: Writing = DEFAULT_WRITING,
        on_token: Callable[[str], None] | None = None,
        on_quotes: Callable[[list[Quote]], None] | None = None,
        cancel: CancelToken | None = None,
        history: Sequence[tuple[str, str]] = (),
        within: Sequence[str] | None = None,
        write: bool = True,
        instead: str = "",
        conversation: int | None = None,
    ) -> Answer:
        """Answer `question` (from the documents at `within` only, when given); `history`
        holds the conversation's recent turns, if any.

        The quotes (the sentences that best answer it) go to `on_quotes` as soon as the search
        is done. Without `write` the model is not run: the answer is the quotes and `instead`
        (a question in a language the model cannot write; `ask --quotes-only`); `writing`
        says how the model writes. In a `conversation`, a follow-up goes on from the last
        exchange as the model read it, so that llama.cpp evaluates only what is new."""
        started = time.perf_counter()
        query = standalone_query(question, [q for q, _ in history])
        nearest = self.retriever.search(query, k, within=within)
        retrieval_ms = (time.perf_counter() - started) * 1000
        hits = [h for h in nearest if is_relevant(query, h, self.thresholds)]
        if not hits:
            general = writing.allow_general and write
            return self._nothing_found(
                question, nearest, retrieval_ms, on_token, general, writing, cancel
            )
        candidates = self.quoting.candidates(query, hits)
        follows = writing.evidence == WINDOWS
        earlier = self._continued(conversation, history, writing.max_tokens) if follows else None
        sources, number = _numbered(earlier, hits)
        quotes = [replace(q, n=number[_key(hits[q.n - 1])]) for q in candidates.quotes()]
        timings: dict[str, float] = {
            "retrieval_ms": round(retrieval_ms, 1),
            "quotes_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if on_quotes is not None:
            on_quotes(quotes)
        if not write:
            if instead and on_token is not None:
                on_token(instead)
            return Answer(
                question, instead, sources, [], grounded=True, timings=timings,
                retrieved=nearest, quotes=quotes, writer_ran=False,
            )  # fmt: skip
        found = _Found(nearest, hits, candidates, earlier, sources, number, quotes, timings)
        return self._write(question, found, writing, history, on_token, cancel, conversation)

    def _write(
        self,
        question: str,
        found: _Found,
        writing: Writing,
        history: Sequence[tuple[str, str]],
        on_token: Callable[[str], None] | None,
        cancel: CancelToken | None,
        conversation: int | None,
    ) -> Answer:
        """The model's answer from what the search found, its citations checked."""
        earlier, number, sources = found.earlier, found.number, found.sources
        read = earlier.read if earlier else frozenset()

        def unread(pieces: list[Evidence]) -> list[Evidence]:
            """The pieces numbered as the sources are, less those the model has read."""
            renumbered = [replace(e, n=number[_key(e.hit)]) for e in pieces]
            return [e for e in renumbered if not {(e.hit.path, s) for s in e.spans} <= read]

        if writing.evidence == WINDOWS:
            plan = self._windows_prompt(
                question, lambda seeds: unread(found.candidates.evidence(seeds)),
                len(found.candidates.features), writing, history,
                earlier.messages if earlier else (),
            )  # fmt: skip
        else:
            plan = build_evidence_prompt(
                question, unread([Evidence.whole(h) for h in found.hits]),
                self.engine.count_tokens, self._room(writing.max_tokens),
                writing.system_prompt or DEFAULT_SYSTEM_PROMPT, writing.instructions, history,
            )  # fmt: skip
        generation = self.engine.chat(
            plan.messages, writing.max_tokens, writing.temperature, on_token, cancel
        )
        self._note_speed(plan.prompt_tokens - plan.cached_tokens, generation.first_token_s)
        text, inferred = _cited(generation.text, sources, [e.n for e in plan.evidence])
        if conversation is not None and not generation.cancelled:
            self._remember(conversation, plan, generation.text, question, text, sources, read)
        timings = {
            **found.timings,
            "prompt_tokens": plan.prompt_tokens,
            "prompt_budget_tokens": plan.budget_tokens,
            "first_token_s": round(generation.first_token_s, 3),
            "tokens": generation.tokens,
            "tokens_per_s": round(generation.tokens_per_s, 1),
        }
        cited = cited_numbers(text, len(sources))
        return Answer(
            question, text, sources, cited, grounded=True, cancelled=generation.cancelled,
            citations_inferred=inferred and bool(cited), prompt=plan.messages, timings=timings,
            retrieved=found.nearest, quotes=found.quotes,
            sent=[(e.n, start, end) for e in plan.evidence for start, end in e.spans],
        )  # fmt: skip

    def _continued(
        self, conversation: int | None, history: Sequence[tuple[str, str]], max_tokens: int
    ) -> _Exchange | None:
        """The conversation's last exchange as the model read and wrote it, when it is still
        the last one (a quotes-only answer or a restart since: None) and leaves room for a
        follow-up (else the conversation starts afresh, with its history as plain turns)."""
        last = self._exchanges.get(conversation) if conversation is not None else None
        if last is None or not history or history[-1] != (last.question, last.answer):
            return None
        read = sum(self.engine.count_tokens(m["content"]) + 4 for m in last.messages)
        return last if read + MIN_EVIDENCE_TOKENS <= self._room(max_tokens) else None

    def _remember(
        self,
        conversation: int,
        plan: PromptPlan,
        written: str,
        question: str,
        answer: str,
        sources: list[SearchHit],
        read: frozenset[tuple[str, tuple[int, int]]],
    ) -> None:
        messages = [*plan.messages, {"role": "assistant", "content": written}]
        now_read = read | {(e.hit.path, s) for e in plan.evidence for s in e.spans}
        self._exchanges.pop(conversation, None)
        self._exchanges[conversation] = _Exchange(messages, sources, now_read, question, answer)
        while len(self._exchanges) > _REMEMBERED_CONVERSATIONS:
            self._exchanges.pop(next(iter(self._exchanges)))

    def _nothing_found(
        self,
        question: str,
        nearest: list[SearchHit],
        retrieval_ms: float,
        on_token: Callable[[str], None] | None,
        allow_general: bool,
        writing: Writing,
        cancel: CancelToken | None,
    ) -> Answer:
        """Never let the model answer from its own memory as if it were documented: say so,
        and show the nearest passages for the user to judge."""
        timings: dict[str, float] = {"retrieval_ms": round(retrieval_ms, 1)}
        text = NOTHING_FOUND
        if on_token is not None:
            on_token(text)
        if allow_general:
            messages = general_knowledge_prompt(
                question, writing.system_prompt, writing.instructions
            )
            label = f"\n\n{GENERAL_ANSWER_LABEL} "
            if on_token is not None:
                on_token(label)
            generation = self.engine.chat(
                messages, writing.max_tokens, writing.temperature, on_token, cancel
            )
            text += label + generation.text.strip()
            timings["tokens"] = generation.tokens
        return Answer(
            question, text, nearest, [], grounded=False, timings=timings, retrieved=nearest,
            writer_ran=allow_general,
        )  # fmt: skip

    def _windows_prompt(
        self,
        question: str,
        pieces: Callable[[int], list[Evidence]],
        units: int,
        writing: Writing,
        history: Sequence[tuple[str, str]],
        earlier: Sequence[dict[str, str]] = (),
    ) -> PromptPlan:
        """The prompt with the best sentences and their neighbours (`pieces(seeds)` for the
        `seeds` best): as many as the budget (_evidence_budget) holds, one best sentence more
        at a time. After `earlier` messages (a follow-up) the budget is for what is new."""
        count = self.engine.count_tokens
        before = sum(count(m["content"]) + 4 for m in earlier)
        room = self._room(writing.max_tokens)
        # A follow-up's new evidence gets a share of the budget: what the model read for the
        # questions before stays in its context, in llama.cpp's cache.
        new = int(self._evidence_budget(writing.max_tokens) * (FOLLOW_UP_SHARE if earlier else 1))
        budget = min(room, before + new)
        system = writing.system_prompt or DEFAULT_SYSTEM_PROMPT
        instructions = writing.instructions
        best: PromptPlan | None = None
        for seeds in range(1, MAX_WINDOW_SEEDS + 1):
            found = pieces(seeds)
            plan = build_evidence_prompt(
                question, found, count, budget, system, instructions, history, False, earlier
            )
            if best is None and found and not plan.evidence:
                # The best sentence always goes, even past a follow-up's budget: an answer
                # without evidence for its question is worse than a slower one.
                single = found[:1]
                best = build_evidence_prompt(
                    question, single, count, room, system, instructions, history, False, earlier
                )
                break
            if best is not None and len(plan.evidence) < len(found):
                break  # the budget is used up: this many no longer fit whole
            best = plan
            if seeds >= units:
                break
        assert best is not None
        return best

    def _room(self, max_tokens: int) -> int:
        """The context window's tokens for the prompt: the answer's and the chat template's
        share taken off."""
        return self.engine.context_size - max_tokens - TEMPLATE_OVERHEAD

    def _evidence_budget(self, max_tokens: int) -> int:
        """Prompt tokens for about FIRST_TOKEN_TARGET_S of prompt evaluation at this model's
        measured speed (DEFAULT_EVIDENCE_TOKENS before its first answer), within the context
        window's room."""
        room = self._room(max_tokens)
        speed = self.prompt_speed.get(self._model_key())
        wanted = DEFAULT_EVIDENCE_TOKENS if speed is None else int(speed * FIRST_TOKEN_TARGET_S)
        return max(MIN_EVIDENCE_TOKENS, min(room, wanted))

    def _note_speed(self, prompt_tokens: int, first_token_s: float) -> None:
        if first_token_s <= 0 or prompt_tokens < 64:
            return
        key = self._model_key()
        measured = prompt_tokens / first_token_s
        previous = self.prompt_speed.get(key)
        # A moving average: one slow answer (the machine was busy) does not halve the budget.
        self.prompt_speed[key] = measured if previous is None else 0.7 * previous + 0.3 * measured

    def _model_key(self) -> str:
        config = self.engine.config
        return "" if config is None else config.model_path
