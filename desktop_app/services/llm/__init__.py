"""The answering model and everything about running it: its files (`files`), llama.cpp's
back-end (`backend`), the machine's CPU cores (`cpu`) and GPUs (`gpu`), GGUF headers
(`gguf_info`), where its layers go (`placement`), LoRA adapters (`lora`) and the engine that
loads it and generates (`engine`)."""

from desktop_app.core.model_state import ModelState
from desktop_app.services.llm.backend import compute_backend
from desktop_app.services.llm.config import LlmConfig
from desktop_app.services.llm.cpu import physical_cores
from desktop_app.services.llm.engine import (
    REPEAT_PENALTY,
    Generation,
    LlmEngine,
    check_files,
)
from desktop_app.services.llm.files import GGUF_MAGIC, LlmError, check_gguf, default_llm_path
from desktop_app.services.llm.placement import Placement, place_model

__all__ = [
    "GGUF_MAGIC",
    "REPEAT_PENALTY",
    "Generation",
    "LlmConfig",
    "LlmEngine",
    "LlmError",
    "ModelState",
    "Placement",
    "check_files",
    "check_gguf",
    "compute_backend",
    "default_llm_path",
    "physical_cores",
    "place_model",
]
