"""MiniLM on ONNX Runtime: the same vectors as sentence-transformers on real passages, the
export made and checked from the installed weights, and the torch path taken whenever the
export is missing, unusable, or made from other weights."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.embedding_models import MINILM
from desktop_app.services.embeddings import (
    SentenceTransformerEmbedder,
    default_model_path,
    onnx_export,
)
from desktop_app.services.embeddings.base import EmbeddingModelError
from desktop_app.services.embeddings.model_folders import weights_fingerprint
from desktop_app.services.embeddings.sentence_transformer import torch_may_see_gpu
from tests.conftest import Embedders

PASSAGES = [
    "The Normans were the people who in the 10th and 11th centuries gave their name to "
    "Normandy, a region in France.",
    "Пудель — порода собак, в прошлом использовавшаяся для охоты на водоплавающую дичь.",
    "Table 3: recall@10 0.83, 0.91; n = 1,204 (p < 0.001)",
    "word " * 400,  # past MiniLM's 256 tokens: truncated alike on both paths
    "",
]


@pytest.fixture(scope="module")
def minilm_folder() -> Path:
    folder = default_model_path()
    assert folder is not None
    return folder


def test_the_app_embeds_minilm_on_onnx_runtime(embedders: Embedders) -> None:
    minilm = embedders[MINILM]
    assert isinstance(minilm, SentenceTransformerEmbedder)
    assert minilm.backend == "onnx"  # `make setup` exported it, or the first load did
    assert minilm.device == "cpu"


def test_onnx_and_sentence_transformers_give_the_same_vectors(
    embedders: Embedders, minilm_folder: Path
) -> None:
    torch_path = SentenceTransformerEmbedder(minilm_folder, device="cpu")
    expected = torch_path.embed_documents(PASSAGES)
    assert torch_path.backend == "sentence-transformers"
    got = embedders[MINILM].embed_documents(PASSAGES)
    assert got.shape == expected.shape == (len(PASSAGES), 384)
    assert np.min(np.sum(got * expected, axis=1)) > 0.99999
    query = np.array(embedders[MINILM].embed_query(PASSAGES[1]))
    assert float(query @ expected[1]) > 0.99999
    assert embedders[MINILM].fingerprint == torch_path.fingerprint  # one vector space


def test_an_export_is_checked_and_found_only_for_its_own_weights(
    tmp_path: Path, minilm_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fingerprint = weights_fingerprint(minilm_folder)
    folder = tmp_path / "export"
    onnx_file = onnx_export.export(minilm_folder, fingerprint, folder)
    assert onnx_file == folder / onnx_export.ONNX_FILE and onnx_file.stat().st_size > 80e6
    source = json.loads((folder / onnx_export.SOURCE_FILE).read_text())
    assert source["worst"] <= onnx_export.TOLERANCE
    assert not list(tmp_path.glob(".export-*"))  # the work folder is gone
    monkeypatch.setattr(onnx_export, "places", lambda _fingerprint, _bundled="": [folder])
    assert onnx_export.find_export(fingerprint) == onnx_file
    # The packaged app's copy of the weights is in a folder of another name: same weights.
    assert onnx_export.find_export("all-MiniLM-L6-v2:" + fingerprint.split(":")[1]) == onnx_file
    assert onnx_export.find_export("model:0123456789abcdef") is None  # other weights
    (folder / onnx_export.SOURCE_FILE).unlink()  # an export cut short
    assert onnx_export.find_export(fingerprint) is None


def test_a_broken_export_falls_back_to_sentence_transformers(
    tmp_path: Path, minilm_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    fingerprint = weights_fingerprint(minilm_folder)
    (folder / onnx_export.SOURCE_FILE).write_text(json.dumps({"fingerprint": fingerprint}))
    (folder / onnx_export.ONNX_FILE).write_bytes(b"\x08\x07not a model" * 100)
    monkeypatch.setattr(onnx_export, "places", lambda _fingerprint, _bundled="": [folder])
    model = SentenceTransformerEmbedder(minilm_folder, onnx_allowed=True)
    vectors = model.embed_documents(PASSAGES[:2])
    assert model.backend == "sentence-transformers"
    assert vectors.shape == (2, 384)


def test_a_failed_export_falls_back_to_sentence_transformers(
    minilm_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object) -> Path:
        raise EmbeddingModelError("cannot export: read-only installation")

    monkeypatch.setattr(onnx_export, "find_export", lambda _fingerprint: None)
    monkeypatch.setattr(onnx_export, "export", refuse)
    model = SentenceTransformerEmbedder(minilm_folder, onnx_allowed=True)
    assert len(model.embed_query("poodle")) == 384
    assert model.backend == "sentence-transformers"


def test_a_cpu_build_of_torch_never_looks_for_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda _name: "2.13.0+cpu")
    assert not torch_may_see_gpu()
    monkeypatch.setattr(importlib.metadata, "version", lambda _name: "2.13.0")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr("shutil.which", lambda _name: None)
    monkeypatch.setattr(Path, "exists", lambda _self: False)
    assert not torch_may_see_gpu()  # no NVIDIA driver
    monkeypatch.setattr("shutil.which", lambda _name: "/usr/bin/nvidia-smi")
    assert torch_may_see_gpu()


def test_an_installation_the_user_cannot_write_to_gets_its_export_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    prefix, cache = tmp_path / "usr" / "share" / "onnx" / "m", tmp_path / "cache" / "onnx" / "m"
    (tmp_path / "usr").mkdir()
    monkeypatch.setattr(onnx_export, "places", lambda _fingerprint, _bundled="": [prefix, cache])
    assert onnx_export.exported_dir("model:1") == prefix  # a virtual environment: writable
    writable = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != tmp_path / "usr" and writable(path, mode)
    )
    assert onnx_export.exported_dir("model:1") == cache  # `pip install --user` under /usr
    # What `places` gives outside the packaged app: the prefix first, then the user's cache.
    monkeypatch.undo()
    found = onnx_export.places("model:0123")
    assert found[0].is_relative_to(sys.prefix) and found[1].name == "model-0123"
