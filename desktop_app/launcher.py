"""The `librarian` command: a command-line tool when given a command, the window otherwise."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_cli(args):
        from desktop_app.cli.main import main as cli_main

        return cli_main(args)
    from desktop_app.ui.app import main as gui_main

    return gui_main(args)


COMMANDS = (
    "index",
    "search",
    "ask",
    "chats",
    "export",
    "docs",
    "remove",
    "embeddings",
    "models",
    "teach",
    "team",
    "doctor",
    "repair",
)


def wants_cli(args: Sequence[str]) -> bool:
    """True when the arguments name a command (or ask for help): otherwise the window opens.
    Decided here, without importing the command-line module: the window starts faster."""
    if any(a in ("-h", "--help", "--version") for a in args):
        return True
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--data-dir":
            rest = rest[1:]
        elif not arg.startswith("-"):
            return arg in COMMANDS
    return False
