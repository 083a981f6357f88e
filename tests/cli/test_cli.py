"""The command line: exit codes, JSON shapes, one-line errors. Runs `main()` in-process with the
real services (the data directory comes from LIBRARIAN_DATA_DIR, fresh for every test)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from desktop_app.core.settings import Settings
from tests.conftest import FIXTURES, REPO
from tests.e2e.test_llm import BAD_ADAPTERS, bad_adapter, write_adapter

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("loaded_models")]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(FIXTURES / "ntsb_report.pdf", folder / "ntsb_report.pdf")
    (folder / "notes.txt").write_text("The archive reading room opens at nine every weekday.\n")
    (folder / "locked.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return folder


def test_index_json_shape_and_exit_code(capsys, corpus: Path):
    code, out, err = run(capsys, "index", str(corpus), "--json")
    assert code == EXIT_OK, err
    reports = {Path(r["path"]).name: r for r in json.loads(out)}
    assert set(reports) == {"ntsb_report.pdf", "notes.txt", "locked.pdf"}
    for report in reports.values():
        assert set(report) == {"path", "status", "reason", "pages", "chunks"}
    assert reports["ntsb_report.pdf"]["status"] == "indexed"
    assert reports["ntsb_report.pdf"]["pages"] == 3
    assert reports["locked.pdf"]["status"] == "skipped"
    assert reports["locked.pdf"]["reason"]
    assert "2 indexed" in err and "1 skipped" in err

    code, out, _ = run(capsys, "index", str(corpus), "--json")
    assert code == EXIT_OK
    statuses = sorted(r["status"] for r in json.loads(out))
    assert statuses == ["skipped", "unchanged", "unchanged"]


def test_search_json_shape(capsys, corpus: Path):
    assert run(capsys, "index", str(corpus))[0] == EXIT_OK
    code, out, _ = run(capsys, "search", "fog at the accident site", "-k", "2", "--json")
    assert code == EXIT_OK
    hits = json.loads(out)
    assert 1 <= len(hits) <= 2
    for hit in hits:
        assert {"path", "page", "text", "score"} <= set(hit)
    assert hits[0]["page"] == 3 and hits[0]["path"].endswith("ntsb_report.pdf")
    code, out, _ = run(capsys, "search", "reading room hours", "-k", "1", "--json")
    assert json.loads(out)[0]["page"] is None  # text files have no pages
    pdf = str(corpus / "ntsb_report.pdf")
    code, out, _ = run(capsys, "search", "reading room hours", "--in", pdf, "--json")
    assert code == EXIT_OK and {h["path"] for h in json.loads(out)} == {str(Path(pdf).resolve())}
    code, _, err = run(capsys, "search", "reading room hours", "--in", str(corpus / "locked.pdf"))
    assert code == EXIT_ERROR and "Nothing is indexed in locked.pdf" in err  # it was skipped
    # Without -k, the number of passages is the settings' (as in the window), not a default of
    # the command line's own.
    settings_file = Path(os.environ["LIBRARIAN_DATA_DIR"]) / "settings.json"
    Settings(search_results=1).save(settings_file)
    code, out, _ = run(capsys, "search", "fog at the accident site", "--json")
    assert code == EXIT_OK and len(json.loads(out)) == 1


def test_docs_and_remove(capsys, corpus: Path):
    assert run(capsys, "index", str(corpus))[0] == EXIT_OK
    code, out, _ = run(capsys, "docs", "--json")
    assert code == EXIT_OK
    docs = json.loads(out)
    assert {Path(d["path"]).name for d in docs} == {"ntsb_report.pdf", "notes.txt", "locked.pdf"}
    assert {"path", "status", "reason", "pages", "chunks", "title"} <= set(docs[0])
    code, _, err = run(capsys, "remove", str(corpus / "notes.txt"))
    assert code == EXIT_OK and "removed" in err
    code, out, _ = run(capsys, "docs", "--json")
    assert len(json.loads(out)) == 2
    code, _, err = run(capsys, "remove", str(corpus / "notes.txt"))
    assert code == EXIT_USAGE and "not in the library" in err


def test_doctor_reports_a_library_in_use_by_another_process_without_failing(capsys, tmp_path):
    from desktop_app.services.store.instance_lock import InstanceLock

    data = tmp_path / "data"
    assert run(capsys, "--data-dir", str(data), "docs")[0] == EXIT_OK  # an empty library
    with InstanceLock(data / "librarian.lock"):
        code, out, _ = run(capsys, "--data-dir", str(data), "doctor", "--json")
    assert code == EXIT_OK
    info = json.loads(out)
    assert info["stores"]["catalog"]["state"] == "ok" and info["free_disk_mb"] > 0
    assert "another Librarian" in info["library"] and info["advice"] == ["Nothing to do."]
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "none"), "doctor")
    assert code == EXIT_OK and "catalog: missing" in out


def test_doctor_json(capsys):
    code, out, _ = run(capsys, "doctor", "--json")
    assert code == EXIT_OK
    info = json.loads(out)
    assert info["backend"] in {"CPU", "CUDA", "Metal", "Vulkan", "ROCm", "GPU"}
    assert isinstance(info["gpu_offload"], bool)
    assert info["default_embedding_model"] and info["default_llm"]
    assert info["packages"]["llama-cpp-python"] == "0.3.36"
    # Where the default model runs: this machine's CPU build, or a GPU and its layers.
    assert isinstance(info["gpus"], list)
    if not info["gpu_offload"]:
        assert info["gpus"] == [] and info["llm_placement"] == "CPU"
    else:
        assert "layers on the GPU" in info["llm_placement"] or "CPU" in info["llm_placement"]
    # OCR: the engine, its version and languages (or what to install).
    ocr = info["ocr"]
    assert ocr["enabled"] is True and ocr["engine"].startswith("Tesseract 5.")
    if ocr["available"]:
        assert ocr["languages"] == "eng+rus" and "rus" in ocr["installed_languages"]
    else:
        assert "install tesseract-ocr" in ocr["problem"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("index", "/no/such/folder"), "no such file or folder"),
        (("ask", "x", "--lora", "/no/such/adapter.gguf"), "--lora: no such file"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == EXIT_USAGE
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unusable_data_dir_is_a_clear_error(capsys, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "--data-dir", str(blocker), "docs")
    assert code == EXIT_ERROR
    assert err.startswith("librarian: error:") and len(err.strip().splitlines()) == 1


def test_damaged_store_is_reported_not_emptied(capsys, tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "library.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x13" * 4096)
    code, _, err = run(capsys, "--data-dir", str(data), "docs")
    assert code == EXIT_ERROR and "catalog" in err and "is damaged" in err
    assert "librarian repair" in err and len(err.strip().splitlines()) == 1  # one message
    assert (data / "library.sqlite3").stat().st_size > 4096  # left as it was, for recovery


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == EXIT_OK and "index" in out and "search" in out


def ask_in_a_process(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, so that what happens at interpreter exit shows.
    On an empty library it loads the answering model only (nothing to search)."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "desktop_app", "--data-dir", str(tmp_path / "data")),
            *("ask", "What does the report conclude?", *options),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_bad_model_ends_the_real_cli_with_its_message_and_no_traceback(tmp_path: Path):
    done = ask_in_a_process(tmp_path, "--model", str(write_adapter(tmp_path / "adapter.gguf")))
    assert done.returncode == EXIT_ERROR, done.stderr
    assert "cannot load the model" in done.stderr
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    ("kind", "reason"),
    [(kind, reason) for kind, reason in BAD_ADAPTERS if kind != "missing"],  # a usage error
)
def test_a_bad_adapter_is_left_out_by_the_cli_with_one_line_as_in_the_window(
    capsys, tmp_path: Path, kind: str, reason: str
):
    """The adapter that llama.cpp itself refuses (its shapes) in a process of its own, what
    happens at exit included; the others, refused before llama.cpp reads them, in this one."""
    adapter = str(bad_adapter(kind, tmp_path))
    if kind == "wrong shapes":
        done = ask_in_a_process(tmp_path, "--lora", adapter)
        code, err = done.returncode, done.stderr
    else:
        data = str(tmp_path / "data")
        code, _, err = run(capsys, "--data-dir", data, "ask", "What is it?", "--lora", adapter)
    assert code == EXIT_OK, err
    notice = [line for line in err.splitlines() if "LoRA adapter" in line]
    assert len(notice) == 1 and notice[0].startswith("librarian: the LoRA adapter was not applied")
    assert reason in notice[0]
    assert "Traceback" not in err and "Exception" not in err, err


def test_the_real_cli_exits_cleanly_while_the_embedding_models_load_in_the_background(
    capsys, tmp_path: Path
):
    """With passages indexed, `ask` loads the embedding models in the background while the
    answering model loads: after an adapter is refused, that load is waited for, not left
    running into interpreter exit (which once ended in a traceback)."""
    notes = tmp_path / "notes.md"
    notes.write_text("The report concludes that the bridge needs new bearings.\n")
    assert run(capsys, "--data-dir", str(tmp_path / "data"), "index", str(notes))[0] == EXIT_OK
    done = ask_in_a_process(tmp_path, "--lora", str(bad_adapter("garbage", tmp_path)))
    assert done.returncode == EXIT_OK, done.stderr
    assert "librarian: the LoRA adapter was not applied" in done.stderr
    assert "notes.md" in done.stdout  # searched: the models were loaded
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr


def test_a_bug_is_one_line_pointing_to_the_log_which_has_the_traceback(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from desktop_app.application import Library

    def broken(self: Library) -> list[object]:
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(Library, "documents", broken)
    data = tmp_path / "data"
    code, _, err = run(capsys, "--data-dir", str(data), "docs")
    log = data / "logs" / "librarian.log"
    assert code == EXIT_ERROR
    assert err.startswith("librarian: error: Something went wrong") and str(log) in err
    assert len(err.strip().splitlines()) == 1 and "NoneType" not in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "TypeError: 'NoneType' object is not subscriptable" in text


def test_the_log_holds_no_document_or_question_text_unless_verbose(
    capsys, corpus: Path, tmp_path: Path
):
    data = tmp_path / "data"
    log = data / "logs" / "librarian.log"
    question = "When is the reading room open?"
    assert run(capsys, "--data-dir", str(data), "index", str(corpus))[0] == EXIT_OK
    code, out, _ = run(capsys, "--data-dir", str(data), "search", question)
    assert code == EXIT_OK and "opens at nine" in out
    text = log.read_text(encoding="utf-8")
    assert "indexed notes.txt" in text and "hybrid search: " in text  # what happened is there
    assert question not in text and "reading room" not in text and "opens at nine" not in text
    run(capsys, "--data-dir", str(data), "--verbose", "search", question)
    assert question in log.read_text(encoding="utf-8")  # asked for: the details too
