"""The child processes (services.child_process): each logs to a file of its own beside the
parent's, with the traceback of anything unexpected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.core import log_files
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
