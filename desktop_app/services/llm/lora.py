"""LoRA adapters: validated before llama.cpp ever applies them.

llama-cpp-python 0.3.36 checks a failed adapter load with `is None`, but the failure is a NULL
ctypes pointer (falsy, not None): any bad adapter (missing, garbage, truncated, another
architecture, wrong shapes) then crashes the process at the first decode. So we read the
adapter's GGUF header ourselves for a precise reason, and apply it ourselves with a real NULL
check as the last line of defence.
"""

from __future__ import annotations

import ctypes
import math
import re
import struct
from pathlib import Path
from typing import Any

from desktop_app.services.llm.files import LlmError, check_gguf
from desktop_app.services.llm.gguf_info import GgufHeader, GgufTensor, read_header

_LORA_TENSOR = re.compile(r"^(blk\.\d+\.\w+\.weight)\.lora_([ab])$")


def _read(path: Path, what: str) -> GgufHeader:
    try:
        return read_header(path)
    except (ValueError, struct.error, OSError, UnicodeDecodeError) as exc:
        raise LlmError(f"the {what} {path.name} is damaged or truncated ({exc})") from exc


def _data_bytes(tensor: GgufTensor) -> int | None:
    """How many bytes the tensor's data takes (None: a type this check does not know)."""
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    try:
        block, size = GGML_QUANT_SIZES[GGMLQuantizationType(tensor.kind)]
    except (KeyError, ValueError):
        return None
    return math.prod(tensor.shape) // block * size


def validate_adapter(adapter_path: Path, model_path: Path) -> None:
    """Raise LlmError with a user-facing reason unless the adapter fits the model. Both files'
    headers are read by gguf_info (24-43 ms): gguf's GGUFReader decoded the model's whole
    vocabulary first (3.8-5.5 s for the bundled 135M model and an adapter), on every load."""
    check_gguf(adapter_path, "LoRA adapter")
    adapter = _read(adapter_path, "LoRA adapter")
    name = adapter_path.name
    meta = adapter.metadata
    if meta.get("general.type") != "adapter" or meta.get("adapter.type") != "lora":
        raise LlmError(f"{name} is not a LoRA adapter (it looks like a model or another file)")
    base = _read(model_path, "model file")
    base_arch, adapter_arch = (
        base.metadata.get("general.architecture"),
        meta.get("general.architecture"),
    )
    if adapter_arch != base_arch:
        raise LlmError(
            f"{name} was made for a '{adapter_arch}' model, but the model is '{base_arch}'"
        )
    pairs: dict[str, dict[str, tuple[int, ...]]] = {}
    for tensor_name, tensor in adapter.tensors.items():
        length = _data_bytes(tensor)
        if length is not None and tensor.start + length > adapter.file_size:
            raise LlmError(f"{name} is truncated (tensor {tensor_name} runs past the end)")
        match = _LORA_TENSOR.match(tensor_name)
        if match is None:
            continue
        pairs.setdefault(match.group(1), {})[match.group(2)] = tensor.shape
    if not pairs:
        raise LlmError(f"{name} holds no LoRA tensors")
    for target, ab in pairs.items():
        if target not in base.tensors:
            raise LlmError(f"{name} adapts {target}, which this model does not have")
        if set(ab) != {"a", "b"}:
            raise LlmError(f"{name} has only half of the LoRA pair for {target}")
        n_in, n_out = base.tensors[target].shape[0], base.tensors[target].shape[1]
        # ggml order: base [n_in, n_out]; lora_a [n_in, r]; lora_b [r, n_out].
        a, b = ab["a"], ab["b"]
        if a[0] != n_in or b[1] != n_out or a[1] != b[0]:
            raise LlmError(
                f"{name} does not fit this model: {target} is {n_out}x{n_in}, the adapter's "
                f"matrices are {a[1]}x{a[0]} and {b[1]}x{b[0]}"
            )


def apply_adapter(llm: Any, adapter_path: Path, scale: float) -> None:
    """Validate, load and activate an adapter on a loaded llama_cpp.Llama.

    Through its private `_model`, `_ctx` and `_stack`, as its own constructor does: the public
    `lora_path` turns memory-mapping off and reads the whole model into memory
    (tests/e2e/test_llm.py pins this; when it changes, pass `lora_path` instead)."""
    import llama_cpp

    validate_adapter(adapter_path, Path(llm.model_path))
    adapter = llama_cpp.llama_adapter_lora_init(llm._model.model, str(adapter_path).encode())
    if not adapter:  # a NULL pointer: llama.cpp refused it (its log says why)
        raise LlmError(f"llama.cpp could not load the LoRA adapter {adapter_path.name}")
    llm._stack.callback(llama_cpp.llama_adapter_lora_free, adapter)
    adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
    scales = (ctypes.c_float * 1)(scale)
    if llama_cpp.llama_set_adapters_lora(llm._ctx.ctx, adapters, 1, scales):
        raise LlmError(f"llama.cpp could not activate the LoRA adapter {adapter_path.name}")


def gguf_kind(path: Path) -> str:
    """ "adapter" for a LoRA adapter, "model" for anything else llama.cpp could load; LlmError
    when the file is not a readable GGUF. Reads the header only (the file is memory-mapped)."""
    check_gguf(path, "GGUF file")
    header = _read(path, "GGUF file")
    return "adapter" if header.metadata.get("general.type") == "adapter" else "model"
