"""Fetching one GGUF file from a Hugging Face repo into the models folder, checked, resumable.

This runs in the download child process (download_process.py), the only place in the app that
opens a network connection, and only because the user asked for this file.

huggingface_hub finds the file (it honours HF_ENDPOINT and the user's token), says its size,
commit and SHA-256 (the hub's X-Linked-Etag of an LFS file) and streams it with `http_get`,
which retries a dropped connection with a Range request. Its `hf_hub_download` is not used: in
huggingface_hub 2.x it writes to a temporary name of its own and deletes it on any failure, so
a cancel, a crash or a restart would start over from byte zero. Here the partial file keeps a
stable name (repo, file and etag) under `models/.partial/`, and the next attempt resumes it.

A finished file is hashed before it becomes a model: against the catalogue's SHA-256 when it
has one and against the hub's. A mismatch deletes it.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from desktop_app.core.units import file_size

log = logging.getLogger(__name__)

PARTIAL_DIR = ".partial"
PROGRESS_EVERY_S = 0.2
DISK_MARGIN_BYTES = 64 * 1024 * 1024  # left free beyond the file: the OS and logs need some
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    repo: str
    file: str
    models_dir: str
    revision: str = "main"
    sha256: str | None = None  # the catalogue's, when someone read it from the hub


# Messages the child sends, in order: Started, Progress..., Verifying, then Finished or Failed.
@dataclass(frozen=True, slots=True)
class Started:
    total: int | None
    resumed: int  # bytes already on disk from an earlier attempt
    sha256: str | None  # the hub's
    commit: str | None


@dataclass(frozen=True, slots=True)
class Progress:
    done: int


@dataclass(frozen=True, slots=True)
class Verifying:
    pass


@dataclass(frozen=True, slots=True)
class Finished:
    path: str
    sha256: str
    size: int
    commit: str | None


# Why a download failed, for the message and for what the user can do about it.
OFFLINE, NOT_FOUND, CHECKSUM, DISK_FULL, SERVER, DENIED = (
    "offline",
    "not found",
    "checksum",
    "disk full",
    "server",
    "denied",
)


@dataclass(frozen=True, slots=True)
class Failed:
    kind: str
    message: str


Message = Started | Progress | Verifying | Finished | Failed
Send = Callable[[Message], None]


class DownloadFailed(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def destination(request: DownloadRequest) -> Path:
    """Where the finished file goes: models/<owner>__<repo>/<file>."""
    return Path(request.models_dir) / request.repo.replace("/", "__") / Path(request.file).name


def partial_path(request: DownloadRequest, etag: str) -> Path:
    """The resumable partial file: its name changes when the file on the hub does."""
    tag = re.sub(r"[^0-9A-Za-z]", "", etag)[:16] or "noetag"
    stem = f"{request.repo.replace('/', '__')}__{Path(request.file).name}"
    return Path(request.models_dir) / PARTIAL_DIR / f"{stem}.{tag}.part"


def fetch(request: DownloadRequest, send: Send) -> None:
    """Download, verify and move the file into place, telling `send` how it goes."""
    try:
        send(_fetch(request, send))
    except DownloadFailed as exc:
        send(Failed(exc.kind, str(exc)))


def _fetch(request: DownloadRequest, send: Send) -> Finished:
    hub = _online_hub()
    url = hub.hf_hub_url(request.repo, request.file, revision=request.revision)
    where = f"{request.repo}/{request.file}"
    try:
        meta = hub.get_hf_file_metadata(url)
    except Exception as exc:  # sorted into what a user can act on
        raise _failure(exc, where, hub) from exc
    hub_sha = (meta.etag or "").lower() if _SHA256.match((meta.etag or "").lower()) else None
    if request.sha256 and hub_sha and request.sha256 != hub_sha:
        raise DownloadFailed(
            CHECKSUM,
            f"{where} on the hub is not the file the catalogue names (its SHA-256 differs):"
            " it was not downloaded",
        )
    final = destination(request)
    expected = request.sha256 or hub_sha
    if expected and final.is_file() and final.stat().st_size == meta.size:
        send(Verifying())  # downloaded before (the list of models lost it): check, not fetch
        if _sha256(final) == expected:
            return Finished(str(final), expected, final.stat().st_size, meta.commit_hash)
    part = partial_path(request, meta.etag or meta.commit_hash or "")
    part.parent.mkdir(parents=True, exist_ok=True)
    resumed = part.stat().st_size if part.exists() else 0
    if meta.size is not None and resumed > meta.size:
        part.unlink()  # not a prefix of this file
        resumed = 0
    _check_space(part.parent, (meta.size or 0) - resumed, meta.size)
    send(Started(meta.size, resumed, hub_sha, meta.commit_hash))
    _transfer(hub, meta, request, part, resumed, send)
    send(Verifying())
    digest = _sha256(part)
    if expected and digest != expected:
        part.unlink(missing_ok=True)
        raise DownloadFailed(
            CHECKSUM,
            f"{request.file} arrived damaged (its SHA-256 is {digest[:12]}…, expected"
            f" {expected[:12]}…) and was deleted. Download it again.",
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, final)
    return Finished(str(final), digest, final.stat().st_size, meta.commit_hash)


def _transfer(
    hub: Any, meta: Any, request: DownloadRequest, part: Path, resumed: int, send: Send
) -> None:
    """The file's bytes from `resumed` on, appended to `part` and flushed to the disk. A full
    disk removes the partial file; any other failure keeps it for the next try to resume."""
    where = f"{request.repo}/{request.file}"
    try:
        with _open_partial(part) as handle:
            counted = _CountingFile(handle, resumed, send)
            if meta.size is None or resumed < meta.size:
                hub.file_download.http_get(
                    meta.location,
                    counted,
                    resume_size=resumed,
                    headers=hub.utils.build_hf_headers(),
                    expected_size=meta.size,
                    displayed_filename=request.file,
                )
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            part.unlink(missing_ok=True)  # give the space back: nothing half-written stays
            raise DownloadFailed(
                DISK_FULL,
                f"the disk filled up while downloading {request.file}; the partial file was"
                " removed. Free some space and download it again.",
            ) from exc
        raise _failure(exc, where, hub) from exc
    except Exception as exc:  # the partial file stays: the next try resumes
        raise _failure(exc, where, hub) from exc


def _online_hub() -> Any:
    """huggingface_hub, allowed online in this process only (the app sets it offline)."""
    os.environ["HF_HUB_OFFLINE"] = "0"
    import huggingface_hub
    import huggingface_hub.file_download
    import huggingface_hub.utils
    from huggingface_hub import constants

    constants.HF_HUB_OFFLINE = False
    return huggingface_hub


def _open_partial(part: Path) -> BinaryIO:
    """Opened for appending, yet seekable: http_get rewinds when a server ignores Range."""
    handle = part.open("r+b") if part.exists() else part.open("w+b")
    handle.seek(0, os.SEEK_END)
    return handle


def _check_space(folder: Path, needed: int, total: int | None) -> None:
    free = shutil.disk_usage(folder).free
    if needed + DISK_MARGIN_BYTES > free:
        size = file_size(total or needed, 2)
        raise DownloadFailed(
            DISK_FULL,
            f"not enough disk space: the model takes {size}, {folder.parent} has"
            f" {file_size(free, 2)} free",
        )


def _failure(exc: BaseException, where: str, hub: Any) -> DownloadFailed:
    errors = hub.errors
    if isinstance(exc, errors.GatedRepoError):
        return DownloadFailed(
            DENIED,
            f"{where} is gated: accept its licence on the hub and log in (`hf auth login`)",
        )
    if isinstance(exc, errors.RepositoryNotFoundError | errors.RevisionNotFoundError):
        return DownloadFailed(NOT_FOUND, f"{where}: no such repository or revision on the hub")
    if isinstance(exc, errors.EntryNotFoundError):
        return DownloadFailed(NOT_FOUND, f"{where} was not found on the hub")
    if isinstance(exc, errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 404:
            return DownloadFailed(NOT_FOUND, f"{where} was not found on the hub")
        if status in (401, 403):
            return DownloadFailed(DENIED, f"the hub refused {where} (HTTP {status})")
        return DownloadFailed(SERVER, f"the hub answered HTTP {status} for {where}")
    text = f"{type(exc).__name__}: {exc}"
    connection = ("Connect", "Timeout", "Network", "RemoteProtocol", "ReadError", "Offline")
    if any(word in type(exc).__name__ for word in connection) or isinstance(exc, ConnectionError):
        endpoint = hub.constants.ENDPOINT
        return DownloadFailed(
            OFFLINE,
            f"no connection to {endpoint} ({text}); the download resumes where it stopped"
            " when you try again",
        )
    log.exception("download of %s failed", where)
    return DownloadFailed(SERVER, f"downloading {where} failed: {text}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class _CountingFile:
    """The partial file as http_get sees it: writes go through, progress is reported."""

    def __init__(self, handle: BinaryIO, resumed: int, send: Send) -> None:
        self._handle = handle
        self._done = resumed
        self._send = send
        self._last = 0.0

    def write(self, chunk: bytes) -> int:
        written = self._handle.write(chunk)
        self._done += written
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self._handle.flush()  # a kill keeps what was reported: the resume starts there
            self._send(Progress(self._done))
        return written

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = self._handle.seek(offset, whence)
        self._done = position
        return position

    def tell(self) -> int:
        return self._handle.tell()

    def truncate(self, size: int | None = None) -> int:
        return self._handle.truncate(size)
