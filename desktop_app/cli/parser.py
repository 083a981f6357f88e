"""The `librarian` command's options and subcommands (the launcher's COMMANDS names the same
subcommands without importing this; a test keeps the two equal)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.cli.models import add_models_parser
from desktop_app.cli.teach import add_teach_parser
from desktop_app.cli.team import add_team_parser
from desktop_app.core.settings import DEFAULTS, limits


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="librarian",
        description="Chat with your own documents, fully offline. Without a command, "
        "`librarian [--data-dir DIR] [FILE ...]` opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"librarian {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the library lives (default: $LIBRARIAN_DATA_DIR or the user data folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_index(sub)
    _add_search(sub)
    _add_ask(sub)
    _add_conversations(sub)
    _add_documents(sub)
    add_models_parser(sub)
    add_teach_parser(sub)
    add_team_parser(sub)

    p = sub.add_parser(
        "doctor", help="the library's state (every store, free disk), versions, models, back-end"
    )
    p.add_argument("--json", action="store_true")
    sub.add_parser(
        "repair",
        help="restore a damaged catalog from its backup, index again what changed, rebuild "
        "damaged vectors",
    )
    return parser


def _add_index(sub: Any) -> None:
    """`index`: files and folders into the library."""
    p = sub.add_parser("index", help="add files and folders to the library (incremental)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help=".gitignore-style pattern to leave out (repeatable)",
    )
    p.add_argument("--no-prune", action="store_true", help="keep documents deleted from disk")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")


def _add_search(sub: Any) -> None:
    """`search`: passages, without the model."""
    p = sub.add_parser("search", help="find passages (hybrid dense + lexical search)")
    p.add_argument("query")
    p.add_argument(
        "-k",
        type=setting("search_results"),
        default=None,
        metavar="N",
        help="number of passages (default: settings)",
    )
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    _add_scope(p)
    p.add_argument("--json", action="store_true")


def _add_ask(sub: Any) -> None:
    """`ask`: an answer from the documents, with its quotes and citations."""
    p = sub.add_parser("ask", help="answer a question from the documents, with citations")
    p.add_argument("question")
    p.add_argument(
        "-k", type=setting("search_results"), default=None, metavar="N", help="passages to consider"
    )
    p.add_argument(
        "--model",
        metavar="NAME",
        help="answering model: an installed model's name (`librarian models list`) or a .gguf"
        " file (default: the one chosen in the settings, else the bundled SmolLM2-135M)",
    )
    _add_scope(p)
    p.add_argument("--lora", metavar="GGUF", help="LoRA adapter to apply to the model")
    p.add_argument("--lora-scale", type=setting("lora_scale"), default=None, metavar="S")
    p.add_argument("--max-tokens", type=setting("max_answer_tokens"), default=None, metavar="N")
    p.add_argument(
        "--quotes-only",
        action="store_true",
        help="print the sentences that answer the question, without loading or running the model",
    )
    p.add_argument(
        "--instructions",
        metavar="TEXT",
        help='for a new conversation: tone, language, role ("answer in Russian, as a lawyer")',
    )
    p.add_argument(
        "--conversation",
        type=int,
        metavar="ID",
        help="continue conversation ID (default: start a new one)",
    )
    p.add_argument("--json", action="store_true")


def _add_conversations(sub: Any) -> None:
    """`chats` and `export`: the conversations."""
    p = sub.add_parser("chats", help="list the conversations")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="export a conversation to Markdown with its citations")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def _add_documents(sub: Any) -> None:
    """`docs`, `remove` and `embeddings`: what the library holds and searches with."""
    p = sub.add_parser("docs", help="list the documents in the library")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="remove documents from the library (not from disk)")
    p.add_argument("paths", nargs="+", metavar="PATH")

    p = sub.add_parser(
        "embeddings",
        help="the embedding models search uses; --use switches and re-embeds the library",
    )
    p.add_argument(
        "--use",
        nargs="+",
        metavar="MODEL",
        help="use-m3, minilm or a sentence-transformers model folder (one or more; default: "
        "use-m3 minilm). Search keeps the old vectors until the new ones are complete.",
    )
    p.add_argument("--json", action="store_true")


def setting(name: str) -> Callable[[str], float]:
    """An option's type for the numeric setting `name`: its kind and its valid values, as the
    window's settings allow (core.settings.limits)."""
    kind = int if isinstance(getattr(DEFAULTS, name), int) else float
    valid = limits(name)

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            wanted = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}") from None
        if not valid.holds(value):
            raise argparse.ArgumentTypeError(f"{text} is out of range: {valid.describe()}")
        return value

    return parse


def _add_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--in",
        dest="within",
        action="append",
        type=lambda path: str(Path(path).expanduser().resolve()),
        metavar="PATH",
        help="search only this indexed file, or the files under this folder (repeatable)",
    )
