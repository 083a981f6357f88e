"""The `librarian` command: a command-line tool when given a command, the window otherwise."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from desktop_app.cli.main import wants_cli

    if wants_cli(args):
        from desktop_app.cli.main import main as cli_main

        return cli_main(args)
    from desktop_app.ui.app import main as gui_main

    return gui_main(args)
