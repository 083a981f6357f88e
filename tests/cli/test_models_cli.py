"""`librarian models list | get | remove` and `ask --model NAME`, with downloads from a loopback
stand-in for the Hugging Face file API (tests/hf_server.py) serving the real SmolLM2 GGUF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_OK, EXIT_USAGE, main
from tests.conftest import FIXTURES
from tests.hf_server import FILE, REPO_ID, HubServer

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("loaded_models")]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_shows_the_catalogue_with_its_fit_and_the_bundled_model(capsys):
    code, out, err = run(capsys, "models", "list", "--json")
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert data["machine"]["cores"] >= 1 and data["machine"]["ram_total"] > 0
    catalogue = data["catalogue"]
    assert len(catalogue) >= 5
    assert {row["fit"] for row in catalogue} <= {"gpu", "partly", "cpu", "too_big"}
    assert all(row["why"] and row["revision"] and row["licence"] for row in catalogue)
    assert sum(row["recommended"] for row in catalogue) <= 1
    [bundled] = data["installed"]
    assert bundled["source"] == "bundled" and bundled["in_use"] is True
    code, out, _ = run(capsys, "models", "list")
    assert code == EXIT_OK and "qwen2.5-1.5b" in out and "smollm2-135m" in out


def test_get_then_ask_with_it_then_remove(capsys, hub: HubServer, tmp_path: Path):
    code, out, err = run(capsys, "models", "get", REPO_ID, FILE, "--json")
    assert code == EXIT_OK, err
    installed = json.loads(out)
    assert installed["name"] == "tiny-writer-q4"
    assert installed["sha256"] == hub.sha256(f"{REPO_ID}/{FILE}")
    path = Path(installed["path"])
    assert path.is_file() and "models" in path.parts
    assert f"downloading {REPO_ID}/{FILE}" in err

    code, out, _ = run(capsys, "models", "list", "--json")
    names = {row["name"]: row for row in json.loads(out)["installed"]}
    assert names["tiny-writer-q4"]["source"] == "downloaded"
    assert names["tiny-writer-q4"]["in_use"] is False

    assert run(capsys, "index", str(FIXTURES / "ntsb_report.pdf"))[0] == EXIT_OK
    question = "What happened to the Reims F172 near Chevroux?"
    code, out, err = run(capsys, "ask", question, "--model", "tiny-writer-q4", "--json")
    assert code == EXIT_OK, err
    answer = json.loads(out)
    assert answer["model"] == FILE and answer["answer"].strip()

    code, _, err = run(capsys, "models", "remove", "tiny-writer-q4")
    assert code == EXIT_OK and "deleted" in err
    assert not path.exists()
    code, _, err = run(capsys, "ask", question, "--model", "tiny-writer-q4")
    assert code == EXIT_USAGE and "no model called 'tiny-writer-q4'" in err


def test_get_and_use_switches_the_answering_model(capsys, hub: HubServer):
    code, _, err = run(capsys, "models", "get", REPO_ID, FILE, "--use")
    assert code == EXIT_OK, err
    code, out, _ = run(capsys, "models", "list", "--json")
    in_use = [row["name"] for row in json.loads(out)["installed"] if row["in_use"]]
    assert in_use == ["tiny-writer-q4"]
    # Removing the model in use falls back to the bundled one.
    assert run(capsys, "models", "remove", "tiny-writer-q4")[0] == EXIT_OK
    code, out, _ = run(capsys, "models", "list", "--json")
    in_use = [row["name"] for row in json.loads(out)["installed"] if row["in_use"]]
    assert in_use == ["smollm2-135m"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("models", "get", "no-such-model"), "neither a catalogue model"),
        (("models", "get", "owner/repo"), "name the GGUF file"),
        (("models", "get", "owner/repo", "weights.bin"), "not a GGUF file"),
        (("models", "remove", "smollm2-135m"), "bundled model is part of the app"),
        (("models", "remove", "nothing"), "no installed model is called 'nothing'"),
        (("ask", "why?", "--model", "qwen2.5-7b"), "librarian models get qwen2.5-7b"),
    ],
)
def test_model_mistakes_are_one_line_and_exit_2(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == EXIT_USAGE, err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_failed_download_says_why_and_installs_nothing(capsys, hub: HubServer):
    hub.faults.wrong_sha256 = True
    code, _, err = run(capsys, "models", "get", REPO_ID, FILE)
    assert code != EXIT_OK
    assert "arrived damaged" in err and "Traceback" not in err
    code, out, _ = run(capsys, "models", "list", "--json")
    assert [row["name"] for row in json.loads(out)["installed"]] == ["smollm2-135m"]
