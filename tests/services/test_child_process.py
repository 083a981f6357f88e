"""The child processes (services.child_process): each logs to a file of its own beside the
parent's, with the traceback of anything unexpected; the background ones run at a lower
priority unless told otherwise."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core import log_files
from desktop_app.services.child_process import (
    NICENESS,
    NICENESS_VARIABLE,
    lower_priority,
    start_child,
)
from desktop_app.services.store.vector_store import VectorStoreError
from desktop_app.services.store.vector_store_process import VectorStoreProcess


def test_the_vector_store_process_logs_its_failures_to_its_own_file(tmp_path: Path):
    log_files.setup(tmp_path / "logs")
    try:
        store = VectorStoreProcess(tmp_path / "vectors")
        store.add("coll-one", ["a:0"], np.ones((1, 4), dtype=np.float32), [{"doc_id": "a"}])
        with pytest.raises(VectorStoreError):
            store.query("coll-one", [1.0] * 7, 1)  # the wrong dimension: Chroma refuses
        store.close()
    finally:
        log_files.shutdown()
    text = (tmp_path / "logs" / "vector-store.log").read_text(encoding="utf-8")
    assert "vector store: query failed" in text and "Traceback" in text
    assert not (tmp_path / "logs" / "librarian.log").exists()  # the parent logged nothing


def _niceness_after_lowering(conn: Connection) -> None:
    before = os.nice(0)
    lower_priority()
    conn.send(os.nice(0) - before)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process niceness on this system")
@pytest.mark.parametrize(
    ("variable", "lowered"), [(None, NICENESS), ("0", 0), ("3", 3), ("x", NICENESS)]
)
def test_background_children_run_nicer_unless_told(
    monkeypatch: pytest.MonkeyPatch, variable: str | None, lowered: int
):
    if variable is None:
        monkeypatch.delenv(NICENESS_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(NICENESS_VARIABLE, variable)
    process, conn = start_child(_niceness_after_lowering, "niceness", "niceness")
    assert conn.recv() == lowered
    process.join(10)
