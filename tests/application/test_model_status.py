"""The answering model's loading as both front ends get it: a bad adapter is left out, once."""

from __future__ import annotations

from typing import Any, cast

import pytest

from desktop_app.application import LlmConfig, LlmError, ModelState
from desktop_app.application.model_status import ModelLoader


class Engine:
    """LlmEngine's loading contract, with an adapter named "bad.gguf" that fails to apply."""

    def __init__(self) -> None:
        self.config: LlmConfig | None = None
        self.state = ModelState.EMPTY
        self.error: str | None = None
        self.placement = None
        self.loads: list[LlmConfig] = []

    def load(self, config: LlmConfig) -> None:
        self.loads.append(config)
        if config.lora_path == "bad.gguf":
            self.state, self.error, self.config = ModelState.FAILED, "bad adapter", None
            raise LlmError("the adapter bad.gguf does not fit this model")
        self.state, self.error, self.config = ModelState.READY, None, config


def test_a_bad_adapter_is_left_out_said_and_not_tried_again():
    engine = Engine()
    loader = ModelLoader(cast(Any, engine))
    asked = LlmConfig("model.gguf", lora_path="bad.gguf")
    loaded = loader.load(asked)
    assert loaded == LlmConfig("model.gguf") and engine.config == loaded
    status = loader.status()
    assert status.state is ModelState.READY and status.requested == asked
    assert status.adapter_refused == "the adapter bad.gguf does not fit this model"
    assert loader.load(asked) == loaded and len(engine.loads) == 3  # no second try
    without = LlmConfig("model.gguf")  # the user cleared the adapter: nothing was refused
    assert loader.load(without) == without and loader.status().adapter_refused is None
    assert loader.load(asked) == loaded and loader.status().adapter_refused  # still said
    good = LlmConfig("model.gguf", lora_path="good.gguf")
    assert loader.load(good) == good and loader.status().adapter_refused is None


def test_a_model_that_cannot_load_is_an_error_with_or_without_an_adapter():
    engine = Engine()

    def broken(config: LlmConfig) -> None:
        raise LlmError("cannot load the model")

    engine.load = broken  # type: ignore[method-assign]
    loader = ModelLoader(cast(Any, engine))
    for config in (LlmConfig("x.gguf"), LlmConfig("x.gguf", lora_path="bad.gguf")):
        with pytest.raises(LlmError, match="cannot load the model"):
            loader.load(config)
