"""bench/gpu.py is run on a lent GPU machine, rarely: check here that it still works, on the
CPU with tiny models, and that its sdist trimming keeps what the build needs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bench.gpu import MKMODEL, trim_sdist

ROOT = Path(__file__).resolve().parents[2]


def test_trimmed_sdist_keeps_the_sources(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tar.gz"
    with tarfile.open(whole, "w:gz") as tar:
        for name in ("pkg/CMakeLists.txt", "pkg/vendor/llama.cpp/src/llama.cpp",
                     "pkg/vendor/llama.cpp/models/ggml-vocab.gguf",
                     "pkg/vendor/llama.cpp/tools/ui/index.html",
                     "pkg/vendor/llama.cpp/tools/main/main.cpp"):  # fmt: skip
            data = name.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    trimmed = tmp_path / "trimmed.tar.gz"
    trim_sdist(whole, trimmed)
    with tarfile.open(trimmed) as tar:
        assert sorted(tar.getnames()) == [
            "pkg/CMakeLists.txt",
            "pkg/vendor/llama.cpp/src/llama.cpp",
            "pkg/vendor/llama.cpp/tools/main/main.cpp",
        ]


@pytest.mark.skipif(not (MKMODEL / "mkmodel.py").exists(), reason="../shared/tools is absent")
@pytest.mark.long
def test_runs_on_the_cpu_with_tiny_models(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.gpu", "--cpu-only", "--small", "--threads", "2",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "gpu_bench.json").read_text())
    cpu = report["models"]["tiny-q8_0"]["cpu"]
    assert cpu["placement"] == "CPU" and cpu["prompt_tok_s"] > 0 and cpu["generation_tok_s"] > 0
    assert 0 < cpu["app_vs_bare"] < 2
    assert report["embeddings"]["cpu_passages_s"] > 0
