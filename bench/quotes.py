"""How well quotes answer questions: does the best quote (and do the top three) hold a gold
answer, for each way of scoring sentences, and how soon are they ready.

    python -m bench.quotes [--questions N] [--lang en,ru] [--json]

For each language, XQuAD's paragraphs (EVAL/qa/xquad-LANG-dev) are indexed into a fresh
library with the app's pipeline and default settings; for N questions (every k-th, as
bench.answers picks them) the app searches, keeps the relevant passages (the answer's own gate)
and cuts the first five into units (core.quotes). Each unit's features are computed once per
embedding model; then every scoring is tried on the same units:
- dense model: USE-m3's cosine, the other default model's (e5), or their mean where both read
  the unit;
- the question's terms in the unit: their plain share, or weighted by rarity among the units;
- weights of those terms, the passage's rank, the best neighbour's cosine and the answer's
  shape (a number for "how many", a year for "when", a name for "who");
- how many of the first passages quotes may come from (1, 3, 5).
The weights are chosen on the even-numbered questions and reported on the odd ones too
(held out), so the table does not flatter the choice. "time to quotes" is the app's own path
(search, gate, QuoteFinder with its defaults) from the call to the quotes, per question.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.answers import contains_gold, pick, qa_folder
from bench.common import print_json
from bench.retrieval import _shared_embedders, load, write_corpus

DEFAULT_QUESTIONS = 240
LANGS = ("en", "ru")


@dataclass
class Question:
    answers: list[str]
    places: list[int]  # each unit's passage index
    in_passage: list[int]
    texts: list[str]
    lexical: list[float]  # the question's terms, rare ones weighing more (the app's)
    coverage: list[float]  # the plain share of the question's terms
    shape: list[bool]
    dense: dict[str, list[float | None]]  # per model; None where the model cannot read it
    quotes_ms: float  # the app's path, from the search call to its quotes


def collect(lang: str, ids: list[str], embedders: dict) -> list[Question]:
    from desktop_app.application import Library
    from desktop_app.core.lexical import query_terms
    from desktop_app.core.quotes import term_overlap
    from desktop_app.core.relevance import is_relevant
    from desktop_app.core.settings import Settings
    from desktop_app.services.search.quoting import QuoteFinder

    corpus, queries, _ = load(qa_folder(lang))
    by_id = {q["_id"]: q for q in queries}
    collected: list[Question] = []
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(corpus, Path(tmp) / "corpus")
        with Library(Path(tmp) / "data", Settings(), embedders=embedders) as library:
            library.embeddings.load_models()
            library.index([Path(tmp) / "corpus"])
            finder = QuoteFinder(library.spaces)
            thresholds = library.in_use.answers.thresholds
            for qid in ids:
                text = by_id[qid]["text"]
                started = time.perf_counter()
                nearest = library.search(text, 5)
                hits = [h for h in nearest if is_relevant(text, h, thresholds)]
                finder.quotes(text, hits)
                quotes_ms = (time.perf_counter() - started) * 1000
                per_model = {
                    key: finder.candidates(text, hits, passages=5, models=[key])
                    for key in library.spaces.chosen
                }
                any_model = next(iter(per_model.values()))
                terms = query_terms(text)
                dense: dict[str, list[float | None]] = {}
                for key, found in per_model.items():
                    dense[key] = [
                        f.dense if key in found.dense_models and f.dense != 0.0 else None
                        for f in found.features
                    ]
                collected.append(
                    Question(
                        answers=list(by_id[qid]["answers"]),
                        places=[f.passage for f in any_model.features],
                        in_passage=[f.unit for f in any_model.features],
                        texts=any_model.texts,
                        lexical=[f.lexical for f in any_model.features],
                        coverage=[term_overlap(terms, t) for t in any_model.texts],
                        shape=[f.shape for f in any_model.features],
                        dense=dense,
                        quotes_ms=quotes_ms,
                    )
                )
    return collected


def dense_of(question: Question, model: str) -> list[float]:
    if model != "mean":
        return [v or 0.0 for v in question.dense.get(model, [])] or [0.0] * len(question.texts)
    values = []
    for i in range(len(question.texts)):
        present = [d[i] for d in question.dense.values() if d[i] is not None]
        values.append(sum(present) / len(present) if present else 0.0)  # type: ignore[arg-type]
    return values


def score(
    questions: list[Question], model: str, weights: Any, passages: int, idf: bool = True
) -> tuple[float, float]:
    """(best quote holds gold, top three hold gold) over `questions`; without `idf` the
    terms feature is the plain share of the question's terms."""
    from desktop_app.core.quotes import UnitFeatures, best_units, folded

    best = top3 = 0
    for q in questions:
        dense = dense_of(q, model)
        lexical = q.lexical if idf else q.coverage
        keep = [i for i, p in enumerate(q.places) if p < passages]
        features = [
            UnitFeatures(q.places[i], q.in_passage[i], dense[i], lexical[i], q.shape[i])
            for i in keep
        ]
        texts = [q.texts[i] for i in keep]
        chosen = best_units(features, texts, weights, 3)
        quoted = [folded(texts[i]) for i, _ in chosen]
        best += bool(quoted) and contains_gold(quoted[0], q.answers)
        top3 += any(contains_gold(t, q.answers) for t in quoted)
    n = max(1, len(questions))
    return round(best / n, 3), round(top3 / n, 3)


def main() -> None:
    from desktop_app.core.quotes import DEFAULT_WEIGHTS, ScoringWeights
    from desktop_app.core.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS, help="per language")
    parser.add_argument("--lang", default=",".join(LANGS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    langs = [lang for lang in args.lang.split(",") if lang]
    _, queries, qrels = load(qa_folder(langs[0]))
    ids = pick(queries, qrels, args.questions)
    embedders = _shared_embedders(set(Settings().chosen_embedding_models()))
    data = {lang: collect(lang, ids, embedders) for lang in langs}
    tune = {lang: qs[::2] for lang, qs in data.items()}
    held = {lang: qs[1::2] for lang, qs in data.items()}

    grid = [
        (model, ScoringWeights(1.0, lexical, rank, context, shape), passages)
        for model in ("use-m3", "mean")
        for lexical, rank, context, shape in itertools.product(
            (0.5, 1.0, 1.5, 2.0), (0.0, 0.1, 0.2, 0.3), (0.0, 0.2, 0.4), (0.0, 0.1, 0.2)
        )
        for passages in (3, 5)
    ]

    def objective(config: tuple[str, Any, int]) -> float:
        return sum(sum(score(tune[lang], *config)) for lang in langs)

    best_config = max(grid, key=objective)
    dense_only = ScoringWeights(1.0, 0, 0, 0, 0)
    terms_rank = ScoringWeights(1, 1.5, 0.2, 0, 0)
    named: list[tuple[str, tuple[str, Any, int], bool]] = [
        ("dense only, USE-m3, top passage", ("use-m3", dense_only, 1), True),
        ("dense only, USE-m3", ("use-m3", dense_only, 3), True),
        *(
            (f"dense only, {key}", (key, dense_only, 3), True)
            for key in Settings().chosen_embedding_models()
            if key != "use-m3"
        ),
        ("dense only, mean of both", ("mean", dense_only, 3), True),
        (
            "terms (rare weigh more) + rank, no dense",
            ("mean", ScoringWeights(0, 1, 0.2, 0, 0), 3),
            True,
        ),
        ("mean + share of terms 1.5 + rank 0.2", ("mean", terms_rank, 3), False),
        ("mean + terms (rare weigh more) 1.5 + rank 0.2", ("mean", terms_rank, 3), True),
        ("… + neighbours 0.4", ("mean", ScoringWeights(1, 1.5, 0.2, 0.4, 0), 3), True),
        ("… + answer shape 0.2 (the app's weights)", ("mean", DEFAULT_WEIGHTS, 3), True),
        (
            "the app's weights, USE-m3 alone (the app's default)",
            ("use-m3", DEFAULT_WEIGHTS, 3),
            True,
        ),
        ("the app's weights, 5 passages", ("mean", DEFAULT_WEIGHTS, 5), True),
        ("best on the tuning half", best_config, True),
    ]
    rows = []
    for label, config, idf in named:
        row: dict[str, Any] = {"scoring": label, "model": config[0], "weights": config[1]}
        row["passages"] = config[2]
        for lang in langs:
            row[f"{lang}_best"], row[f"{lang}_top3"] = score(data[lang], *config, idf)
            row[f"{lang}_held_best"], row[f"{lang}_held_top3"] = score(held[lang], *config, idf)
        rows.append(row)
    times = {
        lang: {
            "p50_ms": round(statistics.median(q.quotes_ms for q in qs), 1),
            "p95_ms": round(sorted(q.quotes_ms for q in qs)[int(0.95 * (len(qs) - 1))], 1),
        }
        for lang, qs in data.items()
    }
    if args.json:
        print_json(
            {
                "questions": len(ids),
                "rows": [{**r, "weights": str(r["weights"])} for r in rows],
                "time_to_quotes": times,
            }
        )
        return
    print(f"{len(ids)} questions per language; all / held-out half (odd-numbered questions)\n")
    head = " | ".join(f"{lang} best | {lang} top 3" for lang in langs)
    print(f"| scoring | {head} |")
    print("|---|" + "---|" * (2 * len(langs)))
    for r in rows:
        cells = " | ".join(
            f"{r[f'{lang}_best']:.3f} ({r[f'{lang}_held_best']:.3f}) | "
            f"{r[f'{lang}_top3']:.3f} ({r[f'{lang}_held_top3']:.3f})"
            for lang in langs
        )
        print(f"| {r['scoring']} | {cells} |")
    w = best_config[1]
    print(
        f"\nbest on the tuning half: model {best_config[0]}, lexical {w.lexical}, rank {w.rank}, "
        f"context {w.context}, shape {w.shape}, {best_config[2]} passages"
    )
    for lang, t in times.items():
        print(
            f"time to quotes ({lang}, search included): p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms"
        )


if __name__ == "__main__":
    main()
