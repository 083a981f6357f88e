"""What the front ends say while the library works with less than all of itself: a damaged
vector store set aside and rebuilt, models left out of search until then, a full disk that
keeps the vector store closed. Search goes on by words (and the models still whole) meanwhile.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from desktop_app.services.search.answer import Answer
from desktop_app.services.search.retrieval import Retriever
from desktop_app.services.store.conversations import ConversationStore
from desktop_app.services.store.health import Fault, fault_of, free_mb, machine_refusal
from desktop_app.services.store.vector_spaces import VectorSpaces
from desktop_app.services.store.vector_store_process import VectorStoreProcess


def keep_exchange(
    store: ConversationStore, conversation_id: int, answer: Answer, root: Path
) -> Answer:
    """Store a question and its answer in their conversation; on a full disk the answer is
    still given, saying it is not kept (`not_saved`)."""
    records = answer.source_records()
    try:
        store.add_exchange(
            conversation_id, answer.question, answer.text, records, answer.cited, answer.quotes
        )
    except Exception as exc:
        refusal = machine_refusal(exc, root, "ask again to keep the answer")
        if refusal is None:
            raise
        return dataclasses.replace(answer, not_saved=str(refusal))
    return answer


REBUILDING = "Meaning search is being rebuilt from the catalog"


def set_aside_notices(vectors: VectorStoreProcess) -> list[str]:
    """One notice per damaged vector store set aside since the last call."""
    said = [
        f"The vector store was damaged ({_first_line(reason)}); it was moved aside to {moved} "
        f"and is rebuilt from the catalog. {REBUILDING}: searching by words meanwhile."
        for moved, reason in vectors.set_aside_as
    ]
    vectors.set_aside_as.clear()
    return said


def unavailable_notice(exc: BaseException, root: Path) -> str:
    """The vector store cannot be opened for now (a full disk, a read-only folder)."""
    if fault_of(exc) is Fault.DISK_FULL:
        return (
            f"The disk holding your library is full ({free_mb(root)} MB free): searching "
            "without repairs until there is space"
        )
    return (
        f"The library's folder cannot be written ({_first_line(str(exc))}): searching without "
        "repairs"
    )


def degraded_notice(spaces: VectorSpaces, retriever: Retriever) -> str | None:
    rebuilding = spaces.rebuilding()
    if rebuilding:
        models = ", ".join(rebuilding)
        return f"{REBUILDING} ({models}): searching by words meanwhile."
    if retriever.unavailable:
        return f"Meaning search is paused: {_first_line(retriever.unavailable)}"
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown"
