"""What the front ends are told about the answering model."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.services.llm import LlmConfig, ModelState, Placement


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """The answering model as it stands: loading, ready or failed (and why), which file."""

    state: ModelState
    error: str | None
    config: LlmConfig | None  # the loaded model's, None until one is loaded
    placement: Placement | None  # where it runs (CPU, or which GPU and how many layers)
