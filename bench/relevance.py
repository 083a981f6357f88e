"""Calibrate the relevance gate ("I found nothing about this in your documents").

    python -m bench.relevance [--limit N] [--json]

With the app's default embedding models and pipeline, asks each question set of
../shared/eval of a corpus that answers it (the gate should let them through) and of a corpus
that does not (it should stop them), and counts the questions for which at least one of the 5
passages search returns is judged relevant (core.relevance), as the answering service does.
Then sweeps USE-m3's cosine threshold, MiniLM's staying as calibrated, and prints the rates
side by side for each threshold.
"""

from __future__ import annotations

import argparse
import dataclasses
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
USE_THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
K = 5  # passages per answer by default (settings.search_results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="questions per case")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from desktop_app.application import Library
    from desktop_app.core import embedding_models
    from desktop_app.core.relevance import RelevanceThresholds, is_relevant
    from desktop_app.core.settings import Settings

    embedders = _shared_embedders({"use-m3", "minilm"})
    retrieved: dict[str, list[tuple[str, list]]] = {}  # case -> (question, top hits)
    with tempfile.TemporaryDirectory() as tmp:
        libraries: dict[str, Library] = {}
        try:
            for corpus_name in sorted({c for _, c, _ in CASES}):
                corpus, _, _ = load(QA / corpus_name)
                write_corpus(corpus, Path(tmp) / corpus_name)
                library = Library(
                    Path(tmp) / f"{corpus_name}-data", Settings(), embedders=embedders
                )
                libraries[corpus_name] = library
                library.index([Path(tmp) / corpus_name])
            for questions_name, corpus_name, _ in CASES:
                _, queries, _ = load(QA / questions_name)
                asked = queries[:: max(1, len(queries) // args.limit)][: args.limit]
                retrieved[f"{questions_name} -> {corpus_name}"] = [
                    (q["text"], libraries[corpus_name].search(q["text"], k=K)) for q in asked
                ]
        finally:
            for library in libraries.values():
                library.close()

    thresholds = RelevanceThresholds()
    original = embedding_models.BUILTIN_MODELS["use-m3"]
    rates: dict[str, dict[str, float]] = {}
    for cosine in USE_THRESHOLDS:
        embedding_models.BUILTIN_MODELS["use-m3"] = dataclasses.replace(original, min_cosine=cosine)
        rates[str(cosine)] = {
            case: round(
                sum(any(is_relevant(q, h, thresholds) for h in hits) for q, hits in asked)
                / len(asked),
                4,
            )
            for case, asked in retrieved.items()
        }
    embedding_models.BUILTIN_MODELS["use-m3"] = original
    if args.json:
        print_json({"found_rate": rates, "answerable": {f"{q} -> {c}": a for q, c, a in CASES}})
        return
    cases = list(retrieved)
    print("Share of questions with a passage judged relevant (top 5):")
    print(f"{'use-m3 cosine':>14}" + "".join(f"{c:>30}" for c in cases))
    print(f"{'(answerable)':>14}" + "".join(f"{a!s:>30}" for _, _, a in CASES))
    for cosine, row in rates.items():
        mark = " *" if float(cosine) == original.min_cosine else "  "
        print(f"{cosine:>12}{mark}" + "".join(f"{row[c]:>30.3f}" for c in cases))


if __name__ == "__main__":
    main()
