"""How many of a model's layers go on the GPU: all when they fit in its free memory, as many as
fit otherwise, none when not even one does. Pure arithmetic: the sizes come from the GGUF file
(services/gguf_info.py) and from the GPU (services/gpu.py).

llama.cpp's `n_gpu_layers` counts the model's repeating blocks from the last one backwards;
one more than there are blocks also moves the output head. Each offloaded block takes its
weights and its share of the KV cache to the GPU; the token embeddings stay in host memory.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
# Kept free beyond the estimate: the CUDA/Metal runtime's own allocations grow with use, and
# other programs share the GPU. A misjudged plan is still caught: loading retries with fewer
# layers (services/llm.py), so this only has to make that rare.
SAFETY_MARGIN_BYTES = 512 * MIB
SAFETY_MARGIN_SHARE = 0.05
KV_BYTES = 2  # llama.cpp's default KV cache type is f16
LOGITS_BATCH = 512  # llama.cpp's default micro-batch: logits are kept for each of its tokens


def kv_bytes_per_layer(context_size: int, kv_heads: int, key_length: int, value_length: int) -> int:
    """One block's K and V cache for the whole context."""
    return context_size * kv_heads * (key_length + value_length) * KV_BYTES


def compute_bytes(vocab: int, embedding_length: int) -> int:
    """llama.cpp's scratch: logits for one micro-batch plus a few layers' activations of it."""
    return LOGITS_BATCH * (vocab + 8 * embedding_length) * 4


@dataclass(frozen=True, slots=True)
class ModelFootprint:
    """What a model needs in GPU memory, by part, at one context size."""

    layer_bytes: tuple[int, ...]  # the weights of each repeating block, blk.0 first
    output_bytes: int  # the output head and final norm
    kv_bytes_per_layer: int  # one block's K and V cache for the whole context (f16)
    compute_bytes: int  # llama.cpp's scratch buffers on the GPU (logits, activations)

    @property
    def layers(self) -> int:
        return len(self.layer_bytes)

    def offloaded_bytes(self, gpu_layers: int) -> int:
        """GPU memory for `gpu_layers` as llama.cpp counts them (the last blocks first)."""
        blocks = min(gpu_layers, self.layers)
        weights = sum(self.layer_bytes[self.layers - blocks :]) if blocks else 0
        output = self.output_bytes if gpu_layers > self.layers else 0
        compute = self.compute_bytes if gpu_layers > 0 else 0
        return weights + output + blocks * self.kv_bytes_per_layer + compute


@dataclass(frozen=True, slots=True)
class OffloadPlan:
    gpu_layers: int  # what llama.cpp gets as n_gpu_layers
    layers: int  # the model's repeating blocks
    gpu_bytes: int  # the estimate for what goes on the GPU
    reason: str  # one line for the status bar and `librarian doctor`

    @property
    def offloaded_blocks(self) -> int:
        return min(self.gpu_layers, self.layers)

    @property
    def complete(self) -> bool:
        return self.gpu_layers > self.layers

    def describe(self) -> str:
        return f"{self.offloaded_blocks}/{self.layers} layers on the GPU"


def usable_bytes(free_bytes: int) -> int:
    margin = max(SAFETY_MARGIN_BYTES, int(free_bytes * SAFETY_MARGIN_SHARE))
    return max(0, free_bytes - margin)


def plan_offload(footprint: ModelFootprint, free_bytes: int | None) -> OffloadPlan:
    """All layers when they fit in `free_bytes`, else the most that fit, else none. With the
    free memory unknown (a backend that cannot tell), everything goes on the GPU, as llama.cpp
    itself would do."""
    everything = footprint.layers + 1
    if free_bytes is None:
        return OffloadPlan(
            everything,
            footprint.layers,
            footprint.offloaded_bytes(everything),
            "all layers on the GPU (its free memory is unknown)",
        )
    budget = usable_bytes(free_bytes)
    if footprint.offloaded_bytes(everything) <= budget:
        return OffloadPlan(
            everything,
            footprint.layers,
            footprint.offloaded_bytes(everything),
            "the whole model fits in the GPU's free memory",
        )
    fitting = 0
    for blocks in range(footprint.layers, 0, -1):
        if footprint.offloaded_bytes(blocks) <= budget:
            fitting = blocks
            break
    needed_mib = footprint.offloaded_bytes(everything) // MIB
    if fitting == 0:
        return OffloadPlan(
            0,
            footprint.layers,
            0,
            f"the model needs {needed_mib} MiB, the GPU has {free_bytes // MIB} MiB free:"
            " running on the CPU",
        )
    return OffloadPlan(
        fitting,
        footprint.layers,
        footprint.offloaded_bytes(fitting),
        f"the model needs {needed_mib} MiB, the GPU has {free_bytes // MIB} MiB free:"
        f" {fitting} of {footprint.layers} layers on the GPU, the rest on the CPU",
    )


def fewer_layers(gpu_layers: int, layers: int) -> int:
    """The next try after the GPU refused `gpu_layers`: half as many blocks, down to none."""
    return min(gpu_layers, layers) // 2
