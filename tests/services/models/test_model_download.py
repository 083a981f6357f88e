"""Model downloads against a loopback stand-in for the Hugging Face file API (tests/hf_server.py)
serving the real SmolLM2 GGUF: a dropped connection, a cancel and a new attempt, a wrong
SHA-256, a 404, a slow server, a full disk and no server at all each end in a clear result, and
never in a half-written file listed as a model."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop_app.services.llm import default_llm_path
from desktop_app.services.models.download import (
    CHECKSUM,
    DISK_FULL,
    NOT_FOUND,
    OFFLINE,
    DownloadRequest,
    Failed,
    Finished,
    destination,
    partial_path,
)
from desktop_app.services.models.download_process import CANCELLED, ModelDownload
from tests.hf_server import FILE, REPO_ID, HubServer

KEY = f"{REPO_ID}/{FILE}"
pytestmark = pytest.mark.e2e


def request(tmp_path: Path, **kwargs: object) -> DownloadRequest:
    return DownloadRequest(REPO_ID, FILE, str(tmp_path / "models"), **kwargs)  # type: ignore[arg-type]


def wait_for_bytes(job: ModelDownload, at_least: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job.poll()
        if job.progress is not None and job.progress.done >= at_least:
            return
        assert job.result is None, job.result
        time.sleep(0.02)
    raise AssertionError(f"no {at_least} bytes in {timeout_s} s: {job.progress}")


def test_a_dropped_connection_is_resumed_and_the_file_checked(hub: HubServer, tmp_path: Path):
    hub.faults.drop_after = 30_000_000
    result = ModelDownload(request(tmp_path)).start().wait(120)
    assert isinstance(result, Finished), result
    assert result.sha256 == hub.sha256(KEY)
    assert Path(result.path) == destination(request(tmp_path))
    assert Path(result.path).stat().st_size == default_llm_path().stat().st_size  # type: ignore[union-attr]
    resumed = [r for r in hub.faults.requests if r.startswith("GET") and not r.endswith("=0-")]
    assert resumed, hub.faults.requests  # the second GET asked for the rest only


def test_cancel_is_immediate_and_the_next_attempt_resumes(hub: HubServer, tmp_path: Path):
    hub.faults.seconds_per_chunk = 0.02  # about 3 MB/s: slow enough to cancel midway
    job = ModelDownload(request(tmp_path)).start()
    wait_for_bytes(job, 2_000_000)
    started = time.monotonic()
    job.cancel()
    assert time.monotonic() - started < 1.0
    assert isinstance(job.result, Failed) and job.result.kind == CANCELLED
    partial = partial_path(request(tmp_path), hub.sha256(KEY))
    kept = partial.stat().st_size
    assert kept >= 1_000_000
    assert not destination(request(tmp_path)).exists()  # nothing half-written as a model

    hub.faults.seconds_per_chunk = 0.0
    again = ModelDownload(request(tmp_path)).start()  # as after a restart of the app
    result = again.wait(120)
    assert isinstance(result, Finished), result
    assert result.sha256 == hub.sha256(KEY)
    assert f"bytes={kept}-" in hub.faults.requests[-1]
    assert not partial.exists()


def test_kill_9_of_the_download_process_mid_write_resumes_and_checks(
    hub: HubServer, tmp_path: Path
):
    import os
    import signal

    hub.faults.seconds_per_chunk = 0.02
    job = ModelDownload(request(tmp_path)).start()
    wait_for_bytes(job, 2_000_000)
    assert job._process is not None and job._process.pid
    os.kill(job._process.pid, signal.SIGKILL)
    result = job.wait(30)
    assert isinstance(result, Failed) and "stopped unexpectedly" in result.message
    assert not destination(request(tmp_path)).exists()  # nothing half-written as a model
    hub.faults.seconds_per_chunk = 0.0
    again = ModelDownload(request(tmp_path)).start().wait(120)
    assert isinstance(again, Finished) and again.sha256 == hub.sha256(KEY)


def test_a_slow_server_is_cancelled_within_a_second(hub: HubServer, tmp_path: Path):
    hub.faults.seconds_per_chunk = 5.0  # a stalled transfer: one chunk per five seconds
    job = ModelDownload(request(tmp_path)).start()
    deadline = time.monotonic() + 30
    while job.progress is None and time.monotonic() < deadline:  # the transfer has begun
        job.poll()
        time.sleep(0.02)
    started = time.monotonic()
    job.cancel()
    assert time.monotonic() - started < 1.0
    assert isinstance(job.result, Failed) and job.result.kind == CANCELLED


def test_a_wrong_checksum_deletes_the_file(hub: HubServer, tmp_path: Path):
    hub.faults.wrong_sha256 = True
    result = ModelDownload(request(tmp_path)).start().wait(120)
    assert isinstance(result, Failed) and result.kind == CHECKSUM, result
    assert "damaged" in result.message and "deleted" in result.message
    assert not destination(request(tmp_path)).exists()
    assert not list((tmp_path / "models").rglob("*.part"))


def test_a_catalogue_checksum_the_hub_does_not_have_is_refused_before_fetching(
    hub: HubServer, tmp_path: Path
):
    result = ModelDownload(request(tmp_path, sha256="0" * 64)).start().wait(60)
    assert isinstance(result, Failed) and result.kind == CHECKSUM, result
    assert not [r for r in hub.faults.requests if r.startswith("GET")]


def test_a_missing_file_is_reported(hub: HubServer, tmp_path: Path):
    missing = DownloadRequest(REPO_ID, "no-such-file.gguf", str(tmp_path / "models"))
    result = ModelDownload(missing).start().wait(60)
    assert isinstance(result, Failed) and result.kind == NOT_FOUND, result
    assert "no-such-file.gguf" in result.message and "not found" in result.message


def test_a_full_disk_leaves_nothing_behind(hub: HubServer, tmp_path: Path):
    # The partial file is the Linux device that answers every write with ENOSPC: the real
    # error, raised by the real write, as on a disk that fills up midway.
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full here")
    partial = partial_path(request(tmp_path), hub.sha256(KEY))
    partial.parent.mkdir(parents=True)
    partial.symlink_to(full)
    result = ModelDownload(request(tmp_path)).start().wait(60)
    assert isinstance(result, Failed) and result.kind == DISK_FULL, result
    assert "disk filled up" in result.message
    assert not partial.exists() and not partial.is_symlink()
    assert not destination(request(tmp_path)).exists()


def test_no_connection_is_said_plainly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nobody there
    result = ModelDownload(request(tmp_path)).start().wait(60)
    assert isinstance(result, Failed) and result.kind == OFFLINE, result
    assert "no connection to http://127.0.0.1:9" in result.message


def test_a_file_already_there_is_checked_not_fetched_again(hub: HubServer, tmp_path: Path):
    first = ModelDownload(request(tmp_path)).start().wait(120)
    assert isinstance(first, Finished), first
    gets = [r for r in hub.faults.requests if r.startswith("GET")]
    again = ModelDownload(request(tmp_path)).start().wait(120)
    assert isinstance(again, Finished) and again.sha256 == first.sha256, again
    assert [r for r in hub.faults.requests if r.startswith("GET")] == gets  # no new GET
