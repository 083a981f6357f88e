"""Generation speed of the app's answering path against bare llama_cpp.Llama, side by side.

    python -m bench.generation [--json] [--runs N] [--max-tokens N] [--threads N]

Same model, same assembled prompt, same thread count, greedy sampling, both KV caches emptied
before every run:
- decode_ratio = app tokens/s divided by bare tokens/s (goal at least 0.95);
- ttft_ratio = the app's time from `ask()` to its first token (retrieval, prompt building and
  prompt evaluation) divided by the bare prompt evaluation time, i.e. the bare call's time to
  its first token (goal at most 1.15).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import EVAL, REPO, print_json

QUESTION = "What were the weather conditions at the accident site?"
DOCS = [
    REPO / "tests" / "fixtures" / "ntsb_report.pdf",
    EVAL / "pdfs" / "diverse" / "pdfminer_dmca.pdf",
    EVAL / "pdfs" / "diverse" / "samplefiles_multicolumn.pdf",
]


class FirstToken:
    """An on_token callback that notes when the first token arrived."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self, piece: str) -> None:
        if self.at is None:
            self.at = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import llama_cpp

    from desktop_app.application import Library
    from desktop_app.core.settings import Settings
    from desktop_app.services.llm import REPEAT_PENALTY

    settings = Settings(context_size=2048, threads=args.threads, max_answer_tokens=args.max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for doc in DOCS:
            if doc.exists():
                shutil.copy(doc, docs / doc.name)
        with Library(Path(tmp) / "data", settings) as library:
            library.index([docs])
            config = library.llm_config()
            library.ask("warm-up question about the report", config=config)  # load everything
            bare = llama_cpp.Llama(
                config.model_path,
                n_ctx=settings.context_size,
                n_threads=args.threads,
                n_gpu_layers=-1 if llama_cpp.llama_supports_gpu_offload() else 0,  # as the app
                n_threads_batch=args.threads,
                flash_attn=True,
                seed=config.seed,
                verbose=False,
            )
            app_tps, app_ttft, bare_tps, bare_ttft = [], [], [], []
            for _ in range(args.runs):
                library.llm._llm.reset()  # no prompt cache: both evaluate the whole prompt
                first = FirstToken()
                started = time.perf_counter()
                answer = library.ask(QUESTION, config=config, on_token=first)
                assert first.at is not None, "the model produced no token"
                app_ttft.append(first.at - started)
                app_tps.append(answer.timings["tokens_per_s"])

                bare.reset()
                started = time.perf_counter()
                stamps: list[float] = []
                for chunk in bare.create_chat_completion(
                    messages=answer.prompt,  # type: ignore[arg-type]
                    max_tokens=args.max_tokens,
                    temperature=0.0,
                    repeat_penalty=REPEAT_PENALTY,
                    stream=True,
                ):
                    if chunk["choices"][0]["delta"].get("content"):  # type: ignore[union-attr,index]
                        stamps.append(time.perf_counter())
                bare_ttft.append(stamps[0] - started)
                bare_tps.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
            bare.close()

    result = {
        "decode_ratio": round(statistics.median(app_tps) / statistics.median(bare_tps), 3),
        "ttft_ratio": round(statistics.median(app_ttft) / statistics.median(bare_ttft), 3),
        "app_tokens_per_s": round(statistics.median(app_tps), 1),
        "bare_tokens_per_s": round(statistics.median(bare_tps), 1),
        "app_ttft_s": round(statistics.median(app_ttft), 3),
        "bare_prompt_eval_s": round(statistics.median(bare_ttft), 3),
        "prompt_tokens": answer.timings.get("prompt_tokens"),
        "answer_tokens": answer.timings.get("tokens"),
        "threads": args.threads,
        "runs": args.runs,
        "model": Path(config.model_path).name,
    }
    if args.json:
        print_json(result)
        return
    print(
        f"{result['model']}, {result['prompt_tokens']} prompt tokens, "
        f"{result['answer_tokens']} answer tokens, {args.threads} threads, {args.runs} runs"
    )
    print(
        f"decode: app {result['app_tokens_per_s']} tok/s, bare {result['bare_tokens_per_s']} "
        f"tok/s, ratio {result['decode_ratio']} (goal >= 0.95)"
    )
    print(
        f"first token: app {result['app_ttft_s']} s, bare prompt eval "
        f"{result['bare_prompt_eval_s']} s, ratio {result['ttft_ratio']} (goal <= 1.15)"
    )


if __name__ == "__main__":
    main()
