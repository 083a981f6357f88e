"""Threads are sized to the CPUs a process may run on, not to the machine's count."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from desktop_app.core.cpus import usable_cpus
from tests.conftest import REPO

needs_affinity = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this system"
)


def test_usable_cpus_is_at_least_one_and_at_most_the_machines() -> None:
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)


@needs_affinity
def test_a_process_pinned_to_one_cpu_sizes_every_engine_to_it() -> None:
    code = (
        "import os\n"
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "from desktop_app.core.cpus import usable_cpus\n"
        "from desktop_app.services.llm import physical_cores\n"
        "print(usable_cpus(), physical_cores())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
