"""`librarian teach EXAMPLES --out NAME` (or `--kept SET`, the answers kept in the window):
train a LoRA adapter for the answering model on question -> answer examples, show the loss as
it falls, then compare base and adapter on the held-out examples."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.cli.interrupts import cancel_on_ctrl_c
from desktop_app.core.cancel import CancelToken

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.application.teaching import TrainingRun

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130


def add_teach_parser(sub: Any) -> None:
    p = sub.add_parser("teach", help="teach the answering model from examples (a LoRA adapter)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "examples", metavar="EXAMPLES", nargs="?", help=".jsonl or .csv of question -> answer"
    )
    source.add_argument(
        "--kept", metavar="SET", help="the answers kept in the window (👍) in this set"
    )
    p.add_argument("--out", metavar="NAME", help="the adapter's name (default: the set's)")
    p.add_argument("--steps", type=int, default=60, metavar="N", help="training steps (60)")
    p.add_argument("--rank", type=int, default=8, metavar="R", help="LoRA rank (8)")
    p.add_argument("--model", metavar="NAME", help="the base model (default: the one in use)")
    p.add_argument("--use", action="store_true", help="answer with the adapter from now on")
    p.add_argument("--no-compare", action="store_true", help="skip the held-out comparison")
    p.add_argument("--json", action="store_true")


def run_teach(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.application.teaching import Exported
    from desktop_app.core.teaching import read_examples

    if args.kept:
        examples = library.teaching.kept.read(args.kept)
        args.out = args.out or args.kept
    else:
        examples = read_examples(Path(args.examples).expanduser())
    base = str(library.models.resolve(args.model)) if args.model else library.models.current_path()
    plan = library.teaching.plan(examples, args.out, base, args.steps, args.rank)
    print(
        f"teaching {Path(base).name} on {len(plan.request.examples)} examples"
        f" ({len(plan.held_out)} held out), {args.steps} steps",
        file=sys.stderr,
    )
    run = library.teaching.start(plan)
    with cancel_on_ctrl_c(CancelToken()) as interrupted:
        _follow(run, interrupted)
    result = run.result
    if not isinstance(result, Exported):
        print(f"librarian: {result.message if result else 'teaching stopped'}", file=sys.stderr)
        if interrupted.cancelled:
            print("run the same command again to resume", file=sys.stderr)
            return EXIT_INTERRUPTED
        return EXIT_ERROR
    info = library.teaching.finish(plan, result)
    summary: dict[str, object] = {
        "name": info.name,
        "path": info.path,
        "base_model": info.base_model,
        "losses": [round(x, 4) for x in result.losses],
        "held_out": info.held_out,
    }
    if not args.no_compare:
        config = library.llm_config(base)
        comparisons = library.teaching.compare(plan, config)
        scores = [c.scores() for c in comparisons]
        summary["compare"] = {
            key: round(statistics.fmean(s[key] for s in scores), 3) for key in scores[0]
        }
        summary["examples"] = [
            {"question": c.question, "expected": c.expected, "base": c.base, "adapter": c.adapter}
            for c in comparisons
        ]
    if args.use:
        library.teaching.use(info.name)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _tell(summary, args.use)
    return EXIT_OK


def _follow(run: TrainingRun, interrupted: CancelToken) -> None:
    """Print each training step's loss until the run ends (or Ctrl+C cancels it)."""
    shown = 0
    while not run.done:
        if interrupted.cancelled:
            run.cancel()
            return
        run.poll()
        if run.last is not None and run.last.step != shown:
            shown = run.last.step
            left = run.seconds_left()
            eta = f" · {left:.0f} s left" if left is not None else ""
            print(
                f"step {run.last.step}/{run.last.steps} · loss {run.last.loss:.3f}{eta}",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(0.1)


def _tell(summary: dict[str, object], used: bool) -> None:
    """The adapter made, how it compares on the held-out examples, and how to use it."""
    print(f"adapter {summary['name']}: {summary['path']}", file=sys.stderr)
    compare = summary.get("compare")
    if isinstance(compare, dict):
        print(
            f"held out: format followed {compare['base_format']:.0%} (base) →"
            f" {compare['adapter_format']:.0%} (adapter), overlap with the expected answer"
            f" {compare['base_overlap']:.2f} → {compare['adapter_overlap']:.2f}",
            file=sys.stderr,
        )
    if not used:
        print(f"answer with it: librarian ask QUESTION --lora {summary['path']}", file=sys.stderr)
