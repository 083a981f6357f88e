"""Entry point of the `librarian` command (and `python -m desktop_app`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.cli.interrupts import cancel_on_ctrl_c
from desktop_app.cli.parser import build_parser
from desktop_app.cli.vectors import BATCH_NOTICE, build_vectors, repair_vectors
from desktop_app.core import log_files
from desktop_app.core.cancel import CancelToken
from desktop_app.core.errors import UsageError, describe, is_bug
from desktop_app.core.paths import DataPaths, resolve_data_dir
from desktop_app.core.records import Outcome

if TYPE_CHECKING:  # imported lazily at run time: `librarian --help` stays instant
    from desktop_app.application import Library

log = logging.getLogger("desktop_app.cli")

EXIT_OK = 0
EXIT_ERROR = 1  # the command could not do its job (store unreadable, data dir in use, ...)
EXIT_USAGE = 2  # the user asked for something impossible (missing path, bad option)
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    data_dir = resolve_data_dir(args.data_dir)
    log_path = log_files.setup(DataPaths(data_dir).logs, args.verbose, hooks=True)
    try:
        return _dispatch(args)
    except UsageError as exc:
        print(f"librarian: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("librarian: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if is_bug(exc):
            log.error("librarian %s failed", args.command, exc_info=exc, extra=log_files.SHOWN)
        print(f"librarian: error: {describe(exc, log_path)}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        log_files.shutdown()


def _dispatch(args: argparse.Namespace) -> int:
    # Imported here so that `librarian --help` stays instant.
    from desktop_app.application import Library

    if args.command in ("index", "remove"):
        missing = [p for p in args.paths if not Path(p).expanduser().exists()]
        if missing and args.command == "index":
            raise UsageError(f"no such file or folder: {missing[0]}")
    if args.command == "ask" and args.lora and not Path(args.lora).expanduser().is_file():
        raise UsageError(f"--lora: no such file: {args.lora}")

    if args.command in ("doctor", "repair"):  # whatever state the library is in
        from desktop_app.cli.health import run_doctor, run_repair

        return run_doctor(args) if args.command == "doctor" else run_repair(args)
    if args.command == "team":  # the data directory's list of team libraries, not its library
        from desktop_app.cli.team import run_team

        return run_team(args)
    command = _COMMANDS.get(args.command)
    if command is None:  # pragma: no cover - argparse checks
        raise UsageError(f"unknown command {args.command}")
    with Library(args.data_dir) as library:
        for notice in library.notices:
            print(f"librarian: {notice}", file=sys.stderr)
        # Commands that use the vectors first make sure every passage has its vectors.
        rebuild = args.command == "index"
        if args.command in ("index", "search", "ask") and not repair_vectors(library, rebuild):
            return EXIT_INTERRUPTED
        return command(library, args)


def _search(library: Library, args: argparse.Namespace) -> int:
    hits = library.search(args.query, args.k, args.mode, args.within)
    if args.json:
        _print_json([h.as_dict() for h in hits])
        return EXIT_OK
    for n, hit in enumerate(hits, start=1):
        page = f", page {hit.page}" if hit.page else ""
        signals = "".join(f", {m.model} #{m.rank} {m.score:.2f}" for m in hit.dense)
        if hit.lexical_rank is not None:
            signals += f", lexical #{hit.lexical_rank}"
        print(f"[{n}] {hit.path}{page}  (score {hit.score:.4f}{signals})")
        print("    " + " ".join(hit.text.split())[:400])
    if not hits:
        print("No passages found.", file=sys.stderr)
    return EXIT_OK


def _ask(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.cli.ask import run_ask

    return run_ask(library, args)


def _chats(library: Library, args: argparse.Namespace) -> int:
    chats = library.chats.all()
    if args.json:
        fields = ("id", "title", "instructions", "created_at", "updated_at")
        _print_json([{name: getattr(c, name) for name in fields} for c in chats])
        return EXIT_OK
    for c in chats:
        print(f"{c.id:5}  {c.title}")
    return EXIT_OK


def _export(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.application import ConversationNotFound

    try:
        markdown = library.chats.export(args.id)
    except ConversationNotFound as exc:
        raise UsageError(str(exc)) from None
    if args.output:
        Path(args.output).expanduser().write_text(markdown, encoding="utf-8")
    else:
        sys.stdout.write(markdown)
    return EXIT_OK


def _docs(library: Library, args: argparse.Namespace) -> int:
    docs = library.documents()
    if args.json:
        _print_json([d.as_dict() for d in docs])
        return EXIT_OK
    for d in docs:
        detail = f"{d.pages} pages, " if d.pages else ""
        extra = f": {d.reason}" if d.reason and d.status is not Outcome.INDEXED else ""
        print(f"{d.status.value:9} {d.path} ({detail}{d.chunks} passages){extra}")
    return EXIT_OK


def _remove(library: Library, args: argparse.Namespace) -> int:
    removed = library.remove(args.paths)
    for path in removed:
        print(f"removed {path}", file=sys.stderr)
    not_found = len(args.paths) - len(removed)
    if not_found:
        raise UsageError(f"{not_found} of the paths were not in the library")
    return EXIT_OK


def _index(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.cli.progress import ProgressPrinter

    warning = library.space_estimate(args.paths, args.exclude).warning()
    if warning:
        print(f"librarian: {warning}", file=sys.stderr)
    printer = ProgressPrinter()
    cancel = CancelToken()
    with cancel_on_ctrl_c(cancel, BATCH_NOTICE):
        try:
            summary = library.index(
                args.paths,
                args.exclude,
                printer.report,
                printer.progress,
                cancel,
                prune=not args.no_prune,
            )
        finally:
            printer.finish()
    for path in summary.pruned:
        print(f"pruned    {path} (deleted from disk)", file=sys.stderr)
    counts = ", ".join(f"{summary.count(s)} {s.value}" for s in Outcome)
    state = "cancelled" if summary.cancelled else "done"
    print(
        f"{state}: {len(summary.reports)} files in {summary.seconds:.1f} s ({counts}"
        f"{f', {len(summary.pruned)} pruned' if summary.pruned else ''})",
        file=sys.stderr,
    )
    if args.json:
        _print_json([r.as_dict() for r in summary.reports])
    if summary.cancelled or not build_vectors(library, cancel):
        return EXIT_INTERRUPTED
    return EXIT_OK


def _embeddings(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.core.embedding_models import BUILTIN_MODELS

    if args.use:
        notices = library.embeddings.choose(args.use)
        if notices:
            raise UsageError(notices[0])
        if not build_vectors(library, CancelToken()):
            return EXIT_INTERRUPTED
    spaces = library.embeddings.describe()
    if args.json:
        _print_json(
            {
                "chosen": list(library.embeddings.chosen),
                "spaces": spaces,
                "builtin": {k: {"label": m.label, "languages": m.languages}
                            for k, m in BUILTIN_MODELS.items()},
            }
        )  # fmt: skip
        return EXIT_OK
    for space in spaces:
        mark = "*" if space["chosen"] else " "
        print(f"{mark} {space['model']:8} {space['state']:9} {space['label']}")
    print("\nBuilt-in models (librarian embeddings --use MODEL...):")
    for key, model in BUILTIN_MODELS.items():
        print(f"  {key:8} {model.label}: {model.languages}")
    return EXIT_OK


def _models(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.application.models import ModelChoiceError
    from desktop_app.cli.models import run_models

    try:
        return run_models(library, args)
    except ModelChoiceError as exc:
        raise UsageError(str(exc)) from None


def _teach(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.application.kept_examples import KeptExamplesError
    from desktop_app.application.models import ModelChoiceError
    from desktop_app.application.teaching import TeachingError
    from desktop_app.cli.teach import run_teach
    from desktop_app.core.teaching import ExamplesError

    if args.kept:
        sets = dict(library.teaching.kept.sets())
        if args.kept not in sets:
            known = ", ".join(sets) or "none yet: keep answers with 👍 in the window"
            raise UsageError(f"no answers are kept in {args.kept!r} (kept sets: {known})")
    elif not Path(args.examples).expanduser().is_file():
        raise UsageError(f"no such file: {args.examples}")
    if not (args.out or args.kept):
        raise UsageError("name the adapter: --out NAME")
    try:
        return run_teach(library, args)
    except (ExamplesError, KeptExamplesError, ModelChoiceError) as exc:
        raise UsageError(str(exc)) from None
    except TeachingError as exc:
        print(f"librarian: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


_COMMANDS = {
    "index": _index,
    "search": _search,
    "ask": _ask,
    "embeddings": _embeddings,
    "models": _models,
    "teach": _teach,
    "chats": _chats,
    "export": _export,
    "docs": _docs,
    "remove": _remove,
}
