"""Shared fixtures. Every test runs with its own data directory and settings (napari style);
the real embedding model is loaded once per session because loading costs seconds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test opens a real window: Qt draws offscreen (test_installed_app.py's app gets Xvfb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.application import Library
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings import DEFAULT_MODEL_SCRIPTS, Embedder, default_model_path
from desktop_app.services.llm import LlmEngine

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("LIBRARIAN_EVAL_DIR", REPO.parent / "shared" / "eval"))
DIVERSE_PDFS = EVAL_DIR / "pdfs" / "diverse"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

needs_eval = pytest.mark.skipif(
    not DIVERSE_PDFS.is_dir(), reason="the shared evaluation documents (../shared/eval) are absent"
)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "default-data"
    monkeypatch.setenv("LIBRARIAN_DATA_DIR", str(data))
    return data


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    path = default_model_path()
    assert path is not None, "the default embedding model package is not installed"
    model = Embedder(path, batch_size=64, scripts=DEFAULT_MODEL_SCRIPTS)
    model.load()
    return model


@pytest.fixture
def library(tmp_path: Path, embedder: Embedder) -> Iterator[Library]:
    with Library(tmp_path / "library", Settings(), embedder=embedder) as lib:
        yield lib


@pytest.fixture
def engine() -> Iterator[LlmEngine]:
    """An LLM engine (nothing loaded yet), closed after the test."""
    model = LlmEngine()
    yield model
    model.close()
