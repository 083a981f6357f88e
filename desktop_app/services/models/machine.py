"""What this machine offers an answering model: memory, physical cores and the GPU llama.cpp
would offload to (asked of llama.cpp itself, so a CPU-only build reports none)."""

from __future__ import annotations

import psutil

from desktop_app.core.model_catalogue import Machine
from desktop_app.services.llm.cpu import physical_cores
from desktop_app.services.llm.gpu import free_gpu_memory, gpu_devices


def this_machine() -> Machine:
    """Seconds at most (llama.cpp's import on a cold start): call it off the GUI thread."""
    memory = psutil.virtual_memory()
    devices = gpu_devices()
    free = free_gpu_memory(devices)
    name = " + ".join(d.description or d.name for d in devices)
    return Machine(memory.total, memory.available, physical_cores(), name, free)
