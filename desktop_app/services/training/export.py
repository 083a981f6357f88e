"""A trained LoRA adapter, from Hugging Face's layout to a GGUF adapter llama.cpp applies.

Names: `model.layers.{i}.self_attn.q_proj` becomes `blk.{i}.attn_q.weight`, with `.lora_a` and
`.lora_b` suffixes. Shapes: peft's lora_A is (rank, n_in) and lora_B (n_out, rank), which in
ggml's reversed order are the [n_in, rank] and [rank, n_out] llama.cpp expects.

Rows: llama.cpp's converter stores a llama model's Q and K weights with their rows permuted
(the two halves of each head's rotary dimensions interleaved), and transformers undoes that
when it loads the GGUF. An adapter's update B @ A adds to those rows, so B's rows (the output
side) are permuted the same way before they are written. Qwen2's converter permutes nothing.

Scale: llama.cpp multiplies B @ A by alpha / rank (and the user's scale), as peft does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Architectures whose GGUF stores Q and K rows permuted (convert_hf_to_gguf.py's LlamaModel).
PERMUTED_QK = frozenset({"llama"})
SUPPORTED = frozenset({"llama", "qwen2"})
_MODULES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
_HF_NAME = re.compile(r"layers\.(\d+)\.(\w+\.\w+)$")


@dataclass(frozen=True, slots=True)
class HeadShape:
    heads: int
    kv_heads: int


def gguf_name(hf_module: str) -> str:
    """`...model.layers.3.self_attn.q_proj` -> `blk.3.attn_q.weight`."""
    match = _HF_NAME.search(hf_module)
    if match is None or match.group(2) not in _MODULES:
        raise ValueError(f"no GGUF tensor for {hf_module}")
    return f"blk.{match.group(1)}.{_MODULES[match.group(2)]}.weight"


def permute_rows(weights: Any, heads: int) -> Any:
    """llama.cpp's row order for Q (heads = attention heads) or K (heads = KV heads)."""
    rows = weights.shape[0]
    return (
        weights.reshape(heads, 2, rows // heads // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def write_adapter(
    path: Path,
    arch: str,
    pairs: Mapping[str, tuple[Any, Any]],
    alpha: float,
    heads: HeadShape,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """`pairs`: peft module name -> (lora_A, lora_B) as float32 numpy arrays."""
    import gguf
    import numpy as np

    if arch not in SUPPORTED:
        raise ValueError(f"cannot export an adapter for a '{arch}' model")
    writer = gguf.GGUFWriter(str(path), arch=arch)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for key, value in (metadata or {}).items():
        writer.add_string(key, value)
    for module, (a, b) in sorted(pairs.items()):
        name = gguf_name(module)
        b = np.asarray(b, dtype=np.float32)
        if arch in PERMUTED_QK and name.endswith("attn_q.weight"):
            b = permute_rows(b, heads.heads)
        elif arch in PERMUTED_QK and name.endswith("attn_k.weight"):
            b = permute_rows(b, heads.kv_heads)
        writer.add_tensor(f"{name}.lora_a", np.ascontiguousarray(a, dtype=np.float32))
        writer.add_tensor(f"{name}.lora_b", np.ascontiguousarray(b))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
