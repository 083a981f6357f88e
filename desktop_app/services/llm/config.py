"""Which model to run and how: the file, context, threads, GPU layers, adapter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LlmConfig:
    model_path: str
    context_size: int = 4096
    threads: int = 0  # 0 = physical cores
    gpu_layers: int = -1  # -1 = as many as fit in the GPU's free memory (core/offload.py)
    seed: int = 0
    lora_path: str | None = None
    lora_scale: float = 1.0
