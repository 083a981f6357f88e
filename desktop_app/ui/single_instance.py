"""One window per data directory: a second launch hands its files to the running window and
brings it to the front, through a local socket named after the data directory."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_TIMEOUT_MS = 500


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    return f"librarian-{user}-{digest}"


def forward_to_running(name: str, paths: Sequence[str]) -> bool:
    """True when a running Librarian took the request (this process should then exit)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_TIMEOUT_MS):
        return False
    socket.write(json.dumps({"activate": True, "paths": list(paths)}).encode() + b"\n")
    socket.flush()
    socket.waitForBytesWritten(_TIMEOUT_MS)
    # Wait for the answer: it proves the window (not a stale socket) got the message.
    answered = socket.waitForReadyRead(2000) and bytes(socket.readAll().data()).startswith(b"ok")
    socket.disconnectFromServer()
    return bool(answered)


class InstanceServer(QObject):
    """Listens for later launches; `activation_requested` carries the files they were given."""

    activation_requested = Signal(list)  # list[str]

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        self.listening = self._server.listen(name)
        if not self.listening:  # a stale socket left by a crashed instance
            QLocalServer.removeServer(name)
            self.listening = self._server.listen(name)

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        socket = self._server.nextPendingConnection()
        if socket is None:
            return

        def read() -> None:
            if not socket.canReadLine():
                return
            try:
                request = json.loads(bytes(socket.readLine().data()).decode())
                paths = [str(p) for p in request.get("paths", [])]
            except (ValueError, AttributeError):
                paths = []
            socket.write(b"ok\n")
            socket.flush()
            socket.disconnectFromServer()
            self.activation_requested.emit(paths)

        socket.readyRead.connect(read)
        socket.disconnected.connect(socket.deleteLater)
        read()
