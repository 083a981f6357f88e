"""The GPUs llama.cpp can use, with their free memory, asked of llama.cpp's own ggml backend
registry (the CUDA, Metal, Vulkan... devices it was built with). llama-cpp-python does not bind
these calls, so they are bound here with ctypes from the libggml it already loaded."""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from typing import Any

from desktop_app.core.units import GIB, memory

log = logging.getLogger(__name__)

# enum ggml_backend_dev_type (include/ggml-backend.h, shipped in the llama-cpp-python wheel)
DEVICE_GPU = 1
DEVICE_IGPU = 2  # integrated: shares host memory (Apple silicon reports its GPU like this too)


@dataclass(frozen=True, slots=True)
class GpuDevice:
    name: str  # the backend's device name, e.g. "CUDA0", "Metal"
    description: str  # the card, e.g. "NVIDIA H100 80GB HBM3"
    free_bytes: int
    total_bytes: int

    def describe(self) -> str:
        return (
            f"{self.description or self.name} ({self.free_bytes / GIB:.1f} of"
            f" {memory(self.total_bytes)} free)"
        )


def _bind(library: Any) -> Any:
    void_p, size_t = ctypes.c_void_p, ctypes.c_size_t
    library.ggml_backend_dev_count.restype = size_t
    library.ggml_backend_dev_count.argtypes = []
    library.ggml_backend_dev_get.restype = void_p
    library.ggml_backend_dev_get.argtypes = [size_t]
    library.ggml_backend_dev_type.restype = ctypes.c_int
    library.ggml_backend_dev_type.argtypes = [void_p]
    library.ggml_backend_dev_name.restype = ctypes.c_char_p
    library.ggml_backend_dev_name.argtypes = [void_p]
    library.ggml_backend_dev_description.restype = ctypes.c_char_p
    library.ggml_backend_dev_description.argtypes = [void_p]
    library.ggml_backend_dev_memory.restype = None
    library.ggml_backend_dev_memory.argtypes = [
        void_p,
        ctypes.POINTER(size_t),
        ctypes.POINTER(size_t),
    ]
    return library


def gpu_devices() -> list[GpuDevice]:
    """The GPUs llama.cpp would offload to; empty for a CPU-only build or when asking fails."""
    try:
        import llama_cpp

        if not llama_cpp.llama_supports_gpu_offload():
            return []
        llama_cpp.llama_backend_init()  # registers the backends (idempotent)
        from llama_cpp._ggml import libggml

        ggml = _bind(libggml)
        devices = []
        for index in range(ggml.ggml_backend_dev_count()):
            device = ggml.ggml_backend_dev_get(index)
            kind = ggml.ggml_backend_dev_type(device)
            if kind not in (DEVICE_GPU, DEVICE_IGPU):
                continue
            free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
            ggml.ggml_backend_dev_memory(device, ctypes.byref(free), ctypes.byref(total))
            devices.append(
                GpuDevice(
                    name=(ggml.ggml_backend_dev_name(device) or b"").decode(errors="replace"),
                    description=(ggml.ggml_backend_dev_description(device) or b"").decode(
                        errors="replace"
                    ),
                    free_bytes=int(free.value),
                    total_bytes=int(total.value),
                )
            )
        return devices
    except (ImportError, OSError, AttributeError) as exc:  # an old or unusual llama.cpp build
        log.warning("cannot list the GPUs: %s", exc)
        return []


def free_gpu_memory(devices: list[GpuDevice]) -> int | None:
    """What the model's layers may use: llama.cpp spreads them over every GPU it has, so their
    free memory adds up. None when there is no GPU or one does not say its memory."""
    if devices and all(d.total_bytes for d in devices):
        return sum(d.free_bytes for d in devices)
    return None
