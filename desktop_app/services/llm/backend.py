"""What llama.cpp was built for: CUDA, Metal, Vulkan, ROCm or the CPU."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def compute_backend() -> dict[str, Any]:
    """llama.cpp's back-end: CUDA, Metal or CPU, and whether it can offload layers to a GPU."""
    try:
        import llama_cpp
    except Exception as exc:  # noqa: BLE001 - a broken native library must not break doctor
        return {"backend": "unavailable", "gpu_offload": False, "error": str(exc)}
    offload = bool(llama_cpp.llama_supports_gpu_offload())
    backend = "CPU"
    if offload:
        lib_dir = Path(llama_cpp.__file__).parent / "lib"
        names = " ".join(p.name.lower() for p in lib_dir.glob("*")) if lib_dir.exists() else ""
        if sys.platform == "darwin":
            backend = "Metal"
        elif "cuda" in names:
            backend = "CUDA"
        elif "vulkan" in names:
            backend = "Vulkan"
        elif "hip" in names or "rocm" in names:
            backend = "ROCm"
        else:
            backend = "GPU"
    return {"backend": backend, "gpu_offload": offload}
