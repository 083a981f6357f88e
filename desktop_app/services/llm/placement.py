"""Where a model runs: how many of its layers go to the GPU, from its size and the GPU's free
memory (core/offload.py plans; this module measures and asks llama.cpp)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.offload import OffloadPlan, plan_offload
from desktop_app.services.llm.backend import compute_backend
from desktop_app.services.llm.files import LlmError

if TYPE_CHECKING:
    from desktop_app.services.llm.config import LlmConfig
    from desktop_app.services.llm.gpu import GpuDevice

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a loaded model runs: the GPU it was offloaded to (None: the CPU) and how much of
    it went there."""

    backend: str  # what llama.cpp was built for: "CUDA", "Metal", "CPU"...
    gpu: GpuDevice | None
    plan: OffloadPlan | None

    def describe(self) -> str:
        """For the status bar: "CPU", "CUDA · NVIDIA H100 80GB HBM3 · 30/30 layers on the GPU"."""
        if self.backend == "CPU":
            return "CPU"
        if self.plan is not None and self.plan.gpu_layers == 0:
            return f"{self.backend} build, on the CPU"
        layers = self.plan.describe() if self.plan else "all layers on the GPU"
        card = f"{self.gpu.description or self.gpu.name} · " if self.gpu else ""
        return f"{self.backend} · {card}{layers}"


def place_model(config: LlmConfig, path: Path) -> Placement:
    """How many layers to offload: the configured number, or (gpu_layers < 0, the default) as
    many as fit in the GPU's free memory, estimated from the model's tensors and KV cache."""
    import llama_cpp

    backend = str(compute_backend()["backend"])
    if not llama_cpp.llama_supports_gpu_offload():
        return Placement(backend, None, None)
    from desktop_app.services.llm.gguf_info import model_footprint
    from desktop_app.services.llm.gpu import free_gpu_memory, gpu_devices

    devices = gpu_devices()
    gpu = devices[0] if devices else None
    free = free_gpu_memory(devices)
    try:
        footprint = model_footprint(path, config.context_size)
    except LlmError as exc:
        log.warning("cannot estimate the model's size (%s): offloading every layer", exc)
        return Placement(backend, gpu, None)
    if config.gpu_layers >= 0:
        layers = config.gpu_layers
        plan = OffloadPlan(layers, footprint.layers, footprint.offloaded_bytes(layers), "as set")
    else:
        plan = plan_offload(footprint, free)
    return Placement(backend, gpu, plan)
