"""MiniLM's encoding paths side by side: ONNX Runtime (what the app runs on a CPU) at several
batch sizes against sentence-transformers on torch (what it ran before), on the same real
passages, in alternating rounds, with each path's cosine to sentence-transformers' vectors;
and, each in a fresh process, the time from nothing imported to the first query's vector and
the memory the process then holds.

    python -m bench.embedding [--passages 256] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import REPO, print_json

BASELINE = "sentence-transformers, torch, batch 64 (before)"
FIRST_QUERY = """
import sys, time
start = time.perf_counter()
from desktop_app.services.embeddings import make_embedder
model = make_embedder("minilm")
model.onnx_allowed = sys.argv[1] == "onnx"
model.embed_query("where does the river rise?")
import psutil
print(time.perf_counter() - start, model.backend, psutil.Process().memory_info().rss)
"""


def paths(batch_sizes: Sequence[int]) -> dict[str, Callable[[list[str]], Any]]:
    """Each way of encoding, as a function of the passages (loaded before timing)."""
    from desktop_app.services.embeddings import SentenceTransformerEmbedder, default_model_path
    from desktop_app.services.embeddings.model_folders import weights_fingerprint
    from desktop_app.services.embeddings.onnx_encoder import OnnxEncoder
    from desktop_app.services.embeddings.onnx_export import MAX_TOKENS, find_export

    folder = default_model_path()
    assert folder is not None, "MiniLM is not installed"
    exported = find_export(weights_fingerprint(folder))
    assert exported is not None, "the ONNX export is missing: run `make setup`"
    onnx = OnnxEncoder(exported, folder / "tokenizer.json", MAX_TOKENS)  # as the app runs it
    torch = {size: SentenceTransformerEmbedder(folder, batch_size=size) for size in (64, 16)}
    for model in torch.values():
        model.load()

    def with_batch(size: int) -> Callable[[list[str]], Any]:
        return lambda texts: onnx.encode(texts, size)

    ways: dict[str, Callable[[list[str]], Any]] = {
        BASELINE: torch[64].embed_documents,
        "sentence-transformers, torch, batch 16": torch[16].embed_documents,
    }
    for size in batch_sizes:
        ways[f"ONNX Runtime, batch {size}"] = with_batch(size)
    return ways


def first_query(backend: str) -> tuple[float, str, int]:
    """Seconds from a bare interpreter to MiniLM's first query vector, the path it took, and
    the process's resident memory then."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_QUERY, backend],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, used, rss = done.stdout.split()
    return float(seconds), used, int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", default="16,32,64", help="ONNX batch sizes to try")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numpy as np

    from bench.scale import base_passages

    everything, _ = base_passages()
    pick = np.random.default_rng(0).choice(len(everything), args.passages, replace=False)
    sample = [everything[i] for i in pick]
    ways = paths([int(size) for size in args.batch.split(",")])
    rates: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):  # alternating, so drifts in machine load hit every path
        for name, encode in ways.items():
            start = time.perf_counter()
            encode(sample)
            rates[name].append(len(sample) / (time.perf_counter() - start))
    reference = ways[BASELINE](sample)
    base = statistics.median(rates[BASELINE])
    rows = []
    for name, encode in ways.items():
        cosine = (encode(sample) * reference).sum(axis=1)
        rows.append(
            {
                "path": name,
                "passages_per_s": round(statistics.median(rates[name]), 1),
                "runs": [round(rate, 1) for rate in rates[name]],
                "vs_before": round(statistics.median(rates[name]) / base, 2),
                "cosine_mean": round(float(cosine.mean()), 6),
                "cosine_min": round(float(cosine.min()), 6),
            }
        )
    starts: dict[str, list[float]] = {}
    memory: dict[str, int] = {}
    for backend in ("onnx", "torch") * 2:
        seconds, used, rss = first_query(backend)
        starts.setdefault(used, []).append(round(seconds, 2))
        memory[used] = rss // 2**20
    result = {"passages": len(sample), "rounds": args.rounds, "paths": rows}
    result["first_query_s"] = starts
    result["first_query_rss_mb"] = memory
    if args.json:
        print_json(result)
        return
    print(f"MiniLM on {len(sample)} passages, {args.rounds} alternating rounds")
    for row in rows:
        print(
            f"{row['path']:48} {row['passages_per_s']:6.1f}/s  x{row['vs_before']:<5}"
            f" cosine mean {row['cosine_mean']:.6f} min {row['cosine_min']:.6f}  runs {row['runs']}"
        )
    print("first query vector from a bare process, s:", starts, "resident MB:", memory)


if __name__ == "__main__":
    main()
