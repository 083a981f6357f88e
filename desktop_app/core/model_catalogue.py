"""The catalogue of answering models the app offers to download, and what fits this machine.

The catalogue is a data file shipped with the app (model_catalogue.json beside this module):
each entry names a Hugging Face repo and GGUF file, its quantization and licence, the languages
it writes and the architecture numbers the memory estimate needs. A file's size and SHA-256 are
given only where someone read them from the hub; otherwise they are null, the size is estimated
from the parameter count, and the hub's own checksum (X-Linked-Etag) is checked at download.

Whether a model fits is the offload planner's decision (core.offload) on an estimated footprint:
fully on the GPU, partly, CPU only, or too big for the memory. The estimate is rough on purpose
(weights spread evenly over the layers); the real file is measured again when it is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from typing import Any, TypeVar

from desktop_app.core.offload import (
    MIB,
    ModelFootprint,
    compute_bytes,
    kv_bytes_per_layer,
    plan_offload,
)
from desktop_app.core.settings import DEFAULTS
from desktop_app.core.units import memory

T = TypeVar("T")
CATALOGUE_FILE = "model_catalogue.json"
# Bits per weight of llama.cpp's quantizations, averaged over a whole file (embeddings and
# output are kept at higher precision), for sizing a file nobody has measured yet.
BITS_PER_WEIGHT = {"Q4_0": 4.6, "Q4_1": 5.0, "Q4_K_M": 5.0, "Q5_K_M": 5.7, "Q6_K": 6.6, "Q8_0": 8.5}
OUTPUT_BITS_PER_WEIGHT = 6.6  # the output head is usually Q6_K
# llama.cpp itself, the tokenizer and the chat's buffers, beyond weights and KV cache.
RUNTIME_BYTES = 400 * MIB
# The share of the machine's memory a model may take: the OS, the app and the embedding models
# need the rest.
RAM_SHARE = 0.8
# On the CPU a model's speed falls with its size (every token reads all the weights): beyond
# about this much per physical core, answers come slower than people read.
CPU_COMFORT_BYTES_PER_CORE = 600 * MIB
DEFAULT_CONTEXT = DEFAULTS.context_size  # what the app runs a model with by default


class CatalogueError(ValueError):
    """The catalogue file is malformed (a broken update, a typo): says which entry and why."""


@dataclass(frozen=True, slots=True)
class Architecture:
    layers: int
    kv_heads: int
    head_dim: int
    hidden: int
    vocab: int


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    name: str  # what people type: `librarian models get qwen2.5-1.5b`
    title: str
    repo: str
    file: str
    quantization: str
    params_b: float  # billions of parameters
    context_length: int  # tokens it was trained for
    languages: tuple[str, ...]  # ISO 639-1 codes it officially writes
    licence: str
    architecture: Architecture
    revision: str = "main"
    size_bytes: int | None = None  # read from the hub, or None
    sha256: str | None = None  # read from the hub, or None (the hub's etag is checked then)
    note: str = ""

    @property
    def estimated_size(self) -> int:
        """The file's size: the known one, else parameters x bits per weight."""
        if self.size_bytes is not None:
            return self.size_bytes
        bits = BITS_PER_WEIGHT.get(self.quantization.upper(), 5.0)
        return int(self.params_b * 1e9 * bits / 8)

    @property
    def size_known(self) -> bool:
        return self.size_bytes is not None

    def writes(self, language: str) -> bool:
        return language in self.languages


def parse_catalogue(text: str) -> list[CatalogueEntry]:
    """The entries of a catalogue file's JSON; CatalogueError names what is wrong."""
    try:
        raw_entries = json.loads(text)["models"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CatalogueError(f"the model catalogue is not valid: {exc}") from exc
    entries: list[CatalogueEntry] = []
    for raw in raw_entries:
        entry = _entry(raw)
        if any(e.name == entry.name for e in entries):
            raise CatalogueError(f"model catalogue entry {entry.name!r} appears twice")
        if entry.sha256 is not None and len(entry.sha256) != 64:
            raise CatalogueError(f"model catalogue entry {entry.name!r}: a bad SHA-256")
        if not entry.file.endswith(".gguf"):
            raise CatalogueError(f"model catalogue entry {entry.name!r}: not a .gguf file")
        entries.append(entry)
    return entries


_ARCHITECTURE_KEYS = ("layers", "kv_heads", "head_dim", "hidden", "vocab")


def _entry(raw: dict[str, Any]) -> CatalogueEntry:
    label = raw.get("name", "?") if isinstance(raw, dict) else "?"

    def field(key: str, kind: Callable[[Any], T], source: dict[str, Any] = raw) -> T:
        try:
            return kind(source[key])
        except (KeyError, TypeError, ValueError) as exc:
            value = source.get(key, "missing") if isinstance(source, dict) else "?"
            raise CatalogueError(
                f"model catalogue entry {label!r}: {key} is {value!r} ({exc})"
            ) from exc

    arch = field("architecture", dict)

    def optional(key: str) -> Any:
        return raw.get(key) or None

    return CatalogueEntry(
        name=field("name", str),
        title=field("title", str),
        repo=field("repo", str),
        file=field("file", str),
        quantization=field("quantization", str),
        params_b=field("params_b", float),
        context_length=field("context_length", int),
        languages=tuple(str(code) for code in field("languages", list)),
        licence=field("licence", str),
        architecture=Architecture(
            *(
                field(key, int, arch)
                for key in ("layers", "kv_heads", "head_dim", "hidden", "vocab")
            )
        ),
        revision=str(optional("revision") or "main"),
        size_bytes=int(optional("size_bytes")) if optional("size_bytes") else None,
        sha256=str(optional("sha256")).lower() if optional("sha256") else None,
        note=str(optional("note") or ""),
    )


def load_catalogue() -> list[CatalogueEntry]:
    """The catalogue shipped with the app."""
    text = resources.files("desktop_app.core").joinpath(CATALOGUE_FILE).read_text("utf-8")
    return parse_catalogue(text)


# -- fit ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Machine:
    """What this machine offers a model: memory, cores and the GPU llama.cpp would use."""

    ram_total: int
    ram_available: int
    cores: int
    gpu_name: str = ""  # empty: llama.cpp has no GPU here
    gpu_free: int | None = None  # None with a GPU: its free memory is unknown

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpu_name)


class Fit(Enum):
    GPU = "fully on the GPU"
    PARTLY = "partly on the GPU"
    CPU = "CPU only"
    TOO_BIG = "too big for this machine"


@dataclass(frozen=True, slots=True)
class FitEstimate:
    fit: Fit
    gpu_layers: int  # blocks on the GPU
    layers: int
    ram_bytes: int  # expected host memory while it answers
    vram_bytes: int  # expected GPU memory
    why: str  # one line for the catalogue

    @property
    def usable(self) -> bool:
        return self.fit is not Fit.TOO_BIG


def estimated_footprint(entry: CatalogueEntry, context_size: int) -> ModelFootprint:
    """A footprint from the catalogue's numbers: the output head at Q6_K, the rest of the file
    spread evenly over the blocks, the KV cache from the attention shape."""
    arch = entry.architecture
    output = int(arch.vocab * arch.hidden * OUTPUT_BITS_PER_WEIGHT / 8)
    per_layer = max(0, entry.estimated_size - output) // max(1, arch.layers)
    kv = kv_bytes_per_layer(context_size, arch.kv_heads, arch.head_dim, arch.head_dim)
    return ModelFootprint(
        (per_layer,) * arch.layers, output, kv, compute_bytes(arch.vocab, arch.hidden)
    )


def assess_fit(
    entry: CatalogueEntry, machine: Machine, context_size: int = DEFAULT_CONTEXT
) -> FitEstimate:
    """Where the model would run here and what it would take, with the reason in words."""
    footprint = estimated_footprint(entry, context_size)
    size = entry.estimated_size
    whole_kv = footprint.kv_bytes_per_layer * footprint.layers
    if machine.has_gpu:
        plan = plan_offload(footprint, machine.gpu_free)
        gpu_layers, vram = plan.offloaded_blocks, plan.gpu_bytes
        complete = plan.complete
    else:
        gpu_layers, vram, complete = 0, 0, False
    # Host memory: the weights and KV cache of the blocks left on the CPU (llama.cpp maps the
    # file; what went to the GPU is not kept resident), plus the runtime.
    host_share = 1 - gpu_layers / max(1, footprint.layers)
    ram = int((size + whole_kv) * host_share) + RUNTIME_BYTES
    if complete:
        ram = RUNTIME_BYTES + footprint.output_bytes  # token embeddings stay on the host
    estimated = "" if entry.size_known else " (the file's size is estimated)"
    if ram > machine.ram_total * RAM_SHARE:
        return FitEstimate(
            Fit.TOO_BIG,
            gpu_layers,
            footprint.layers,
            ram,
            vram,
            f"needs about {memory(ram)} of memory; this machine has {memory(machine.ram_total)}",
        )
    tight = ram > machine.ram_available
    tail = (
        f"; {memory(machine.ram_available)} is free now: close other programs first"
        if tight
        else ""
    )
    if complete:
        fit = Fit.GPU
        why = f"the whole model fits in the GPU's free memory ({memory(vram)})"
    elif gpu_layers > 0:
        fit = Fit.PARTLY
        why = f"{gpu_layers} of {footprint.layers} layers fit on the GPU, the rest runs on the CPU"
    else:
        fit = Fit.CPU
        where = "no GPU llama.cpp can use" if not machine.has_gpu else "not even a layer fits"
        speed = (
            f", slowly on {machine.cores} cores"
            if size > CPU_COMFORT_BYTES_PER_CORE * machine.cores
            else ""
        )
        why = f"runs on the CPU ({where}){speed}, about {memory(ram)} of memory"
    return FitEstimate(fit, gpu_layers, footprint.layers, ram, vram, why + tail + estimated)


def recommend(
    entries: Sequence[CatalogueEntry], fits: Sequence[FitEstimate], machine: Machine
) -> CatalogueEntry | None:
    """The model to suggest here: one that writes Russian and English, the biggest that runs
    wholly on the GPU, or (on the CPU) the biggest that still answers at a usable speed."""

    def candidate(entry: CatalogueEntry, fit: FitEstimate) -> bool:
        if not (fit.usable and entry.writes("ru") and entry.writes("en")):
            return False
        if fit.fit is Fit.GPU:
            return True
        return entry.estimated_size <= CPU_COMFORT_BYTES_PER_CORE * machine.cores

    pairs = [(e, f) for e, f in zip(entries, fits, strict=True) if candidate(e, f)]
    if not pairs:
        return None
    on_gpu = [pair for pair in pairs if pair[1].fit is Fit.GPU]
    pool = on_gpu or pairs
    return max(pool, key=lambda pair: pair[0].params_b)[0]
