"""Shared helpers for the benchmarks."""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = Path(os.environ.get("LIBRARIAN_EVAL_DIR", REPO.parent / "shared" / "eval"))


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))
