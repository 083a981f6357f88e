"""The command line's options take their valid values from the settings, as the window does."""

from __future__ import annotations

import pytest

from desktop_app.cli.parser import build_parser
from desktop_app.core.settings import limits


@pytest.mark.parametrize(
    ("argv", "wrong"),
    [
        (["search", "-k", "0", "q"], "-k: 0 is out of range: from 1 to 20"),
        (["ask", "-k", "21", "q"], "-k: 21 is out of range: from 1 to 20"),
        (["ask", "--lora-scale", "2.5", "q"], "--lora-scale: 2.5 is out of range: from 0 to 2"),
        (["ask", "--max-tokens", "many", "q"], "--max-tokens: 'many' is not a whole number"),
    ],
)
def test_a_value_the_window_refuses_is_refused_with_its_range(argv, wrong, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    assert wrong in capsys.readouterr().err


def test_values_within_the_range_pass_with_their_kind():
    args = build_parser().parse_args(["ask", "-k", "20", "--lora-scale", "0.5", "q"])
    assert (args.k, args.lora_scale) == (20, 0.5) and isinstance(args.k, int)
    high = limits("max_answer_tokens").high
    assert build_parser().parse_args(["ask", "--max-tokens", f"{high:g}", "q"]).max_tokens == high
