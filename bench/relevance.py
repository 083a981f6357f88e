"""Calibrate the relevance gate ("I found nothing about this in your documents").

    python -m bench.relevance [--limit N] [--models e5,use-m3] [--sweep e5]
        [--dump F | --load F] [--json]

With the app's pipeline, asks each question set of ../shared/eval of a corpus that answers it
(the gate should let them through) and of one that does not (it should stop them), and counts
the questions for which at least one of the 5 passages search returns is judged relevant
(core.relevance), as the answering service does. Then sweeps one model's cosine thresholds
(USE-m3's unless --sweep names another; same script, and across scripts: a Russian question
and an English passage), the other thresholds staying as calibrated, and prints the rates for
each pair side by side. --dump saves what search returned so that --load can sweep again in
seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import tempfile
from pathlib import Path

from bench.common import EVAL, print_json
from bench.retrieval import _shared_embedders, load, write_corpus

QA = EVAL / "qa"
# (questions, corpus, whether the corpus answers them)
CASES = (
    ("xquad-en-dev", "xquad-en-dev", True),
    ("xquad-ru-dev", "xquad-ru-dev", True),
    ("xquad-ru-dev", "xquad-en-dev", True),
    ("xquad-en-dev", "xquad-ru-dev", True),
    ("pubmedqa", "xquad-en-dev", False),
    ("pubmedqa", "xquad-ru-dev", False),
    ("xquad-en-dev", "pubmedqa", False),
    ("xquad-ru-dev", "pubmedqa", False),
)
# (same script, across scripts) thresholds swept, per model: each spreads its scores its way.
SWEEPS = {
    "use-m3": ((0.3, 0.35, 0.4, 0.45, 0.5), (0.25, 0.3, 0.35, 0.4)),
    "minilm": ((0.3, 0.35, 0.4, 0.45, 0.5), (1.1,)),
    "e5": ((0.84, 0.85, 0.86, 0.87, 0.88), (0.83, 0.84, 0.85, 0.86, 0.87)),
}
K = 5  # passages per answer by default (settings.search_results)


def retrieve(limit: int, models: list[str]) -> dict[str, list[dict]]:
    """case -> [{"question", "hits": [SearchHit.as_dict()]}] through the app's search."""
    from desktop_app.application import Library
    from desktop_app.core.embedding_models import DEFAULT_EMBEDDING_MODELS
    from desktop_app.core.settings import Settings

    embedders = _shared_embedders(set(models or DEFAULT_EMBEDDING_MODELS))
    retrieved: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        libraries: dict[str, Library] = {}
        try:
            for name in sorted({c for _, c, _ in CASES}):
                corpus, _, _ = load(QA / name)
                write_corpus(corpus, Path(tmp) / name)
                settings = Settings(embedding_models=models)
                library = Library(Path(tmp) / f"{name}-data", settings, embedders=embedders)
                libraries[name] = library
                library.index([Path(tmp) / name])
            for questions, corpus_name, _ in CASES:
                _, queries, _ = load(QA / questions)
                asked = queries[:: max(1, len(queries) // limit)][:limit]
                retrieved[f"{questions} -> {corpus_name}"] = [
                    {
                        "question": q["text"],
                        "hits": [h.as_dict() for h in libraries[corpus_name].search(q["text"], K)],
                    }
                    for q in asked
                ]
        finally:
            for library in libraries.values():
                library.close()
    return retrieved


def found_rates(retrieved: dict[str, list[dict]]) -> dict[str, float]:
    from desktop_app.core.records import DenseMatch, SearchHit
    from desktop_app.core.relevance import RelevanceThresholds, is_relevant

    thresholds = RelevanceThresholds()

    def hit(d: dict) -> SearchHit:
        dense = tuple(DenseMatch(m["model"], m["rank"], m["score"]) for m in d["dense"])
        return SearchHit(
            d["path"], d["title"], d["page"], d["start"], d["end"], d["text"], d["score"], (),
            dense, d["lexical_rank"], d["lexical_score"],
        )  # fmt: skip

    return {
        case: round(
            sum(
                any(is_relevant(a["question"], hit(h), thresholds) for h in a["hits"])
                for a in asked
            )
            / len(asked),
            4,
        )
        for case, asked in retrieved.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="questions per case")
    parser.add_argument("--models", default="", help="embedding models (default: the app's)")
    parser.add_argument("--sweep", default="use-m3", choices=sorted(SWEEPS))
    parser.add_argument("--dump", type=Path, help="save what search returned here")
    parser.add_argument("--load", type=Path, help="sweep what an earlier --dump saved")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from desktop_app.core import embedding_models

    if args.load:
        retrieved = json.loads(args.load.read_text(encoding="utf-8"))
    else:
        retrieved = retrieve(args.limit, [m for m in args.models.split(",") if m])
        if args.dump:
            args.dump.write_text(json.dumps(retrieved, ensure_ascii=False), encoding="utf-8")
    original = embedding_models.BUILTIN_MODELS[args.sweep]
    rates: dict[str, dict[str, float]] = {}
    for same, across in itertools.product(*SWEEPS[args.sweep]):
        embedding_models.BUILTIN_MODELS[args.sweep] = dataclasses.replace(
            original, min_cosine=same, min_cosine_across_scripts=across
        )
        rates[f"{same}/{across}"] = found_rates(retrieved)
    embedding_models.BUILTIN_MODELS[args.sweep] = original
    if args.json:
        print_json({"found_rate": rates, "answerable": {f"{q} -> {c}": a for q, c, a in CASES}})
        return
    cases = list(retrieved)
    current = f"{original.min_cosine}/{original.min_cosine_across_scripts}"
    print("Share of questions with a passage judged relevant among the top 5")
    print(f"(rows: {original.label}'s cosine threshold, same script / across scripts; * = now)")
    print(f"{'':>12}" + "".join(f"{c.replace('-dev', ''):>26}" for c in cases))
    print(f"{'answerable':>12}" + "".join(f"{a!s:>26}" for _, _, a in CASES))
    for key, row in rates.items():
        mark = "*" if key == current else " "
        print(f"{key:>11}{mark}" + "".join(f"{row[c]:>26.3f}" for c in cases))


if __name__ == "__main__":
    main()
