"""bench.embedding times each MiniLM path on the same passages and checks their vectors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, needs_eval


@pytest.mark.long
@needs_eval
def test_every_path_gives_the_same_vectors_and_a_first_query_time() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.embedding", "--passages", "12", "--rounds", "1",
         "--batch", "16", "--json"],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    result = json.loads(done.stdout)
    paths = {row["path"]: row for row in result["paths"]}
    assert set(paths) == {
        "sentence-transformers, torch, batch 64 (before)",
        "sentence-transformers, torch, batch 16",
        "ONNX Runtime, batch 16",
    }
    assert all(row["cosine_min"] > 0.99999 and row["passages_per_s"] > 0 for row in paths.values())
    assert set(result["first_query_s"]) == {"onnx", "sentence-transformers"}
    assert all(mb > 50 for mb in result["first_query_rss_mb"].values())
