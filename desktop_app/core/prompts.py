"""Grounded prompts: numbered passages within a token budget, and the citations in answers.

The grounding rules are fixed; the user's system prompt and a conversation's instructions (tone,
language, role) are layered on top of them, never instead of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from desktop_app.core.records import SearchHit
from desktop_app.core.scripts import script_share

DEFAULT_SYSTEM_PROMPT = (
    "You are Librarian, a careful assistant that answers from the user's documents."
)

GROUNDING_RULES = (
    "Answer the question using only the numbered passages below. After each sentence, cite the "
    "passages it comes from as [1], [2]. If the passages do not contain the answer, say that "
    "the documents do not say. Be brief."
)


def answer_language_rule(question: str) -> str:
    """Passages may be in another language than the question (search is cross-lingual);
    without this, small models answer in the passages' language. A conversation's own
    instructions come after it, so "answer in English" still wins."""
    if script_share(question, frozenset({"cyrillic"})) >= 0.5:
        return "Write the answer in Russian, even when the passages are in another language."
    return (
        "Write the answer in the language of the question, even when the passages are in "
        "another language."
    )


NOTHING_FOUND = "I found nothing about this in your documents."
GENERAL_ANSWER_LABEL = "General answer, not from your documents:"


def general_knowledge_prompt(
    question: str, system_prompt: str = "", instructions: str = ""
) -> list[dict[str, str]]:
    """For users who allow it: the model's own knowledge, shown under GENERAL_ANSWER_LABEL."""
    system = "\n\n".join(
        p for p in (system_prompt.strip() or DEFAULT_SYSTEM_PROMPT, instructions.strip()) if p
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


TokenCount = Callable[[str], int]

_CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the model reads of one source: the whole passage, or its sentence windows."""

    n: int  # the number it is cited by
    hit: SearchHit
    text: str
    # The characters of the page (the document, without pages) the text was taken from.
    spans: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def whole(hit: SearchHit, n: int = 0) -> Evidence:
        """The whole passage."""
        return Evidence(n, hit, hit.text.strip(), ((hit.start, hit.end),))


@dataclass(frozen=True, slots=True)
class PromptPlan:
    messages: list[dict[str, str]]
    passages: list[SearchHit]  # the sources the model was given, in the prompt's order
    prompt_tokens: int  # as counted for the budget (the chat template adds a few more)
    budget_tokens: int  # what the context window (and the wanted first-token time) left
    evidence: list[Evidence] = field(default_factory=list)  # what was sent, as numbered
    # Of prompt_tokens, those of the earlier exchange that llama.cpp finds in its cache.
    cached_tokens: int = 0


def build_prompt(
    question: str,
    hits: Sequence[SearchHit],
    count_tokens: TokenCount,
    context_size: int,
    answer_tokens: int,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    instructions: str = "",
    history: Sequence[tuple[str, str]] = (),
    template_overhead: int = 48,
) -> PromptPlan:
    """Keep the best whole passages that fit the context window with room for the answer,
    numbered [1], [2] ... in the order kept.

    `history` holds the conversation's recent (question, answer) turns, oldest first; they are
    sent as earlier chat turns so that follow-up questions make sense to the model.
    """
    evidence = [Evidence.whole(hit) for hit in hits]
    budget = context_size - answer_tokens - template_overhead
    return build_evidence_prompt(
        question, evidence, count_tokens, budget, system_prompt, instructions, history, True
    )


def build_evidence_prompt(
    question: str,
    evidence: Sequence[Evidence],
    count_tokens: TokenCount,
    budget: int,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    instructions: str = "",
    history: Sequence[tuple[str, str]] = (),
    renumber: bool = False,
    earlier: Sequence[dict[str, str]] = (),
) -> PromptPlan:
    """The messages for `question` with as much of `evidence`, in order, as fits `budget`
    tokens (a piece that does not fit is passed over: a shorter one after it may). With
    `renumber`, the pieces kept are numbered 1, 2 ... in order; else each keeps its n.

    `earlier`: the messages of the conversation's last exchange exactly as the model read and
    wrote them (their evidence included): the new question follows them, so that llama.cpp
    finds them in its cache and reads only what is new (system prompt and history unused)."""
    question_part = f"Question: {question.strip()}"
    turns: list[dict[str, str]] = list(earlier)
    if not earlier:
        rules = f"{GROUNDING_RULES} {answer_language_rule(question)}"
        parts = (system_prompt.strip(), rules, instructions.strip())
        turns = [{"role": "system", "content": "\n\n".join(p for p in parts if p)}]
        for asked, answered in history:
            turns += [
                {"role": "user", "content": asked},
                {"role": "assistant", "content": answered},
            ]
    cached = sum(count_tokens(t["content"]) + 4 for t in earlier)
    used = count_tokens(question_part) + sum(count_tokens(t["content"]) + 4 for t in turns)
    kept: list[Evidence] = []
    blocks: list[str] = []
    for piece in evidence:
        n = len(kept) + 1 if renumber else piece.n
        block = _passage_block(n, piece.hit, piece.text)
        cost = count_tokens(block)
        if used + cost > budget:
            continue  # a shorter, lower-ranked passage may still fit
        kept.append(Evidence(n, piece.hit, piece.text, piece.spans))
        blocks.append(block)
        used += cost
    if blocks:
        user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\n{question_part}"
    else:  # a follow-up whose evidence the model has read already, above
        user = question_part if earlier else f"Passages:\n\n(no passages)\n\n{question_part}"
    messages = [*turns, {"role": "user", "content": user}]
    return PromptPlan(messages, [e.hit for e in kept], used, budget, kept, cached)


def _passage_block(n: int, hit: SearchHit, text: str) -> str:
    where = hit.title or hit.path.rsplit("/", 1)[-1]
    if hit.page is not None:
        where += f", page {hit.page}"
    return f"[{n}] ({where})\n{text}"


def cited_numbers(answer: str, passage_count: int) -> list[int]:
    """The passage numbers cited in `answer`, in order of first citation; numbers that point to
    no passage are dropped (a small model sometimes invents [7] with five passages)."""
    found: list[int] = []
    for match in _CITATION.finditer(answer):
        for raw in re.split(r"[,;]", match.group(1)):
            n = int(raw)
            if 1 <= n <= passage_count and n not in found:
                found.append(n)
    return found


def strip_invalid_citations(answer: str, passage_count: int) -> str:
    """Remove citation marks that point to no passage, so they are never shown."""

    def keep_valid(match: re.Match[str]) -> str:
        valid = [
            raw.strip()
            for raw in re.split(r"[,;]", match.group(1))
            if 1 <= int(raw) <= passage_count
        ]
        return f"[{', '.join(valid)}]" if valid else ""

    return _CITATION.sub(keep_valid, answer)


# A sentence ends at . ! ? … followed by white space or the end ("1.5" and "e.g" do not end it).
_SENTENCE = re.compile(r"(?:[^.!?…\n]|[.!?…](?=[^\s.!?…]))+[.!?…]*", re.UNICODE)


def infer_citations(
    answer: str,
    passages: Sequence[SearchHit],
    numbers: Sequence[int] | None = None,
    min_overlap: float = 0.5,
) -> str:
    """Add [n] after each sentence that mostly repeats passage n's words (`numbers` gives
    each passage's n when they are not 1, 2, ...).

    Small models (the bundled 135M one) often answer correctly from a passage without citing
    it. Rather than show an answer without sources, we cite the passage a sentence was evidently
    taken from: at least `min_overlap` of its index terms occur in that passage.
    """
    from desktop_app.core.lexical import index_terms

    passage_terms = [set(index_terms(p.text)) for p in passages]
    pieces: list[str] = []
    position = 0
    for match in _SENTENCE.finditer(answer):
        pieces.append(answer[position : match.start()])  # what lies between sentences
        position = match.end()
        sentence = match.group(0)
        terms = {t for t in index_terms(sentence) if t.isalpha()}  # numbers prove nothing
        best, best_overlap = 0, 0.0
        if len(terms) >= 3 and not _CITATION.search(sentence):
            for i, candidate in enumerate(passage_terms):
                overlap = len(terms & candidate) / len(terms)
                if overlap > best_overlap:
                    best, best_overlap = numbers[i] if numbers else i + 1, overlap
        if best and best_overlap >= min_overlap:
            body = sentence.rstrip()
            pieces.append(f"{body} [{best}]{sentence[len(body) :]}")
        else:
            pieces.append(sentence)
    pieces.append(answer[position:])
    return "".join(pieces)
