"""Would sentence-level vectors help USE-m3? Dense Recall@1 on the XQuAD paragraphs, scoring a
paragraph by its own vector, by its best sentence (or group of sentences), or by a mix.

    python -m bench.sentence_vectors

USE-m3 was trained on sentence pairs, and a question usually matches one sentence of the
paragraph that answers it. This measures the idea outside the app (numpy over the whole corpus,
no Chroma, no fusion), for the four directions of issue 11; "units" is the number of extra
vectors per paragraph it would cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bench.common import EVAL
from bench.retrieval import load

QA = EVAL / "qa"
DIRECTIONS = [  # (corpus, questions)
    ("xquad-ru-dev", "xquad-ru-dev"),
    ("xquad-en-dev", "xquad-ru-dev"),
    ("xquad-ru-dev", "xquad-en-dev"),
    ("xquad-en-dev", "xquad-en-dev"),
]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 3]


def thirds(items: list[str]) -> list[str]:
    size = max(1, -(-len(items) // 3))
    return [" ".join(items[i : i + size]) for i in range(0, len(items), size)]


UNITS: dict[str, Callable[[list[str]], list[str]]] = {
    "sentences": lambda s: s,
    "thirds": thirds,
}


def main() -> None:
    import numpy as np

    from desktop_app.services.embeddings import make_embedder

    model = make_embedder("use-m3")
    model.load()
    columns = "  ".join(f"{c[6:8]}<-{q[6:8]}" for c, q in DIRECTIONS)
    print(f"{'dense R@1':38s}{columns}  units")
    cache: dict[tuple[str, str], tuple] = {}
    rows: dict[str, list[float]] = {}
    units_per: dict[str, float] = {}
    for corpus_name, questions_name in DIRECTIONS:
        corpus, _, _ = load(QA / corpus_name)
        _, queries, qrels = load(QA / questions_name)
        asked = [q for q in queries if q["_id"] in qrels]
        ids = [d["_id"] for d in corpus]
        passages = model.embed_documents([f"{d['title']}\n\n{d['text']}" for d in corpus])
        questions = np.array([model.embed_query(q["text"]) for q in asked])
        whole = questions @ passages.T
        scores = {"paragraph": whole}
        for unit, split in UNITS.items():
            key = (corpus_name, unit)
            if key not in cache:
                texts, owner = [], []
                for i, doc in enumerate(corpus):
                    for part in split(sentences(doc["text"])):
                        texts.append(part)
                        owner.append(i)
                cache[key] = (model.embed_documents(texts), np.array(owner))
            vectors, owner = cache[key]
            units_per[unit] = len(owner) / len(corpus)
            per_unit = questions @ vectors.T
            best = np.full(whole.shape, -1.0)
            for j in range(len(ids)):
                mask = owner == j
                if mask.any():
                    best[:, j] = per_unit[:, mask].max(axis=1)
            scores[f"best of {unit}"] = best
            scores[f"mean(paragraph, best of {unit})"] = 0.5 * whole + 0.5 * best
        for label, score in scores.items():
            top = score.argmax(axis=1)
            hits = [ids[t] in qrels[q["_id"]] for t, q in zip(top, asked, strict=True)]
            rows.setdefault(label, []).append(sum(hits) / len(hits))
    for label, values in rows.items():
        found = [u for u in UNITS if u in label]
        extra = f"{units_per[found[0]]:.1f}" if found else "0"
        print(f"{label:38s}" + "  ".join(f"{v:.3f}" for v in values) + f"  {extra}")


if __name__ == "__main__":
    main()
