"""How Librarian's costs grow with the library: issue 16's measurements.

    python -m bench.scale --passages 10000,100000,1000000 [--queries 100] [--json]
                          [--keep DIR [--reuse]]

For each size a library is built through the app's own write path (IngestService.commit:
the default models' vector spaces (Chroma collections, sentence vectors where used), the
catalog and its FTS5 lexical index; bench/library_builder.py), 100 passages to a document, then
opened afresh in a child process that measures what a user waits for.

Text: the passages of the shared QA corpora (PubMedQA abstracts, XQuAD paragraphs in English
and Russian, cut by the app's chunker), cycled; copy c of a passage has its sentences rotated
by c, so passages differ in order and length of their first lines but keep real vocabulary.
Vectors: every base passage (and sentence) is embedded once by the real models (their speed
is reported apart, and cached between runs); copy c's vector is its base vector plus Gaussian
noise scaled so that its cosine to the base is about 0.9 (a close paraphrase), renormalised;
copies keep their base's sentence vectors. So the vectors have the real models' distribution
with realistic near-duplicates, and nothing but the writes and searches is timed.

Reported per size: write throughput (passages/s, encoder excluded), disk bytes per passage;
after a fresh open in a new process: opening the library, the first search while the vector
store loads Chroma's indexes (as the window's warm-up does; answered from the int8 copies of the
vectors) and the first after (models already loaded: their load time is reported apart; a
library built before the copies has them filled first, timed apart), hybrid / dense / lexical
search latency p50/p95/p99 over real questions (and the question's encoding by each model apart:
a dense search pays it at any size), side by side in one run: with the lexical postings budget
and with every term (and for each, how often the top hit is a copy of a passage that answers the
question), and hybrid searches limited to 10 random documents and to a tenth of the library;
then listing the documents, and the resident memory of the app process and of each child (vector
store, parser). --reuse measures libraries kept by an earlier --keep run again.
Goals (issue 16): hybrid p95 <= 50 ms at 100k and <= 150 ms at 1M; first search <= 2 s after
opening a 1M library. Issue 23: an answer's quotes (search, relevance gate, QuoteFinder) p95
<= 300 ms at 10k and <= 500 ms at 100k.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import EVAL, print_json
from desktop_app.core.embedding_models import DEFAULT_EMBEDDING_MODELS

PASSAGES_PER_DOCUMENT = 100
COPY_COSINE = 0.9  # a copy's vector against its base's
GOALS_P95_MS = {100_000: 50.0, 1_000_000: 150.0}
GOALS_QUOTES_P95_MS = {10_000: 300.0, 100_000: 500.0}
GOAL_FIRST_SEARCH_S = 2.0
CORPORA = ("pubmedqa", "xquad-en-dev", "xquad-ru-dev")


# -- the material --------------------------------------------------------------------------


def base_passages() -> tuple[list[str], list[str]]:
    """Every passage the app's chunker cuts from the shared QA corpora, and for each the corpus
    entry it comes from ("corpus/id")."""
    from bench.retrieval import load
    from desktop_app.core.chunking import chunk_pages
    from desktop_app.core.records import PageText

    passages: list[str] = []
    owners: list[str] = []
    for name in CORPORA:
        corpus, _, _ = load(EVAL / "qa" / name)
        for entry in corpus:
            text = f"{entry.get('title') or ''}\n\n{entry['text']}".strip()
            cut = [c.text for c in chunk_pages([PageText(None, text)])]
            passages.extend(cut)
            owners.extend(f"{name}/{entry['_id']}" for _ in cut)
    return passages, owners


def questions(count: int) -> list[tuple[str, frozenset[str]]]:
    """Real questions, each with the corpus entries that answer it ("corpus/id")."""
    from bench.retrieval import load

    asked: list[tuple[str, frozenset[str]]] = []
    for name in CORPORA:
        _, queries, qrels = load(EVAL / "qa" / name)
        for q in queries[: count // len(CORPORA) + 1]:
            gold = frozenset(f"{name}/{cid}" for cid in qrels.get(q["_id"], {}))
            asked.append((q["text"], gold))
    return asked[:count]


def rotated(text: str, by: int) -> str:
    from desktop_app.core.chunking import passage_sentences

    sentences = passage_sentences(text, max_count=64)
    if len(sentences) < 2:
        return text
    by %= len(sentences)
    return " ".join(sentences[by:] + sentences[:by])


class BaseVectors:
    """The real models' vectors of the base passages (and sentence blobs), cached on disk."""

    def __init__(self, library: Any, passages: list[str]) -> None:
        from desktop_app.services.embeddings.passage_vectors import embed_passages

        self.vectors: dict[str, np.ndarray] = {}
        self.sentences: dict[str, tuple[bytes, ...] | None] = {}
        self.encoder_passages_per_s: dict[str, float] = {}
        digest = hashlib.sha1("\0".join(passages).encode()).hexdigest()[:12]
        cache = Path(tempfile.gettempdir()) / "librarian-bench-scale"
        cache.mkdir(exist_ok=True)
        for space in library.spaces.writable():
            key = space.info.key
            stem = cache / f"{key}-{space.embedder.fingerprint.rsplit(':', 1)[-1][:12]}-{digest}"
            if stem.with_suffix(".json").is_file():
                meta = json.loads(stem.with_suffix(".json").read_text())
                self.vectors[key] = np.load(stem.with_suffix(".npy"))
                blobs = meta["sentences"]
                self.sentences[key] = (
                    None if blobs is None else tuple(bytes.fromhex(b) for b in blobs)
                )
                self.encoder_passages_per_s[key] = meta["passages_per_s"]
                continue
            started = time.perf_counter()
            embedded = embed_passages(space.embedder, passages, space.info.sentence_scoring)
            speed = len(passages) / (time.perf_counter() - started)
            self.vectors[key] = np.asarray(embedded.vectors, dtype=np.float32)
            self.sentences[key] = embedded.sentences
            self.encoder_passages_per_s[key] = speed
            np.save(stem.with_suffix(".npy"), self.vectors[key])
            sentences = (
                None if embedded.sentences is None else [b.hex() for b in embedded.sentences]
            )
            stem.with_suffix(".json").write_text(
                json.dumps({"passages_per_s": speed, "sentences": sentences})
            )


class DerivedVectors:
    """The vector source for library_builder: passage i is copy i // B of base passage i % B."""

    def __init__(self, base: BaseVectors, seed: int = 0) -> None:
        self.base = base
        self.served: dict[str, int] = {}
        self.rng = np.random.default_rng(seed)

    def __call__(self, space: Any, texts: list[str]) -> Any:
        from desktop_app.services.embeddings.passage_vectors import PassageVectors

        key = space.info.key
        base = self.base.vectors[key]
        first = self.served.get(key, 0)
        self.served[key] = first + len(texts)
        index = np.arange(first, first + len(texts))
        rows = base[index % len(base)].copy()
        copies = index >= len(base)
        if copies.any():
            # For unit u and noise n of norm s orthogonal-ish to u: cos(u, u + n) = 1/sqrt(1+s^2).
            scale = np.sqrt(1 / COPY_COSINE**2 - 1) / np.sqrt(rows.shape[1])
            noise = self.rng.standard_normal((int(copies.sum()), rows.shape[1])) * scale
            rows[copies] += noise.astype(np.float32)
            rows[copies] /= np.linalg.norm(rows[copies], axis=1, keepdims=True)
        blobs = self.base.sentences[key]
        sentences = None if blobs is None else tuple(blobs[i % len(blobs)] for i in index)
        return PassageVectors(rows, sentences)


def documents(passages: list[str], terms: list[str], total: int, root: str) -> Iterator[Any]:
    from desktop_app.core.records import ChunkDraft, ParsedDocument

    for doc in range(0, total, PASSAGES_PER_DOCUMENT):
        chunks, doc_terms = [], []
        for ordinal, i in enumerate(range(doc, min(total, doc + PASSAGES_PER_DOCUMENT))):
            base = i % len(passages)
            text = rotated(passages[base], i // len(passages))
            chunks.append(ChunkDraft(1 + ordinal // 3, 0, len(text), text, ordinal))
            doc_terms.append(terms[base])
        path = f"{root}/document-{doc // PASSAGES_PER_DOCUMENT:06d}.pdf"
        yield ParsedDocument(
            path, hashlib.sha1(path.encode()).hexdigest(), 1, 0, "pdf", f"Document {doc}",
            pages=1 + len(chunks) // 3, chunks=tuple(chunks), terms=tuple(doc_terms),
        )  # fmt: skip


# -- building ------------------------------------------------------------------------------


def build(
    folder: Path, total: int, passages: list[str], embedders: dict[str, Any]
) -> dict[str, Any]:
    from bench.library_builder import write_documents
    from desktop_app.application import Library
    from desktop_app.core.lexical import index_terms

    library = Library(folder, embedders=embedders)
    try:
        base = BaseVectors(library, passages)
        terms = [" ".join(index_terms(p)) for p in passages]
        started = time.perf_counter()
        written = write_documents(
            library, documents(passages, terms, total, str(folder / "docs")), DerivedVectors(base),
            batch_passages=5000,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        library.close()
    disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return {
        "passages": written,
        "documents": -(-written // PASSAGES_PER_DOCUMENT),
        "write_s": round(seconds, 1),
        "write_passages_per_s": round(written / seconds, 1),
        "disk_bytes_per_passage": round(disk / written),
        "encoder_passages_per_s": {k: round(v, 1) for k, v in base.encoder_passages_per_s.items()},
    }


# -- measuring, in a fresh process ---------------------------------------------------------


def base_of(hit: Any, base_count: int) -> int:
    """Which base passage a hit is a copy of: document n's passage k is passage 100 n + k."""
    number = int(Path(hit.path).stem.rsplit("-", 1)[-1])
    ordinal = int(hit.chunk_ids[0].rsplit(":", 1)[-1])
    return (number * PASSAGES_PER_DOCUMENT + ordinal) % base_count


def copy_vectors(folder: Path, embedders: dict[str, Any]) -> float | None:
    """Fill the int8 copies of a library built before them, as its first warm-up does (after
    loading Chroma's indexes); the seconds that warm-up took, or None when they were whole."""
    from desktop_app.application import Library
    from desktop_app.core.paths import DataPaths
    from desktop_app.services.store.flat_index import FOLDER, FlatIndex

    copies = DataPaths(folder).vector_store / FOLDER
    headers = sorted(copies.glob("*.json"))
    if headers and all(FlatIndex(copies, header.stem).clean() for header in headers):
        return None
    with Library(folder, embedders=embedders) as library:
        started = time.perf_counter()
        library.vectors.preload()
        library.vectors.copies_done()
        return round(time.perf_counter() - started, 1)


def probe(folder: Path, asked: list[tuple[str, frozenset[str]]]) -> dict[str, Any]:
    """Open the library as the app does (models loaded first, timed apart), search, list."""
    import random

    import psutil

    from desktop_app.application import Library
    from desktop_app.services.embeddings import make_embedder
    from desktop_app.services.store import lexical_search

    started = time.perf_counter()
    embedders = {}
    for key in DEFAULT_EMBEDDING_MODELS:
        embedders[key] = make_embedder(key)
        embedders[key].load()
    models_s = time.perf_counter() - started
    refill_s = copy_vectors(folder, embedders)
    started = time.perf_counter()
    library = Library(folder, embedders=embedders)
    opened_s = time.perf_counter() - started
    loaded: list[float] = []

    def load_indexes() -> None:  # what the window's warm-up does at opening, in the background
        loading = time.perf_counter()
        library.vectors.preload()
        loaded.append(time.perf_counter() - loading)
        library.vectors.copies_done()  # the row maps: read before the timed searches

    warm_up = threading.Thread(target=load_indexes)
    warm_up.start()
    searching = time.perf_counter()
    library.search(asked[0][0], mode="hybrid")  # meanwhile: from the int8 copies
    first_search_ms = (time.perf_counter() - searching) * 1000
    first_s = time.perf_counter() - started
    warm_up.join()
    preload_s = loaded[0]
    searching = time.perf_counter()
    library.search(asked[1][0], mode="hybrid")  # from Chroma's loaded indexes
    first_after_preload_ms = (time.perf_counter() - searching) * 1000
    _, owners = base_passages()
    paths = sorted(d.path for d in library.documents())
    budget = lexical_search.POSTINGS_BUDGET
    unbounded = 10**15
    rng = random.Random(0)
    tenth = paths[: max(1, len(paths) // 10)]
    # What is timed, in turn for each question (so that drift hits every kind alike):
    # kind -> (mode, postings budget, scope).
    kinds: dict[str, tuple[str, int, list[str] | None]] = {
        "hybrid": ("hybrid", budget, None),
        "dense": ("dense", budget, None),
        "lexical": ("lexical", budget, None),
        "hybrid, every term": ("hybrid", unbounded, None),
        "lexical, every term": ("lexical", unbounded, None),
        "hybrid in 10 documents": ("hybrid", budget, []),
        f"hybrid in a tenth ({len(tenth)} documents)": ("hybrid", budget, tenth),
        # An answer's quotes: the search, the relevance gate and QuoteFinder (issue 23).
        "quotes (search included)": ("quotes", budget, None),
    }
    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    gold_first: dict[str, int] = {
        kind: 0 for kind, (mode, _, scope) in kinds.items() if scope is None and mode != "quotes"
    }
    encoding: dict[str, list[float]] = {key: [] for key in embedders}
    for question, gold in asked[1:]:
        for key, embedder in embedders.items():  # part of every dense search, at any size
            t = time.perf_counter()
            embedder.embed_query(question)
            encoding[key].append((time.perf_counter() - t) * 1000)
        for kind, (mode, postings, scope) in kinds.items():
            lexical_search.POSTINGS_BUDGET = postings
            within = scope if scope is None or scope else rng.sample(paths, min(10, len(paths)))
            t = time.perf_counter()
            if mode == "quotes":
                hits = library.ask(question, quotes_only=True).sources
            else:
                hits = library.search(question, mode=mode, within=within)
            latencies[kind].append((time.perf_counter() - t) * 1000)
            if kind in gold_first and hits and owners[base_of(hits[0], len(owners))] in gold:
                gold_first[kind] += 1
    lexical_search.POSTINGS_BUDGET = budget
    t = time.perf_counter()
    listed = library.documents_on_disk()
    listing_s = time.perf_counter() - t
    me = psutil.Process()
    memory = {"app": me.memory_info().rss}
    for child in me.children(recursive=True):
        try:
            memory[child.name() + f"-{child.pid}"] = child.memory_info().rss
        except psutil.Error:
            continue
    library.close()
    return {
        "models_load_s": round(models_s, 2),
        "open_s": round(opened_s, 2),
        "open_to_first_search_s": round(first_s, 2),
        "first_search_ms": round(first_search_ms, 1),
        "vector_index_load_s": round(preload_s, 2),
        "int8_copy_refill_s": refill_s,
        "int8_copy_bytes": sum(
            f.stat().st_size for f in (folder / "vectors" / "flat").glob("*") if f.is_file()
        ),
        "first_search_after_load_ms": round(first_after_preload_ms, 1),
        "postings_budget": budget,
        "latency_ms": {kind: percentiles(times) for kind, times in latencies.items()},
        "top_hit_is_gold": {k: round(n / (len(asked) - 1), 3) for k, n in gold_first.items()},
        "query_encoding_ms": {key: percentiles(times) for key, times in encoding.items()},
        "documents_listed": len(listed),
        "docs_listing_ms": round(listing_s * 1000, 1),
        "memory_mb": {name: round(rss / 2**20) for name, rss in memory.items()},
    }


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50": round(statistics.median(ordered), 1), "p95": at(0.95), "p99": at(0.99)}


def goals(size: int, result: dict[str, Any]) -> dict[str, Any]:
    latency = result["latency_ms"]

    def judged(goal: float, measured: float) -> dict[str, Any]:
        return {"goal": goal, "measured": measured, "met": measured <= goal}

    met: dict[str, Any] = {}
    if size in GOALS_P95_MS:
        met["hybrid_p95_ms"] = judged(GOALS_P95_MS[size], latency["hybrid"]["p95"])
    if size in GOALS_QUOTES_P95_MS:
        quotes = latency["quotes (search included)"]["p95"]
        met["quotes_p95_ms"] = judged(GOALS_QUOTES_P95_MS[size], quotes)
    if size >= 1_000_000:
        met["first_search_s"] = judged(GOAL_FIRST_SEARCH_S, result["open_to_first_search_s"])
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build the libraries here and keep them")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: measure libraries built before again"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)  # the child's side
    parser.add_argument(
        "--library", choices=("local", "team"), default="local",
        help="team: the same material in a team library on PostgreSQL (bench.team_scale)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.library == "team":
        from bench import team_scale

        sys.argv = [sys.argv[0], "--passages", args.passages, "--queries", str(args.queries)]
        team_scale.main(json_output=args.json)
        return
    asked = questions(args.queries + 1)
    if args.probe:
        print(json.dumps(probe(args.probe, asked)))
        return
    from bench.retrieval import _shared_embedders

    passages, _ = base_passages()
    embedders: dict[str, Any] | None = None
    root = args.keep or Path(tempfile.mkdtemp(prefix="librarian-scale-"))
    results: dict[str, Any] = {
        "base_passages": len(passages),
        "vectors": f"real for the {len(passages)} base passages; copies: base + noise"
        f" (cosine ~{COPY_COSINE})",
        "sizes": {},
    }
    for size in (int(s) for s in args.passages.split(",")):
        folder = root / f"library-{size}"
        saved = folder / "built.json"
        if args.reuse and saved.is_file():
            built = json.loads(saved.read_text())
        else:
            shutil.rmtree(folder, ignore_errors=True)
            embedders = embedders or _shared_embedders(set(DEFAULT_EMBEDDING_MODELS))
            built = build(folder, size, passages, embedders)
            saved.write_text(json.dumps(built))
        command = ["-m", "bench.scale", "--probe", str(folder), "--queries", str(args.queries)]
        run = subprocess.run(
            [sys.executable, *command],
            capture_output=True, text=True, check=True, env={**os.environ, "TQDM_DISABLE": "1"},
        )  # fmt: skip
        measured = {**built, **json.loads(run.stdout.strip().splitlines()[-1])}
        measured["goals"] = goals(size, measured)
        results["sizes"][str(size)] = measured
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        if not args.json:
            report(size, measured)
    if args.json:
        print_json(results)


def report(size: int, m: dict[str, Any]) -> None:
    print(
        f"{size:>9,} passages: write {m['write_passages_per_s']:.0f}/s, "
        f"{m['disk_bytes_per_passage']} B/passage on disk; open {m['open_s']} s, "
        f"first search {m['open_to_first_search_s']} s ({m['first_search_ms']} ms, while the"
        f" vector indexes load: {m['vector_index_load_s']} s, then"
        f" {m['first_search_after_load_ms']} ms; models {m['models_load_s']} s apart)",
        flush=True,
    )
    print_latencies(m, 34)
    for key, p in m["query_encoding_ms"].items():
        print(f"    encoding a question with {key}: p50 {p['p50']} ms, p95 {p['p95']} ms")
    print(f"    docs listing {m['docs_listing_ms']} ms; memory MB {m['memory_mb']}")
    print(f"    goals {m['goals']}")


def print_latencies(m: dict[str, Any], width: int) -> None:
    """One line per kind of search: its percentiles, and how often its top hit was gold."""
    for kind, p in m["latency_ms"].items():
        gold = m["top_hit_is_gold"].get(kind)
        first = "" if gold is None else f"  top hit gold {gold:.3f}"
        print(
            f"    {kind:{width}} p50 {p['p50']:>6} ms  p95 {p['p95']:>6} ms  "
            f"p99 {p['p99']:>6} ms{first}"
        )


if __name__ == "__main__":
    main()
