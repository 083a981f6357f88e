"""The answering model for real: SmolLM2-135M through llama.cpp, LoRA adapters built with the
`gguf` package, and every kind of bad adapter refused with a reason (llama-cpp-python itself
would segfault on them)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.cancel import CancelToken
from desktop_app.services.llm import LlmConfig, LlmEngine, LlmError, ModelState, default_llm_path

pytestmark = pytest.mark.e2e

MODEL = default_llm_path()
MESSAGES = [{"role": "user", "content": "Write one sentence about the sea."}]


def write_adapter(
    path: Path,
    zero_b: bool = True,
    arch: str = "llama",
    layers: int = 8,
    rank: int = 8,
    wrong_width: bool = False,
    seed: int = 0,
) -> Path:
    import gguf

    from desktop_app.services.llm.gguf_info import read_header

    assert MODEL is not None
    # The model's shapes from our header reader (test_gguf_info checks it against gguf's
    # GGUFReader, which takes 5 s here decoding the whole vocabulary).
    shapes = {name: list(t.shape) for name, t in read_header(MODEL).tensors.items()}
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(path), arch=arch)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(rank))
    for layer in range(layers):
        for target in ("attn_q", "ffn_up"):
            name = f"blk.{layer}.{target}.weight"
            n_in, n_out = shapes[name]
            n_in += 16 if wrong_width else 0
            a = rng.standard_normal((rank, n_in)).astype(np.float32) * 0.5
            b = (np.zeros if zero_b else rng.standard_normal)((n_out, rank)).astype(np.float32)
            writer.add_tensor(f"{name}.lora_a", a)
            writer.add_tensor(f"{name}.lora_b", b * 0.5)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def reply(engine: LlmEngine, lora: Path | None = None, scale: float = 1.0) -> str:
    assert MODEL is not None
    engine.load(
        LlmConfig(
            str(MODEL),
            context_size=512,
            threads=2,
            lora_path=str(lora) if lora else None,
            lora_scale=scale,
        )
    )
    return engine.chat(MESSAGES, max_tokens=24, temperature=0.0).text


def test_loads_and_streams_with_timings(engine: LlmEngine):
    assert MODEL is not None
    engine.load(LlmConfig(str(MODEL), context_size=512, threads=2))
    assert engine.state is ModelState.READY
    pieces: list[str] = []
    result = engine.chat(MESSAGES, max_tokens=16, on_token=pieces.append)
    assert result.text == "".join(pieces) and result.tokens == len(pieces) > 3
    assert result.first_token_s > 0 and result.tokens_per_s > 0


def test_cancel_stops_within_one_token(engine: LlmEngine):
    assert MODEL is not None
    engine.load(LlmConfig(str(MODEL), context_size=512, threads=2))
    cancel = CancelToken()
    pieces: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.cancel()

    result = engine.chat(MESSAGES, max_tokens=200, on_token=on_token, cancel=cancel)
    assert result.cancelled and len(pieces) == 3


def test_background_load_reports_its_state(engine: LlmEngine):
    assert MODEL is not None
    done = threading.Event()
    states: list[ModelState] = []

    def on_done(state: ModelState, error: str | None) -> None:
        states.append(state)
        done.set()

    engine.load_in_background(LlmConfig(str(MODEL), context_size=512), on_done)
    assert done.wait(60) and states == [ModelState.READY]


def test_an_adapter_is_applied_after_loading_so_that_the_model_stays_memory_mapped(
    engine: LlmEngine, tmp_path: Path
):
    """Why services.llm.lora.apply_adapter reaches llama-cpp-python's private `_model`, `_ctx`
    and `_stack`: its public `lora_path` turns memory-mapping off, so the whole model is read
    into memory (a 7B model's gigabytes, twice over while it loads). When this fails, the
    public way keeps the mapping: use it instead."""
    import llama_cpp

    assert MODEL is not None
    adapter = write_adapter(tmp_path / "zero.gguf", zero_b=True)
    public = llama_cpp.Llama(
        model_path=str(MODEL), lora_path=str(adapter), n_ctx=256, n_threads=2, verbose=False
    )
    try:
        assert public.model_params.load_mode == llama_cpp.LLAMA_LOAD_MODE_NONE
    finally:
        public.close()
    reply(engine, adapter)  # ours: loaded, then the adapter applied
    assert engine._llm.model_params.load_mode == llama_cpp.LLAMA_LOAD_MODE_MMAP


def test_bad_model_file_is_an_error_not_a_crash(engine: LlmEngine, tmp_path: Path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 100)
    with pytest.raises(LlmError, match="cannot load the model"):
        engine.load(LlmConfig(str(bad)))
    assert engine.state is ModelState.FAILED and engine.error


def test_zero_adapter_equals_base_and_random_adapter_changes_output(engine, tmp_path: Path):
    base = reply(engine)
    zero = write_adapter(tmp_path / "zero.gguf", zero_b=True)
    assert reply(engine, zero) == base
    random = write_adapter(tmp_path / "random.gguf", zero_b=False)
    assert reply(engine, random) != base
    assert reply(engine, random, scale=0.0) == base


# Every kind of bad adapter, with the reason the user is given.
BAD_ADAPTERS = [
    ("missing", "not found"),
    ("garbage", "not a GGUF file"),
    ("truncated", "truncated"),
    ("wrong architecture", "made for a 'qwen2' model"),
    ("wrong shapes", "does not fit this model"),
    ("a model, not an adapter", "is not a LoRA adapter"),
]


def bad_adapter(kind: str, folder: Path) -> Path:
    """A file of one of BAD_ADAPTERS' kinds in `folder` ("missing": one that is not there)."""
    path = folder / "adapter.gguf"
    if kind == "garbage":
        path.write_bytes(b"\x89PNG not an adapter at all" * 100)
    elif kind == "truncated":
        good = write_adapter(folder / "good.gguf", zero_b=False)
        path.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    elif kind == "wrong architecture":
        write_adapter(path, arch="qwen2")
    elif kind == "wrong shapes":
        write_adapter(path, wrong_width=True)
    elif kind == "a model, not an adapter":
        assert MODEL is not None
        shutil.copy(MODEL, path)
    return path


@pytest.mark.parametrize(("kind", "reason"), BAD_ADAPTERS)
def test_bad_adapters_are_refused_with_a_reason_and_the_base_keeps_working(
    engine: LlmEngine, tmp_path: Path, kind: str, reason: str
):
    path = bad_adapter(kind, tmp_path)
    with pytest.raises(LlmError, match=reason):
        reply(engine, path)
    assert engine.state is ModelState.FAILED
    assert reply(engine)  # the process is alive and the base model answers
