"""Which model to run and how: the file, context, threads, GPU layers, adapter."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.settings import DEFAULTS


@dataclass(frozen=True, slots=True)
class LlmConfig:
    model_path: str
    context_size: int = DEFAULTS.context_size
    threads: int = DEFAULTS.threads  # 0 = physical cores
    # -1 = as many layers as fit in the GPU's free memory (core/offload.py)
    gpu_layers: int = DEFAULTS.gpu_layers
    seed: int = DEFAULTS.seed
    lora_path: str | None = None
    lora_scale: float = DEFAULTS.lora_scale
