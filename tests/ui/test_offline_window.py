"""Offline means offline: the window's normal use (index, ask, open the model catalogue without
downloading) makes no connection attempt and no name look-up, in the app's process or in any
of its child processes (parser, vector store).

Python's audit hooks see every `socket.connect` and `socket.getaddrinfo`; the children get the
same hook from a `sitecustomize` module on their PYTHONPATH. Local pipes (AF_UNIX) are allowed.
Native code that opens sockets without Python would not be seen; the packaged app's tests run it
in a network namespace with no network at all (tests/packaging)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

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
    with open(os.environ["LIBRARIAN_NETWORK_LOG"], "a") as log:
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


def test_normal_use_makes_no_connection_attempt(
    make_window, documents, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    log = tmp_path / "network.log"
    log.write_text("", encoding="utf-8")
    monkeypatch.setenv("LIBRARIAN_NETWORK_LOG", str(log))
    path = os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", path)
    # The check works: a connection attempt from a child process is recorded.
    probe = "import socket; socket.socket().connect_ex(('127.0.0.1', 9))"
    assert os.system(f'"{sys.executable}" -c "{probe}"') == 0
    assert "socket.connect" in log.read_text()
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
