"""Tune the fusion weights of the built-in embedding models (core.embedding_models).

    python -m bench.fusion_weights CORPUS[:QUESTIONS] ... [--models A,B]
        [--weights A=0.3,0.4 --weights B=0.0,0.1] [--limit N] [--json]

Each argument is a BEIR-layout folder, optionally with the questions and qrels of another
folder sharing its ids (cross-lingual, e.g. xquad-en-dev:xquad-ru-dev). Every corpus is indexed
once through the app with the two models (USE-m3 and MiniLM unless --models says otherwise),
and each question is searched once, keeping every ranking the search fuses
(Retriever.rankings); then each pair of weights in the grid fuses them again as the app would
with those weights (a model that cannot read a question still hands its share to the others),
and Recall@1 is printed per set, side by side, with the mean over the sets. A set's questions
are in one script, so its grid is that script's row of PAIR_WEIGHTS.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import print_json
from bench.retrieval import _shared_embedders, load, write_corpus

if TYPE_CHECKING:
    from desktop_app.core.embedding_models import EmbeddingModelInfo
    from desktop_app.core.fusion import Rankings

GRID = {
    "use-m3": (0.3, 0.4, 0.5, 0.6, 0.7),
    "minilm": (0.0, 0.1, 0.2, 0.3),
    "e5": (0.2, 0.3, 0.4, 0.5, 0.6),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="CORPUS_DIR or CORPUS_DIR:QUESTIONS_DIR")
    parser.add_argument("--limit", type=int, help="questions per set")
    parser.add_argument("--models", default="use-m3,minilm", help="the two models fused")
    parser.add_argument(
        "--weights", action="append", default=[], help="MODEL=W1,W2,... (default: GRID)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from desktop_app.application import Library
    from desktop_app.core import embedding_models
    from desktop_app.core.settings import Settings

    first, second = args.models.split(",")
    weights = {key: GRID.get(key, (0.1, 0.3, 0.5)) for key in (first, second)}
    for spec in args.weights:
        key, _, values = spec.partition("=")
        weights[key] = tuple(_floats(values))
    embedders = _shared_embedders({first, second})
    grid = [(a, b) for a, b in itertools.product(weights[first], weights[second]) if a + b <= 0.9]
    scores: dict[str, dict[str, float]] = {}
    original = dict(embedding_models.BUILTIN_MODELS)
    pairs = dict(embedding_models.PAIR_WEIGHTS)
    with tempfile.TemporaryDirectory() as tmp:
        for n, spec in enumerate(args.sets):
            corpus_dir, _, questions_dir = spec.partition(":")
            corpus, queries, qrels = load(Path(corpus_dir))
            if questions_dir:
                _, queries, qrels = load(Path(questions_dir))
            queries = [q for q in queries if q["_id"] in qrels][: args.limit]
            by_path = write_corpus(corpus, Path(tmp) / f"corpus{n}")
            name = Path(corpus_dir).name + (
                f" <- {Path(questions_dir).name}" if questions_dir else ""
            )
            settings = Settings(embedding_models=[first, second])
            with Library(Path(tmp) / f"data{n}", settings, embedders=embedders) as library:
                library.index([Path(tmp) / f"corpus{n}"])
                captured = [(q, library.retriever.rankings(q["text"], k=1)) for q in queries]
            scores[name] = {}
            embedding_models.PAIR_WEIGHTS.pop(frozenset({first, second}), None)
            try:
                for a, b in grid:
                    models = [
                        dataclasses.replace(original[key], fusion_weight=weight)
                        for key, weight in ((first, a), (second, b))
                    ]
                    right = sum(
                        _top_is_right(q["text"], rankings, models, by_path, qrels[q["_id"]])
                        for q, rankings in captured
                    )
                    scores[name][f"{a}/{b}"] = round(right / len(queries), 4)
                    print(f"{name} {a}/{b}: {right / len(queries):.3f}", flush=True)
            finally:
                embedding_models.PAIR_WEIGHTS.update(pairs)
    if args.json:
        print_json(scores)
        return
    names = list(scores)
    print(f"{first}/{second:9} " + "".join(f"{n[:22]:>24}" for n in names) + f"{'mean':>8}")
    for a, b in grid:
        key = f"{a}/{b}"
        values = [scores[n][key] for n in names]
        mean = sum(values) / len(values)
        print(f"{key:13} " + "".join(f"{v:>24.3f}" for v in values) + f"{mean:>8.3f}")


def _top_is_right(
    question: str,
    rankings: Rankings | None,
    models: list[EmbeddingModelInfo],
    by_path: dict[str, str],
    relevant: dict[str, int],
) -> bool:
    """Whether the first result is a relevant document, fused with these models' weights."""
    from desktop_app.services.search.retrieval import dense_weights

    if rankings is None:
        return False
    weights = dense_weights(question, models, rankings.words_found)
    dense = [dataclasses.replace(d, weight=weights[d.model]) for d in rankings.dense]
    hits = dataclasses.replace(rankings, dense=dense).hits(1)
    return bool(hits) and by_path[hits[0].path] in relevant


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


if __name__ == "__main__":
    main()
