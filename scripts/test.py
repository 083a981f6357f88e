#!/usr/bin/env python3
"""The whole check: lint, import contracts, types, then the unit and end-to-end tests.

Run after scripts/setup.py (make test does both):  .venv/bin/python scripts/test.py [pytest args]

Without pytest arguments the tests run on one worker per core (pytest-xdist, at most
MAX_WORKERS: each loads the embedding models), a test file staying on one worker so that its
module fixtures are built once. Two tiers run on their own, after lint and types were checked
by `make test`: the real-part runs of a minute or more, `scripts/test.py --long` (make
test-long): those marked `long` (training, whole corpora, kill-and-resume over real documents,
the benchmark scripts) on the workers, then those marked `serial` alone (the GUI thread's
stalls measured with a 10,000-document library and while indexing and answering: they need
the machine to themselves); and the packaging test (marked `packaging`: it builds, installs
and launches the app, about 10 minutes), `scripts/test.py --packaging` (make test-packaging).
CI runs all three.
With other arguments, pytest runs them as given, in one process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAX_WORKERS = 4  # each holds the models and what its tests leave: up to 5.5 GB measured


def step(name: str, *args: str) -> None:
    print(f"== {name}", flush=True)
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        print(f"== {name} failed", flush=True)
        sys.exit(result.returncode)


def parallel() -> tuple[str, ...]:
    workers = int(os.environ.get("LIBRARIAN_TEST_WORKERS", min(MAX_WORKERS, os.cpu_count() or 1)))
    # glibc's per-thread arenas let a long-lived worker's heap grow far past what it uses (one
    # reached 13 GB and was killed for memory); two arenas keep each worker near its need.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    slowest = "--durations=25"  # where the time goes, in every run's log
    return (*(("-n", str(workers), "--dist", "loadfile") if workers > 1 else ()), slowest)


def main() -> None:
    pytest = (sys.executable, "-m", "pytest")
    if sys.argv[1:] == ["--packaging"]:  # the lint and the types are checked by `make test`
        step("pytest: packaging", *pytest, "-m", "packaging")
        return
    if sys.argv[1:] == ["--long"]:
        step("pytest: long runs", *pytest, *parallel(), "-m", "long and not packaging")
        step("pytest: timing tests, alone", *pytest, "-m", "serial")
        return
    exe = ".exe" if os.name == "nt" else ""
    sources = ("desktop_app", "tests", "bench", "scripts", "packaging")
    step("ruff", str(BIN / f"ruff{exe}"), "check", *sources)
    step("import contracts", str(BIN / f"lint-imports{exe}"))
    step("mypy", sys.executable, "-m", "mypy")
    if sys.argv[1:]:
        step("pytest", *pytest, *sys.argv[1:])
        return
    step("pytest", *pytest, *parallel(), "-m", "not serial and not long and not packaging")


if __name__ == "__main__":
    main()
