"""`librarian ask QUESTION`: the quotes that answer it first, then the model's answer streamed,
then the sources; `--quotes-only` without the model, `--json` for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.cli.interrupts import cancel_on_ctrl_c
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import DiskFull, ReadOnlyLibrary, UsageError

if TYPE_CHECKING:
    from desktop_app.application import Answer, Library, LlmConfig, Quote

EXIT_OK, EXIT_INTERRUPTED = 0, 130


def run_ask(library: Library, args: argparse.Namespace) -> int:
    config = None if args.quotes_only else _model_config(library, args)  # quotes: no model
    conversation = _conversation(library, args)
    cancel = CancelToken()

    def stream(piece: str) -> None:
        sys.stdout.write(piece)
        sys.stdout.flush()

    # Ctrl+C stops generation within one token; the partial answer is kept.
    with cancel_on_ctrl_c(cancel):
        answer = library.ask(
            args.question,
            k=args.k,
            config=config,
            max_tokens=args.max_tokens,
            on_token=None if args.json else stream,
            on_quotes=None if args.json else _show_quotes,
            cancel=cancel,
            conversation_id=conversation,
            within=args.within,
            quotes_only=args.quotes_only,
        )
    # As in the window, an adapter that cannot be applied is left out, not the answer.
    refused = library.model_status().adapter_refused if config is not None else None
    if refused:
        print(f"librarian: the LoRA adapter was not applied: {refused}", file=sys.stderr)
    if args.json:
        result = answer.as_dict()
        result["model"] = Path(config.model_path).name if config and answer.writer_ran else None
        adapter = config.lora_path if config is not None and not refused else None
        result["lora"] = Path(adapter).name if adapter else None
        result["lora_refused"] = refused
        result["conversation"] = conversation
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _show_the_rest(answer, conversation)
    return EXIT_INTERRUPTED if answer.cancelled else EXIT_OK


def _model_config(library: Library, args: argparse.Namespace) -> LlmConfig:
    from desktop_app.application.models import ModelChoiceError

    try:
        model = str(library.models.resolve(args.model)) if args.model else None
    except ModelChoiceError as exc:
        raise UsageError(f"--model: {exc}") from None
    if model and not Path(model).is_file():
        raise UsageError(f"--model: no such file: {args.model}")
    return library.llm_config(model, args.lora, args.lora_scale)


def _conversation(library: Library, args: argparse.Namespace) -> int | None:
    """The conversation the answer goes to: a new one, or --conversation's (None: a full
    disk, answered all the same and not kept)."""
    from desktop_app.application import ConversationNotFound

    if args.conversation is None:
        try:
            return library.chats.new(args.instructions or "")
        except (DiskFull, ReadOnlyLibrary) as exc:
            print(f"librarian: {exc}; this answer is not kept", file=sys.stderr)
            return None
    try:
        library.chats.get(args.conversation)
    except ConversationNotFound as exc:
        raise UsageError(str(exc)) from None
    if args.instructions is not None:
        library.chats.set_instructions(args.conversation, args.instructions)
    return int(args.conversation)


def _show_quotes(quotes: list[Quote]) -> None:
    for quote in quotes:
        page = f", page {quote.page}" if quote.page is not None else ""
        print(f"> {quote.text} [{quote.n}]\n>   ({quote.path}{page})")
    if quotes:
        print(flush=True)


def _show_the_rest(answer: Answer, conversation: int | None) -> None:
    """After the streamed answer: its sources, where it was kept, and its timings."""
    print()
    if answer.sources:
        print("\nSources:")
        for n, hit in enumerate(answer.sources, start=1):
            mark = "*" if n in answer.cited else " "
            page = f", page {hit.page}" if hit.page else ""
            print(f"{mark}[{n}] {hit.path}{page}")
    t = answer.timings
    sys.stdout.flush()
    if answer.not_saved:
        print(f"librarian: {answer.not_saved}", file=sys.stderr)
    elif conversation is not None:
        print(f"(conversation {conversation})", file=sys.stderr)
    if answer.grounded and "first_token_s" in t:
        print(
            f"({t['retrieval_ms']:.0f} ms retrieval, quotes at {t['quotes_ms']:.0f} ms, "
            f"{t['prompt_tokens']} prompt tokens, "
            f"first token {t['first_token_s']:.2f} s, {t['tokens_per_s']:.0f} tokens/s)",
            file=sys.stderr,
        )
