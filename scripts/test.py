#!/usr/bin/env python3
"""The whole check: lint, import contracts, types, then the unit and end-to-end tests.

Run after scripts/setup.py (make test does both):  .venv/bin/python scripts/test.py [pytest args]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def step(name: str, *args: str) -> None:
    print(f"== {name}", flush=True)
    result = subprocess.run(args, cwd=ROOT)
    if result.returncode != 0:
        print(f"== {name} failed", flush=True)
        sys.exit(result.returncode)


def main() -> None:
    exe = ".exe" if os.name == "nt" else ""
    sources = ("desktop_app", "tests", "bench", "scripts", "packaging")
    step("ruff", str(BIN / f"ruff{exe}"), "check", *sources)
    step("import contracts", str(BIN / f"lint-imports{exe}"))
    step("mypy", sys.executable, "-m", "mypy")
    step("pytest", sys.executable, "-m", "pytest", *sys.argv[1:])


if __name__ == "__main__":
    main()
