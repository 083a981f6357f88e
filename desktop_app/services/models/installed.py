"""The answering models this library knows: downloaded into the data folder's `models/`, or
picked (dropped, chosen in the settings) from anywhere on disk.

A list in `models/installed.json` names each one, with where it came from and its SHA-256
when it was checked. A downloaded file enters the list only after its checksum matched, so a
half-written or damaged file is never offered as a model. Deleting a downloaded model deletes
its file; forgetting a picked one leaves the user's file where it is.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop_app.core.errors import LibrarianError

log = logging.getLogger(__name__)

MANIFEST = "installed.json"
DOWNLOADED, PICKED = "downloaded", "picked"


class ModelNotFound(LibrarianError):
    """No installed model by that name."""


@dataclass(frozen=True, slots=True)
class InstalledModel:
    name: str
    path: str
    source: str  # DOWNLOADED or PICKED
    size: int = 0
    sha256: str = ""  # checked at download; empty for a picked file
    repo: str = ""
    file: str = ""
    commit: str = ""
    added: float = 0.0

    @property
    def exists(self) -> bool:
        return Path(self.path).is_file()


def model_name(file: str) -> str:
    """A name people can type, from a file name: "Qwen2.5-7B-Instruct-Q4_K_M.gguf" ->
    "qwen2.5-7b-instruct-q4_k_m"."""
    stem = Path(file).name.removesuffix(".gguf")
    return re.sub(r"[^0-9a-z._-]+", "-", stem.lower()).strip("-") or "model"


class InstalledModels:
    def __init__(self, models_dir: Path) -> None:
        self.folder = models_dir
        self._manifest = models_dir / MANIFEST

    def models(self) -> list[InstalledModel]:
        """Every known model whose file is still there (a picked file may have moved)."""
        return [m for m in self._read() if m.exists]

    def get(self, name: str) -> InstalledModel:
        for model in self.models():
            if model.name == name:
                return model
        raise ModelNotFound(f"no installed model is called {name!r}")

    def find_path(self, path: str) -> InstalledModel | None:
        resolved = str(Path(path).resolve())
        return next((m for m in self.models() if str(Path(m.path).resolve()) == resolved), None)

    def add_download(
        self, name: str, path: str, sha256: str, size: int, repo: str, file: str, commit: str
    ) -> InstalledModel:
        model = InstalledModel(
            name, path, DOWNLOADED, size, sha256, repo, file, commit or "", time.time()
        )
        self._write([m for m in self._read() if m.name != name and m.path != path] + [model])
        return model

    def add_picked(self, path: str) -> InstalledModel:
        """A model the user chose from disk, listed beside the downloads (once)."""
        known = self.find_path(path)
        if known is not None:
            return known
        taken = {m.name for m in self._read()}
        name = base = model_name(path)
        n = 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        size = Path(path).stat().st_size if Path(path).is_file() else 0
        model = InstalledModel(name, str(Path(path).resolve()), PICKED, size, added=time.time())
        self._write([*self._read(), model])
        return model

    def remove(self, name: str) -> InstalledModel:
        """Delete a downloaded model's file, or forget a picked one (its file stays)."""
        model = next((m for m in self._read() if m.name == name), None)
        if model is None:
            raise ModelNotFound(f"no installed model is called {name!r}")
        if model.source == DOWNLOADED:
            path = Path(model.path)
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir()  # the repo's folder, when it held only this file
            except OSError:
                pass
        self._write([m for m in self._read() if m.name != name])
        return model

    def _read(self) -> list[InstalledModel]:
        try:
            raw = json.loads(self._manifest.read_text(encoding="utf-8"))
            return [InstalledModel(**entry) for entry in raw.get("models", [])]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError, AttributeError) as exc:
            # A damaged list loses the list, not the files: they are found again on download
            # (the checksum of a finished file is checked before it is listed again).
            log.warning("the list of installed models is damaged (%s): starting a new one", exc)
            return []

    def _write(self, models: list[InstalledModel]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"models": [asdict(m) for m in models]}
        temporary = self._manifest.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self._manifest)
