"""The child processes (services.child_process): each logs to a file of its own beside the
parent's, with the traceback of anything unexpected; the background ones run at a lower
priority unless told otherwise; an object served in a child answers its protocol's methods,
and what it raises comes back with its type."""

from __future__ import annotations

import os
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

import numpy as np
import pytest

from desktop_app.core import log_files
from desktop_app.services.child_process import (
    NICENESS,
    NICENESS_VARIABLE,
    ChildStopped,
    RemoteObject,
    lower_priority,
    methods_of,
    serve,
    start_child,
)
from desktop_app.services.store.health import Fault
from desktop_app.services.store.vector_index import VectorStoreError, VectorStoreUnavailable
from desktop_app.services.store.vector_store_process import VectorStoreProcess


def test_the_vector_store_process_logs_its_failures_to_its_own_file(tmp_path: Path):
    log_files.setup(tmp_path / "logs")
    try:
        store = VectorStoreProcess(tmp_path / "vectors")
        store.add("coll-one", ["a:0"], np.ones((1, 4), dtype=np.float32), [{"doc_id": "a"}])
        with pytest.raises(VectorStoreError) as refused:
            store.query("coll-one", [1.0] * 7, 1)  # the wrong dimension: Chroma refuses
        assert refused.value.fault is None and refused.value.kind  # Chroma's, named
        store.close()
    finally:
        log_files.shutdown()
    text = (tmp_path / "logs" / "vector-store.log").read_text(encoding="utf-8")
    assert "vector store: query failed" in text and "Traceback" in text
    assert not (tmp_path / "logs" / "librarian.log").exists()  # the parent logged nothing


def _niceness_after_lowering(conn: Connection) -> None:
    before = os.nice(0)
    lower_priority()
    conn.send(os.nice(0) - before)


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process niceness on this system")
@pytest.mark.parametrize(
    ("variable", "lowered"), [(None, NICENESS), ("0", 0), ("3", 3), ("x", NICENESS)]
)
def test_background_children_run_nicer_unless_told(
    monkeypatch: pytest.MonkeyPatch, variable: str | None, lowered: int
):
    if variable is None:
        monkeypatch.delenv(NICENESS_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(NICENESS_VARIABLE, variable)
    process, conn = start_child(_niceness_after_lowering, "niceness", "niceness")
    assert conn.recv() == lowered
    process.join(10)


class _Shelf(Protocol):
    def put(self, item: str) -> int: ...
    def fail(self, disk_full: bool) -> None: ...


class _ShelfInChild:
    def __init__(self) -> None:
        self.items: list[str] = []

    def put(self, item: str) -> int:
        self.items.append(item)
        return len(self.items)

    def fail(self, disk_full: bool) -> None:
        if disk_full:
            raise VectorStoreUnavailable("the disk is full", Fault.DISK_FULL)
        raise KeyError("a library's own exception, not the app's")

    def secret(self) -> str:  # not in the protocol: never callable from the parent
        return "kept"


def _translate(method: str, exc: BaseException) -> BaseException:
    if isinstance(exc, VectorStoreError):
        return exc
    return VectorStoreError(f"{method}: {exc}", None, type(exc).__name__)


def _serve_shelf(conn: Connection) -> None:
    serve(conn, _ShelfInChild(), methods_of(_Shelf), _translate)


def test_a_served_object_answers_its_protocols_methods_and_its_errors_keep_their_type():
    assert methods_of(_Shelf) == {"put", "fail"}
    shelf = RemoteObject(_serve_shelf, "shelf", "shelf")
    try:
        assert not shelf.running and shelf.pid is None
        assert shelf.call("put", "a") == 1 and shelf.call("put", "b") == 2  # state in the child
        with pytest.raises(VectorStoreUnavailable) as full:
            shelf.call("fail", True)
        assert full.value.fault is Fault.DISK_FULL and str(full.value) == "the disk is full"
        with pytest.raises(VectorStoreError) as foreign:
            shelf.call("fail", False)
        assert type(foreign.value) is VectorStoreError and foreign.value.kind == "KeyError"
        with pytest.raises(VectorStoreError, match="not a method that may be called"):
            shelf.call("secret")
        assert shelf.call("put", "c") == 3  # a failed call leaves the child serving
        pid = shelf.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(ChildStopped, match="shelf process stopped unexpectedly"):
            shelf.call("put", "d")
        assert not shelf.running
        assert shelf.call("put", "e") == 1  # called again: a new child
    finally:
        shelf.stop(5)
    assert shelf.pid is None


def test_the_vector_stores_errors_are_classed_by_fault_and_cross_the_pipe_whole(tmp_path: Path):
    import pickle
    import sqlite3

    from desktop_app.services.store.vector_index import VectorStoreDamaged
    from desktop_app.services.store.vector_store_process import _store_error

    db = sqlite3.connect(":memory:")
    try:
        db.execute("PRAGMA nonsense(")
    except sqlite3.DatabaseError as exc:
        syntax = exc  # not a fault: another failure
    db.close()
    corrupt = sqlite3.DatabaseError("database disk image is malformed")
    full = OSError(28, "No space left on device")
    said = {
        name: pickle.loads(pickle.dumps(_store_error(tmp_path, "ids", exc)))
        for name, exc in (("corrupt", corrupt), ("full", full), ("other", syntax))
    }
    assert type(said["corrupt"]) is VectorStoreDamaged and said["corrupt"].fault is Fault.DAMAGED
    assert type(said["full"]) is VectorStoreUnavailable and said["full"].fault is Fault.DISK_FULL
    assert type(said["other"]) is VectorStoreError and said["other"].fault is None
    assert said["corrupt"].kind == "DatabaseError" and said["full"].kind == "OSError"
    assert "malformed" in str(said["corrupt"])
    # The child's own error with a fault keeps it (fault_of reads the attribute).
    own = _store_error(tmp_path, "add", VectorStoreUnavailable("read-only", Fault.READ_ONLY))
    assert type(own) is VectorStoreUnavailable and own.fault is Fault.READ_ONLY


def _answers_late(conn: Connection) -> None:
    import time

    time.sleep(0.5)  # the parent has closed its end by now
    conn.send("ready")


def test_a_child_whose_parent_stopped_listening_ends_quietly(capfd: pytest.CaptureFixture[str]):
    """A child stopped before it had said it was ready (a window closed as it opened) finds the
    pipe broken: it ends with status 0 and no traceback on the shared stderr."""
    process, conn = start_child(_answers_late, "test-late-child", "late-child")
    conn.close()
    process.join(30)
    assert process.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err


def _report_start(conn: Connection) -> None:
    import multiprocessing as mp
    import sys

    parent = mp.parent_process()  # the process that started it
    forked = parent is not None and os.getppid() != parent.pid  # by another: the fork server
    conn.send((forked, os.environ.get("LIBRARIAN_TEST_CHILD_SAYS"), "chromadb" in sys.modules))


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_a_child_runs_with_the_environment_of_its_start_however_it_is_started(
    monkeypatch: pytest.MonkeyPatch, method: str
):
    """Forked from the fork server (started once, with the environment of that moment), a child
    still sees the parent's environment as it is when the child starts, as a spawned one does:
    a download's child must see the HF_ENDPOINT set after the vector store started."""
    import multiprocessing as mp

    from desktop_app.services.child_process import START_VARIABLE, start_method

    if method not in mp.get_all_start_methods():
        pytest.skip(f"no {method} on this system")
    monkeypatch.setenv(START_VARIABLE, method)
    assert start_method() == method
    seen = []
    for says in ("first", "second"):  # the second start reuses the fork server
        monkeypatch.setenv("LIBRARIAN_TEST_CHILD_SAYS", says)
        process, conn = start_child(_report_start, "start", "start")
        seen.append(conn.recv())
        process.join(10)
    forked, _, preloaded = seen[0]
    assert [said for _, said, _ in seen] == ["first", "second"]
    # From the fork server, the child's parent is the server, and Chroma is imported already.
    assert forked == preloaded == (method == "forkserver")
