"""A GGUF file's header: its metadata and each tensor's shape, type and place, without reading
the weights. Gives what a model will take in GPU memory (feeds core.offload.plan_offload) and
what the LoRA check compares (lora.py).

The header is parsed here rather than with the `gguf` package's GGUFReader, which decodes every
token of the vocabulary into numpy objects: 5 s for a 135M model, on every model load. Only
scalars and array lengths are kept; a tensor's size is the distance to the next tensor's data.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.offload import ModelFootprint, compute_bytes, kv_bytes_per_layer
from desktop_app.services.llm.files import LlmError, check_gguf

_BLOCK = re.compile(r"^blk\.(\d+)\.")
DEFAULT_ALIGNMENT = 32
# GGUF value types: struct format of the fixed-size ones; 8 = string, 9 = array.
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_STRING, _ARRAY = 8, 9
# String arrays read in full (the vocabulary is not: 50k tokens): the languages a model writes.
_DECODED_ARRAYS = frozenset({"general.languages"})


@dataclass(frozen=True, slots=True)
class GgufTensor:
    shape: tuple[int, ...]  # in ggml's order: the row length first
    kind: int  # the ggml type (F32, Q4_K...)
    start: int  # where its data begins in the file


@dataclass(frozen=True, slots=True)
class GgufHeader:
    metadata: dict[str, object]  # scalars and strings; an array's value is its length
    tensor_bytes: dict[str, int]  # the distance to the next tensor's data (padding included)
    tensors: dict[str, GgufTensor]
    file_size: int


class _Cursor:
    """Reads little-endian GGUF values from a memory-mapped file, front to back."""

    def __init__(self, data: mmap.mmap, pos: int) -> None:
        self.data, self.pos = data, pos

    def unpack(self, fmt: str) -> object:
        value = struct.unpack_from("<" + fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize("<" + fmt)
        return value

    def u32(self) -> int:
        value: int = struct.unpack_from("<I", self.data, self.pos)[0]
        self.pos += 4
        return value

    def u64(self) -> int:
        value: int = struct.unpack_from("<Q", self.data, self.pos)[0]
        self.pos += 8
        return value

    def string(self) -> str:
        length = self.u64()
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def value(self, kind: int, decode_strings: bool = False) -> object:
        """A metadata value; an array of strings is its length unless `decode_strings`."""
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind != _ARRAY:
            raise ValueError(f"unknown value type {kind}")
        item, count = self.u32(), self.u64()
        if item in _SCALARS:
            if count == 1:  # per-layer values that are all the same
                return [self.unpack(_SCALARS[item])]
            self.pos += struct.calcsize("<" + _SCALARS[item]) * count
        elif item == _STRING and decode_strings:
            return [self.string() for _ in range(count)]
        elif item == _STRING:
            for _ in range(count):  # skipped, not decoded: 50k tokens take milliseconds
                length = self.u64()  # read first: `pos += u64()` would lose u64's own step
                self.pos += length
        else:
            raise ValueError(f"unsupported array of type {item}")
        return count


def read_header(path: Path) -> GgufHeader:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] != b"GGUF":
            raise ValueError("not a GGUF file")
        cursor = _Cursor(data, 4)
        version = cursor.u32()
        if version < 2:
            raise ValueError(f"GGUF version {version} is too old")
        n_tensors, n_kv = cursor.u64(), cursor.u64()
        metadata: dict[str, object] = {}
        for _ in range(n_kv):
            key = cursor.string()
            metadata[key] = cursor.value(cursor.u32(), key in _DECODED_ARRAYS)
        offsets: list[tuple[int, str]] = []
        shapes: dict[str, tuple[tuple[int, ...], int]] = {}
        for _ in range(n_tensors):
            name = cursor.string()
            shape = tuple(cursor.u64() for _ in range(cursor.u32()))
            shapes[name] = (shape, cursor.u32())
            offsets.append((cursor.u64(), name))
        alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0:
            raise ValueError(f"bad alignment {alignment!r}")
        data_start = -(-cursor.pos // alignment) * alignment
        file_size = len(data)
        end = file_size - data_start
    offsets.sort()
    sizes = {}
    for (offset, name), (following, _) in zip(offsets, [*offsets[1:], (end, "")], strict=True):
        if following < offset or offset > end:
            raise ValueError(f"tensor {name} lies outside the file (truncated?)")
        sizes[name] = following - offset
    tensors = {
        name: GgufTensor(shapes[name][0], shapes[name][1], data_start + offset)
        for offset, name in offsets
    }
    return GgufHeader(metadata, sizes, tensors, file_size)


def _number(metadata: dict[str, object], key: str, default: int | None = None) -> int:
    value = metadata.get(key)
    if isinstance(value, list):  # a one-element array (per-layer values of one size)
        value = value[0] if value else None
    if isinstance(value, int | float):
        return int(value)
    if default is None:
        raise LlmError(f"the model file has no '{key}'")
    return default


def model_footprint(path: Path, context_size: int) -> ModelFootprint:
    """Sizes of a model's parts on the GPU at `context_size` tokens, from its GGUF header."""
    check_gguf(path, "model file")
    try:
        header = read_header(path)
    except (ValueError, struct.error, OSError, UnicodeDecodeError) as exc:
        raise LlmError(f"the model file {path.name} is damaged or truncated ({exc})") from exc
    meta = header.metadata
    arch = meta.get("general.architecture")
    if not isinstance(arch, str):
        raise LlmError(f"{path.name} does not say which architecture it is")
    n_layer = _number(meta, f"{arch}.block_count")
    n_embd = _number(meta, f"{arch}.embedding_length")
    n_head = _number(meta, f"{arch}.attention.head_count")
    n_head_kv = _number(meta, f"{arch}.attention.head_count_kv", n_head)
    key_length = _number(meta, f"{arch}.attention.key_length", n_embd // max(1, n_head))
    value_length = _number(meta, f"{arch}.attention.value_length", key_length)
    vocab = _number(meta, "tokenizer.ggml.tokens", 0)  # an array: its length

    layer_bytes = [0] * n_layer
    output_bytes = 0
    for name, size in header.tensor_bytes.items():
        block = _BLOCK.match(name)
        if block is not None and int(block.group(1)) < n_layer:
            layer_bytes[int(block.group(1))] += size
        elif name.startswith("output"):
            output_bytes += size
    if "output.weight" not in header.tensor_bytes:
        # Tied embeddings: llama.cpp puts a copy of the token embeddings on the GPU as the head.
        output_bytes += header.tensor_bytes.get("token_embd.weight", 0)
    kv_per_layer = kv_bytes_per_layer(context_size, n_head_kv, key_length, value_length)
    compute = compute_bytes(vocab, n_embd)
    return ModelFootprint(tuple(layer_bytes), output_bytes, kv_per_layer, compute)
