"""A loopback stand-in for the Hugging Face file API, for download tests (127.0.0.1 only,
started and stopped by the test).

It answers what huggingface_hub asks for a file download: HEAD and (ranged) GET of
`/{owner}/{repo}/resolve/{revision}/{file}`, with the hub's headers: X-Repo-Commit, ETag and
X-Linked-Etag (an LFS file's SHA-256), X-Linked-Size, Content-Length, Accept-Ranges and
Content-Range. Faults are switched on per test: drop the connection after some bytes (once),
announce a wrong SHA-256, answer slowly, and unknown files get a 404 like the hub's.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
# The repo and file the `hub` fixture (tests/conftest.py) serves: the bundled model's bytes.
REPO_ID, FILE = "test-owner/Tiny-Writer-GGUF", "tiny-writer-q4.gguf"
CHUNK = 64 * 1024


@dataclass
class Faults:
    drop_after: int | None = None  # bytes of a GET body, then the connection is cut (once)
    wrong_sha256: bool = False  # announce a SHA-256 the file does not have
    seconds_per_chunk: float = 0.0  # a slow server
    requests: list[str] = field(default_factory=list)  # "HEAD /..." and "GET /... bytes=N-"


class HubServer:
    def __init__(self, files: dict[str, Path]) -> None:
        """`files` maps "owner/repo/file" to the file to serve."""
        self.files = files
        self.faults = Faults()
        self._sha = {key: _sha256(path) for key, path in files.items()}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def sha256(self, key: str) -> str:
        return self._sha[key]

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: pytest shows failures, not access logs

            def _target(self) -> tuple[str, Path] | None:
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) < 5 or parts[2] != "resolve":
                    return None
                key = f"{parts[0]}/{parts[1]}/{'/'.join(parts[4:])}"
                path = hub.files.get(key)
                return (key, path) if path is not None else None

            def _not_found(self) -> None:
                body = b'{"error":"Entry not found"}'
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("X-Error-Message", "Entry not found")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(body)

            def _headers(self, key: str, size: int, status: int, length: int) -> None:
                sha = "f" * 64 if hub.faults.wrong_sha256 else hub.sha256(key)
                self.send_response(status)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{sha}"')
                self.send_header("X-Linked-Etag", f'"{sha}"')
                self.send_header("X-Linked-Size", str(size))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(length))

            def do_HEAD(self) -> None:
                hub.faults.requests.append(f"HEAD {self.path}")
                target = self._target()
                if target is None:
                    self._not_found()
                    return
                key, path = target
                size = path.stat().st_size
                self._headers(key, size, 200, size)
                self.end_headers()

            def do_GET(self) -> None:
                start = 0
                ranged = self.headers.get("Range", "")
                if ranged.startswith("bytes="):
                    start = int(ranged[6:].split("-")[0] or 0)
                hub.faults.requests.append(f"GET {self.path} bytes={start}-")
                target = self._target()
                if target is None:
                    self._not_found()
                    return
                key, path = target
                size = path.stat().st_size
                if start:
                    self._headers(key, size, 206, size - start)
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                else:
                    self._headers(key, size, 200, size)
                self.end_headers()
                drop = hub.faults.drop_after
                sent = 0
                with path.open("rb") as handle:
                    handle.seek(start)
                    while chunk := handle.read(CHUNK):
                        if drop is not None and sent + len(chunk) > drop:
                            hub.faults.drop_after = None  # once
                            self.wfile.write(chunk[: max(0, drop - sent)])
                            self.wfile.flush()
                            self.close_connection = True
                            self.connection.close()
                            return
                        if hub.faults.seconds_per_chunk:
                            time.sleep(hub.faults.seconds_per_chunk)
                        try:
                            self.wfile.write(chunk)
                        except (BrokenPipeError, ConnectionResetError):
                            return
                        sent += len(chunk)

        return Handler


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
