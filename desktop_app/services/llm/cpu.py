"""How many threads llama.cpp should use: the physical cores this process may run on."""

from __future__ import annotations

import os

import psutil


def physical_cores() -> int:
    """Physical cores (llama.cpp slows down on hyper-threads), never more than the CPUs we
    may run on. psutil counts them on Linux, macOS and Windows alike."""
    logical = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    physical = psutil.cpu_count(logical=False)
    return max(1, min(physical or logical or 1, logical or 1))
