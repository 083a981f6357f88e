"""How many CPUs this process may run on: its affinity (taskset, a container's cpuset, a test
worker's share), not the machine's count. Threads beyond it only wait for each other."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
