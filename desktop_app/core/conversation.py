"""Conversations as data, follow-up questions, and the Markdown export (pure Python)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop_app.core.quotes import Quote

_FOLLOW_UP_TERMS = 5  # fewer content words than this: the question leans on the previous one


@dataclass(frozen=True, slots=True)
class Source:
    n: int
    path: str
    page: int | None
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # "user" or "assistant"
    content: str
    sources: tuple[Source, ...] = ()
    cited: tuple[int, ...] = ()
    created_at: float = 0.0
    quotes: tuple[Quote, ...] = ()  # an answer's evidence, shown before its text


@dataclass(slots=True)
class Conversation:
    id: int
    title: str
    instructions: str = ""  # per-conversation tone, language, role
    created_at: float = 0.0
    updated_at: float = 0.0
    messages: list[Message] = field(default_factory=list)

    def recent_turns(self, turns: int = 2) -> list[tuple[str, str]]:
        """The last (question, answer) pairs, oldest first."""
        pairs: list[tuple[str, str]] = []
        for i in range(len(self.messages) - 1):
            first, second = self.messages[i], self.messages[i + 1]
            if first.role == "user" and second.role == "assistant":
                pairs.append((first.content, second.content))
        return pairs[-turns:]


def standalone_query(question: str, previous_questions: Sequence[str]) -> str:
    """The retrieval query for a question in a conversation.

    "And in 2019?" or "Who wrote it?" cannot be searched alone; a short question is searched
    together with the previous question, whose words carry the topic. (A 135M model cannot be
    trusted to rewrite questions, and this costs no model call.)
    """
    # Imported here: the stemmers cost 30 ms, and the window imports this module at start-up.
    from desktop_app.core.lexical import query_terms

    if not previous_questions or len(query_terms(question)) >= _FOLLOW_UP_TERMS:
        return question
    return f"{previous_questions[-1]} {question}"


def to_markdown(conversation: Conversation) -> str:
    lines = [f"# {conversation.title or 'Conversation'}", ""]
    if conversation.instructions:
        lines += [f"_Instructions: {conversation.instructions}_", ""]
    for message in conversation.messages:
        if message.role == "user":
            lines += [f"**Question:** {message.content}", ""]
            continue
        for said in message.quotes:
            page = f", page {said.page}" if said.page is not None else ""
            lines += [f"> {said.text} [{said.n}]", f"> — `{said.path}`{page}", ""]
        if message.content:
            lines += [message.content, ""]
        quoted = {q.n for q in message.quotes}
        cited = [s for s in message.sources if s.n in message.cited or s.n in quoted]
        if cited:
            lines.append("Sources:")
            for source in cited:
                page = f", page {source.page}" if source.page is not None else ""
                quote = " ".join(source.text.split())
                quote = quote if len(quote) <= 240 else quote[:237] + "..."
                lines.append(f'- [{source.n}] `{source.path}`{page}: "{quote}"')
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
