"""The launcher: the window unless a command is named, and the same commands as the CLI."""

from __future__ import annotations

import pytest

from desktop_app.launcher import wants_cli


@pytest.mark.parametrize(
    ("args", "cli"),
    [
        ([], False),
        (["report.pdf"], False),
        (["--data-dir", "/tmp/x"], False),
        (["--data-dir", "/tmp/x", "index", "docs"], True),
        (["ask", "why?"], True),
        (["--help"], True),
        (["-v", "doctor"], True),
    ],
)
def test_the_launcher_opens_the_window_unless_a_command_is_named(args, cli):
    assert wants_cli(args) is cli


def test_the_launcher_knows_every_command_of_the_command_line():
    from desktop_app.cli.parser import build_parser
    from desktop_app.launcher import COMMANDS

    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(COMMANDS) == set(subparsers.choices or ())
