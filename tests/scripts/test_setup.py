"""scripts/setup.py's choice of llama.cpp build: CUDA only where it can run, flags per back end,
one wheel cache per kind of build."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("librarian_setup", ROOT / "scripts" / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_auto_needs_a_gpu_not_only_nvcc(setup: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")  # nvcc and nvidia-smi
    monkeypatch.setattr(setup, "nvidia_compute_capabilities", lambda: [])  # no GPU answers
    monkeypatch.setattr(setup.sys, "platform", "linux")
    assert setup.choose_backend("auto") == "cpu"
    monkeypatch.setattr(setup, "nvidia_compute_capabilities", lambda: ["90"])
    assert setup.choose_backend("auto") == "cuda"
    assert setup.choose_backend("cpu") == "cpu"  # an explicit choice wins


def test_cuda_flags_name_the_gpus_architecture(
    setup: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CMAKE_ARGS", raising=False)
    monkeypatch.delenv("CUDA_ARCHITECTURES", raising=False)
    monkeypatch.setattr(setup, "nvidia_compute_capabilities", lambda: ["86", "90"])
    args = setup.backend_cmake_args("cuda")
    assert "-DGGML_CUDA=on" in args and "-DCMAKE_CUDA_ARCHITECTURES=86;90" in args
    monkeypatch.setenv("CUDA_ARCHITECTURES", "89")
    assert "-DCMAKE_CUDA_ARCHITECTURES=89" in setup.backend_cmake_args("cuda")
    assert setup.backend_cmake_args("cpu") == "-DGGML_NATIVE=OFF"
    assert setup.backend_cmake_args("metal") == "-DGGML_METAL=on"
    monkeypatch.setenv("CMAKE_ARGS", "-DGGML_BLAS=on")
    assert setup.backend_cmake_args("cpu") == "-DGGML_NATIVE=OFF -DGGML_BLAS=on"


def test_each_kind_of_build_has_its_own_wheel_cache(
    setup: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIBRARIAN_WHEELHOUSE", str(tmp_path))
    monkeypatch.delenv("CMAKE_ARGS", raising=False)
    cpu = setup.wheelhouse("cpu", "-DGGML_NATIVE=OFF")
    assert cpu == tmp_path  # where earlier CPU builds were cached
    h100 = setup.wheelhouse("cuda", "-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90")
    rtx = setup.wheelhouse("cuda", "-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=86")
    assert len({cpu, h100, rtx}) == 3 and h100.parent == tmp_path
