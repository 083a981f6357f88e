"""What the front ends say while the library works with less than all of itself: a damaged
vector store set aside and rebuilt, models left out of search until then, a full disk that
keeps the vector store closed. Search goes on by words (and the models still whole) meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.services.search.retrieval import Retriever
from desktop_app.services.store.health import free_mb
from desktop_app.services.store.vector_spaces import VectorSpaces
from desktop_app.services.store.vector_store_process import VectorStoreProcess

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
    if "full" in str(exc).lower() or "space" in str(exc).lower():
        return (
            f"The disk holding your library is full ({free_mb(root)} MB free): searching "
            "without repairs until there is space"
        )
    return f"The vector store cannot be opened for writing ({_first_line(str(exc))})"


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
