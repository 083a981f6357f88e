"""How many threads llama.cpp should use: the physical cores this process may run on."""

from __future__ import annotations

import psutil

from desktop_app.core.cpus import usable_cpus


def physical_cores() -> int:
    """Physical cores (llama.cpp slows down on hyper-threads), never more than the CPUs we
    may run on. psutil counts them on Linux, macOS and Windows alike."""
    logical = usable_cpus()
    physical = psutil.cpu_count(logical=False)
    return max(1, min(physical or logical, logical))
