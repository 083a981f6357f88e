"""Offline means offline: the window's normal use (index, ask, open the model catalogue without
downloading) makes no connection attempt and no name look-up, in the app's process or in any
of its child processes (parser, vector store).

Python's audit hooks see every `socket.connect` and `socket.getaddrinfo`; the children get the
same hook from a `sitecustomize` module on their PYTHONPATH (the fork server they are forked
from is started anew for this test, so that it loads the hook). Local pipes (AF_UNIX) are
allowed.
Native code that opens sockets without Python would not be seen; the packaged app's tests run it
in a network namespace with no network at all (tests/packaging)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from desktop_app.services.child_process import start_child, start_method
from tests.ui.chat.test_chat_window import QUESTION, ask, indexed_window
from tests.ui.models.test_models_window import open_catalogue

pytestmark = pytest.mark.e2e

HOOK = """
import os, socket, sys

def _librarian_network_audit(event, args):
    if event == "socket.connect":
        family = getattr(args[0], "family", None)
        if family == socket.AF_UNIX:
            return
        target = args[1]
    elif event == "socket.getaddrinfo":
        target = args[0]
    else:
        return
    log_path = os.environ.get("LIBRARIAN_NETWORK_LOG")  # unset: a later test's child
    if log_path:
        with open(log_path, "a") as log:
            log.write(f"{os.getpid()} {event} {target!r}\\n")

sys.addaudithook(_librarian_network_audit)
"""

_recording: list[str] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _recording:
        return
    if event == "socket.connect":
        if getattr(args[0], "family", None) == socket.AF_UNIX:
            return
        with open(_recording[0], "a") as log:
            log.write(f"{os.getpid()} {event} {args[1]!r}\n")
    elif event == "socket.getaddrinfo":
        with open(_recording[0], "a") as log:
            log.write(f"{os.getpid()} {event} {args[0]!r}\n")


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only inside the test


def _connect_out(conn: Connection) -> None:
    with socket.socket() as probe:
        probe.connect_ex(("127.0.0.1", 9))
    conn.send("tried")


def _set_fork_server_aside() -> None:
    """The next child starts a new fork server, from the environment of that moment; the old
    one ends with its last child (it cannot be stopped before: the session's tokenizer child
    lives on)."""
    if start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    server: Any = forkserver._forkserver  # type: ignore[attr-defined]
    with server._lock:
        if server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
        server._forkserver_pid = server._forkserver_address = None
        server._forkserver_alive_fd = None


@pytest.fixture
def children_start_with(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """The app's children started in the test load a folder's sitecustomize first; those of
    later tests come from a fork server without it."""

    def start_with(hooks: Path) -> None:
        path = os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])
        monkeypatch.setenv("PYTHONPATH", path)
        _set_fork_server_aside()  # started by an earlier test, without the hook

    yield start_with
    _set_fork_server_aside()


def test_normal_use_makes_no_connection_attempt(
    make_window,
    documents,
    qtbot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    children_start_with: Callable[[Path], None],
):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    log = tmp_path / "network.log"
    log.write_text("", encoding="utf-8")
    monkeypatch.setenv("LIBRARIAN_NETWORK_LOG", str(log))
    children_start_with(hooks)
    # The check works: a connection attempt from one of the app's child processes is recorded.
    process, conn = start_child(_connect_out, "probe", "probe")
    assert conn.recv() == "tried"
    process.join(10)
    assert f"{process.pid} socket.connect" in log.read_text()
    log.write_text("", encoding="utf-8")

    _recording.append(str(log))
    with socket.socket() as probe_socket:  # and one from this process
        probe_socket.connect_ex(("127.0.0.1", 9))
    assert f"{os.getpid()} socket.connect" in log.read_text()
    log.write_text("", encoding="utf-8")
    try:
        window = indexed_window(make_window, documents, qtbot)  # parser, store, embedders
        ask(window, qtbot, QUESTION)
        dialog = open_catalogue(window, qtbot)  # lists the catalogue, probes the machine
        dialog.close()
        window.close()
    finally:
        _recording.clear()
    assert log.read_text() == ""
