"""`librarian teach`: examples in, a checked adapter out, the loss falling, base against adapter
on the held-out examples, and --use; mistakes are one-line messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from desktop_app.core.settings import Settings
from tests.conftest import FIXTURES
from tests.e2e.test_llm import write_adapter

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("loaded_models")]

EXAMPLES = FIXTURES / "teach_examples.jsonl"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.long
def test_teach_trains_compares_and_uses_the_adapter(capsys, tmp_path: Path):
    data = tmp_path / "data"
    code, out, err = run(
        capsys, "--data-dir", str(data), "teach", str(EXAMPLES), "--out", "answer-format",
        "--steps", "6", "--use", "--json",
    )  # fmt: skip
    assert code == EXIT_OK, err
    report = json.loads(out)
    assert report["name"] == "answer-format" and Path(report["path"]).is_file()
    losses = report["losses"]
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert report["held_out"] == 2 and len(report["examples"]) == 2
    compare = report["compare"]
    assert compare["adapter_overlap"] > compare["base_overlap"]
    assert "step 6/6 · loss" in err
    folder = data / "adapters" / "answer-format"
    assert (folder / "examples.jsonl").read_text(encoding="utf-8").count("\n") == 14
    assert json.loads((folder / "adapter.json").read_text())["steps"] == 6
    assert Settings.load(data / "settings.json").lora_path == report["path"]


def test_teach_mistakes_are_one_line(capsys, tmp_path: Path):
    few = tmp_path / "few.jsonl"
    few.write_text("".join(EXAMPLES.read_text(encoding="utf-8").splitlines(True)[:3]))
    code, _, err = run(capsys, "teach", str(few), "--out", "x")
    assert code == EXIT_ERROR and "3 example(s) are too few" in err
    assert len(err.strip().splitlines()) == 1

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"question": "Q?"}\n')
    code, _, err = run(capsys, "teach", str(broken), "--out", "x")
    assert code == EXIT_USAGE and "line 1: no answer" in err

    adapter = write_adapter(tmp_path / "adapter.gguf")
    code, _, err = run(capsys, "teach", str(EXAMPLES), "--out", "x", "--model", str(adapter))
    assert code == EXIT_ERROR and "is a LoRA adapter" in err

    code, _, err = run(capsys, "teach", str(EXAMPLES), "--out", "bad name!")
    assert code == EXIT_ERROR and "an adapter's name" in err

    code, _, err = run(capsys, "teach", str(EXAMPLES))
    assert code == EXIT_USAGE and "--out NAME" in err


def test_teach_from_the_answers_kept_in_the_window(capsys, tmp_path: Path):
    from desktop_app.application.kept_examples import KeptExamples
    from desktop_app.core.teaching import read_examples

    data = tmp_path / "data"
    code, _, err = run(capsys, "--data-dir", str(data), "teach", "--kept", "style")
    assert code == EXIT_USAGE and "no answers are kept in 'style'" in err and "👍" in err
    kept = KeptExamples(data / "adapters")
    for example in read_examples(EXAMPLES)[:3]:
        kept.keep("style", example)
    code, _, err = run(capsys, "--data-dir", str(data), "teach", "--kept", "style")
    assert code == EXIT_ERROR and "3 example(s) are too few" in err  # read from the set
    with pytest.raises(SystemExit) as exited:  # argparse: a file or a set, not both
        main(["teach", str(EXAMPLES), "--kept", "style", "--out", "x"])
    assert exited.value.code == EXIT_USAGE and "not allowed with" in capsys.readouterr().err
