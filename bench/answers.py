"""Answer quality of the quotes and the answering model on questions with known answers,
through the app.

    python -m bench.answers [--model GGUF_PATH] [--questions N] [--json] [--lang en,ru]
                            [--evidence windows,passages]

For each language, XQuAD's paragraphs (EVAL/qa/xquad-LANG-dev, BEIR layout) are written as text
files and indexed into a fresh temporary library with the app's own pipeline and default
settings (greedy sampling: temperature 0); then `Library.ask` answers N questions, the same
question ids in every language: every k-th question of the file, so that most of its articles
are covered. Per question:
- contains gold: the answer holds one of the question's gold answers (case-insensitive, spaces
  normalised, substring);
- cites gold: one of the passages the answer cites is from the gold paragraph (qrels);
- gold given: the gold paragraph is among the passages the model was given (retrieval's share);
- nothing found: the relevance gate found nothing relevant, the model was not asked;
- time to first token: from the `ask` call to the first streamed token (retrieval, prompt
  building, prompt evaluation; the model is loaded beforehand);
- tokens/s: streamed tokens after the first, per second from the first to the last;
- quotes: the best quote / one of the top three holds a gold answer, and the time from the
  `ask` call to the quotes (they come before the model runs);
- model run: the model wrote the answer (it is not run for a language it does not write: then
  the answer names a model that does, "offer");
- follow-up time to first token: the next question asked as a follow-up in the conversation
  of this one, over the same question's time as a conversation's first (the ratio's median);
  in brackets the same for the model's part alone (prompt evaluation, from the model's call to
  its first token: what llama.cpp's cache of the earlier exchange saves); and whether those
  follow-ups' answers hold their gold answer, against the same questions asked first.
Each model is measured with each kind of evidence (--evidence): sentence windows (the app's
default) and whole passages, the same questions, the same index.
Rates are over all N questions; times over those the model was asked (grounded).

--model (repeatable) names GGUF files to compare; the default is the app's (the bundled
SmolLM2-135M). The index is built once per language and shared by the models.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import EVAL, print_json
from bench.retrieval import _shared_embedders, load, write_corpus

if TYPE_CHECKING:
    from desktop_app.application import Library, LlmConfig

DEFAULT_QUESTIONS = 30
LANGS = ("en", "ru")


def qa_folder(lang: str) -> Path:
    return EVAL / "qa" / f"xquad-{lang}-dev"


def pick(queries: list[dict], qrels: dict[str, dict[str, int]], n: int) -> list[str]:
    """Every k-th answerable question's id: the file runs article by article, so the first N
    alone would all be about one or two articles."""
    answerable = [q["_id"] for q in queries if q["_id"] in qrels and q.get("answers")]
    step = max(1, len(answerable) // max(1, n))
    return answerable[::step][:n]


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def contains_gold(text: str, answers: list[str]) -> bool:
    """Substring match: lenient with long answers that repeat the passage, strict with
    paraphrases ("2" for "two", "19th" for "nineteenth")."""
    answer = normalise(text)
    # Some gold spans end with the sentence's full stop ("Scottish Government."): not required.
    golds = (normalise(gold).strip(" .,;:") for gold in answers)
    return any(gold in answer for gold in golds if gold)


class Stream:
    """An on_token callback that notes when each piece arrived."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def __call__(self, piece: str) -> None:
        self.stamps.append(time.perf_counter())


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    question: str
    gold: list[str]
    answer: str
    grounded: bool
    contains_gold: bool
    cites_gold: bool
    gold_given: bool
    citations_inferred: bool
    ttft_s: float | None  # None: the model was not asked
    tokens: int
    tokens_per_s: float | None  # None: not asked, or a single token
    quotes: list[str]
    best_quote_gold: bool
    top3_quotes_gold: bool
    quotes_s: float | None  # from the ask call to the quotes; None: no quotes
    model_run: bool
    offer: bool  # the answer names a model to get (the model cannot write the language)
    prompt_tokens: int | None
    model_first_token_s: float | None  # the model's part of ttft_s: prompt evaluation
    follow_up_ttft_s: float | None = None  # the next question, asked as a follow-up of this
    follow_up_model_s: float | None = None  # and the model's part of it
    follow_up_contains_gold: bool | None = None  # that follow-up's answer holds its gold


def ask(
    library: Library,
    config: LlmConfig,
    query: dict,
    gold_ids: set[str],
    by_path: dict[str, str],
    conversation: int | None = None,
) -> Outcome:
    stream = Stream()
    quoted: list[float] = []
    started = time.perf_counter()
    answer = library.ask(
        query["text"],
        config=config,
        on_token=stream,
        on_quotes=lambda quotes: quoted.append(time.perf_counter()),
        conversation_id=conversation,
    )
    cited_docs = {
        by_path.get(answer.sources[n - 1].path)
        for n in answer.cited
        if 0 < n <= len(answer.sources)
    }
    given_docs = {by_path.get(hit.path) for hit in answer.sources}
    # The app's own lines (nothing found, a language the model lacks) are no generation.
    stamps = stream.stamps if answer.grounded and answer.writer_ran else []
    quotes = [q.text for q in answer.quotes]
    decode_s = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return Outcome(
        id=query["_id"],
        question=query["text"],
        gold=list(query["answers"]),
        answer=answer.text,
        grounded=answer.grounded,
        contains_gold=answer.grounded and contains_gold(answer.text, query["answers"]),
        cites_gold=bool(cited_docs & gold_ids),
        gold_given=answer.grounded and bool(given_docs & gold_ids),
        citations_inferred=answer.citations_inferred,
        ttft_s=round(stamps[0] - started, 3) if stamps else None,
        tokens=len(stamps),
        tokens_per_s=round((len(stamps) - 1) / decode_s, 1) if decode_s > 0 else None,
        quotes=quotes,
        best_quote_gold=bool(quotes) and contains_gold(quotes[0], query["answers"]),
        top3_quotes_gold=any(contains_gold(q, query["answers"]) for q in quotes),
        quotes_s=round(quoted[0] - started, 3) if quoted else None,
        model_run=answer.writer_ran and bool(stamps),
        offer=not answer.writer_ran and "librarian models get" in answer.text,
        prompt_tokens=int(answer.timings["prompt_tokens"]) if stamps else None,
        model_first_token_s=answer.timings.get("first_token_s") if stamps else None,
    )


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    n = len(outcomes)

    def rate(flag: str) -> float:
        return round(sum(getattr(o, flag) for o in outcomes) / n, 3) if n else 0.0

    def median(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return round(statistics.median(present), 3) if present else None

    def p95(values: list[float | None]) -> float | None:
        present = sorted(v for v in values if v is not None)
        return round(present[int(0.95 * (len(present) - 1))], 3) if present else None

    ratios = [
        o.follow_up_ttft_s / first.ttft_s
        for o, first in itertools.pairwise(outcomes)
        if o.follow_up_ttft_s and first.ttft_s
    ]
    model_ratios = [
        o.follow_up_model_s / first.model_first_token_s
        for o, first in itertools.pairwise(outcomes)
        if o.follow_up_model_s and first.model_first_token_s
    ]
    followed = [
        (o.follow_up_contains_gold, first.contains_gold)
        for o, first in itertools.pairwise(outcomes)
        if o.follow_up_contains_gold is not None
    ]
    return {
        # The follow-ups' answers against the same questions' answers as a chat's first.
        "follow_up_contains_gold": (
            round(sum(f for f, _ in followed) / len(followed), 3) if followed else None
        ),
        "follow_up_questions_first_contains_gold": (
            round(sum(f for _, f in followed) / len(followed), 3) if followed else None
        ),
        "best_quote_gold": rate("best_quote_gold"),
        "top3_quotes_gold": rate("top3_quotes_gold"),
        "quotes_s_p50": median([o.quotes_s for o in outcomes]),
        "quotes_s_p95": p95([o.quotes_s for o in outcomes]),
        "model_run": rate("model_run"),
        "offer": rate("offer"),
        "prompt_tokens_p50": median([o.prompt_tokens for o in outcomes]),
        "follow_up_ratio_p50": round(statistics.median(ratios), 3) if ratios else None,
        "follow_up_model_ratio_p50": (
            round(statistics.median(model_ratios), 3) if model_ratios else None
        ),
        "follow_ups": len(ratios),
        "n": n,
        "contains_gold": rate("contains_gold"),
        "cites_gold": rate("cites_gold"),
        "gold_given": rate("gold_given"),
        "nothing_found": round(1 - rate("grounded"), 3) if n else 0.0,
        "citations_inferred": rate("citations_inferred"),
        "ttft_s_p50": median([o.ttft_s for o in outcomes]),
        "tokens_per_s_p50": median([o.tokens_per_s for o in outcomes]),
        "answer_tokens_p50": median([o.tokens for o in outcomes if o.grounded]),
    }


def evaluate(
    lang: str,
    ids: list[str],
    models: list[str | None],
    embedders: dict,
    evidence: list[str],
    follow_ups: int,
) -> list[dict[str, Any]]:
    """One result per model: the language's corpus indexed once, every model asked in turn."""
    from desktop_app.application import Library
    from desktop_app.core.settings import Settings
    from desktop_app.services.llm.cpu import physical_cores

    corpus, queries, qrels = load(qa_folder(lang))
    by_id = {q["_id"]: q for q in queries}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise SystemExit(f"xquad-{lang}-dev lacks the questions {missing[:3]}...")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        by_path = write_corpus(corpus, Path(tmp) / "corpus")
        # A new user's settings: the app's defaults (temperature 0, seed 0), not this machine's.
        with Library(Path(tmp) / "data", Settings(), embedders=embedders) as library:
            library.embeddings.load_models()
            started = time.perf_counter()
            library.index([Path(tmp) / "corpus"])
            index_s = time.perf_counter() - started
            for model, kind in itertools.product(models, evidence):
                library.settings.prompt_evidence = kind
                config = library.llm_config(model=model)
                started = time.perf_counter()
                library.load_model(config)  # loading is not answering: out of the timings
                load_s = time.perf_counter() - started
                started = time.perf_counter()
                outcomes = [ask(library, config, by_id[i], set(qrels[i]), by_path) for i in ids]
                # Question i+1 again, as a follow-up in question i's conversation.
                for i in range(min(follow_ups, len(ids) - 1)):
                    chat = library.chats.new()
                    ask(library, config, by_id[ids[i]], set(qrels[ids[i]]), by_path, chat)
                    again = ask(
                        library, config, by_id[ids[i + 1]], set(qrels[ids[i + 1]]), by_path, chat
                    )
                    outcomes[i] = replace(
                        outcomes[i],
                        follow_up_ttft_s=again.ttft_s,
                        follow_up_model_s=again.model_first_token_s,
                        follow_up_contains_gold=again.contains_gold,
                    )
                wall_s = time.perf_counter() - started
                status = library.model_status()
                path = Path(config.model_path)
                results.append(
                    {
                        "model": path.name,
                        "model_mb": round(path.stat().st_size / 2**20, 1),
                        "lang": lang,
                        "evidence": kind,
                        **summarise(outcomes),
                        "wall_s": round(wall_s, 1),
                        "load_s": round(load_s, 1),
                        "index_s": round(index_s, 1),
                        "placement": status.placement.describe() if status.placement else "",
                        "threads": config.threads or physical_cores(),
                        "questions": [asdict(o) for o in outcomes],
                    }
                )
    return results


def table(results: list[dict[str, Any]]) -> str:
    def fmt(value: float | None, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    rows = [
        "| model | lang | evidence | n | best quote gold | top 3 quotes gold "
        "| quotes p50 / p95 (s) | model run | offer | contains gold | cites gold | gold given "
        "| prompt tokens p50 "
        "| TTFT p50 (s) | follow-up / first TTFT (model's part) | tokens/s p50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['model']} ({r['model_mb']} MB) | {r['lang']} | {r['evidence']} | {r['n']} "
            f"| {fmt(r['best_quote_gold'])} | {fmt(r['top3_quotes_gold'])} "
            f"| {fmt(r['quotes_s_p50'], 3)} / {fmt(r['quotes_s_p95'], 3)} "
            f"| {fmt(r['model_run'])} | {fmt(r['offer'])} "
            f"| {fmt(r['contains_gold'])} | {fmt(r['cites_gold'])} | {fmt(r['gold_given'])} "
            f"| {fmt(r['prompt_tokens_p50'], 0)} | {fmt(r['ttft_s_p50'])} "
            f"| {fmt(r['follow_up_ratio_p50'])} ({fmt(r['follow_up_model_ratio_p50'])}) "
            f"| {fmt(r['tokens_per_s_p50'], 1)} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", action="append", type=Path, help="a GGUF file (repeat to compare several)"
    )
    parser.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS, help="per language")
    parser.add_argument("--lang", default=",".join(LANGS), help="e.g. en,ru")
    parser.add_argument(
        "--evidence", default="windows,passages", help="what the model reads: windows,passages"
    )
    parser.add_argument(
        "--follow-ups", type=int, default=10, help="questions also asked as follow-ups"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    langs = [lang for lang in args.lang.split(",") if lang]
    for lang in langs:
        if not (qa_folder(lang) / "queries.jsonl").exists():
            raise SystemExit(f"no QA set at {qa_folder(lang)} (set LIBRARIAN_EVAL_DIR)")
    models: list[str | None] = [str(m.expanduser().resolve()) for m in args.model or []] or [None]

    from desktop_app.core.settings import Settings

    # The same question ids in every language (XQuAD's are translations of each other).
    _, queries, qrels = load(qa_folder(langs[0]))
    ids = pick(queries, qrels, args.questions)
    embedders = _shared_embedders(set(Settings().chosen_embedding_models()))
    started = time.perf_counter()
    evidence = [kind for kind in args.evidence.split(",") if kind]
    results = [
        r
        for lang in langs
        for r in evaluate(lang, ids, models, embedders, evidence, args.follow_ups)
    ]
    total_s = time.perf_counter() - started
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"
    if args.json:
        print_json({"machine": machine, "total_s": round(total_s, 1), "results": results})
        return
    first = results[0]
    print(
        f"{machine}; answering on {first['placement'] or '?'}, {first['threads']} threads; "
        f"{len(ids)} questions per language; {total_s:.0f} s in all\n"
    )
    print(table(results))
    for r in results:
        print(
            f"\n{r['model']} {r['lang']} {r['evidence']}: indexed in {r['index_s']} s, model "
            f"loaded in "
            f"{r['load_s']} s, median answer {r['answer_tokens_p50']} tokens, citations "
            f"inferred for {r['citations_inferred']:.0%}"
        )


if __name__ == "__main__":
    main()
