"""Rules of the test suite itself (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

NEEDS_EVAL = "tests/services/ingestion/test_parser_process.py::test_a_crashed_child_costs_one_file"


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", NEEDS_EVAL],
        cwd=REPO,
        env={**os.environ, "LIBRARIAN_EVAL_DIR": str(tmp_path / "absent"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_evaluation_data_skips_unless_ci_requires_it(tmp_path: Path) -> None:
    quiet = _run(tmp_path, LIBRARIAN_EVAL="")
    assert quiet.returncode == 0 and "1 skipped" in quiet.stdout, quiet.stdout
    strict = _run(tmp_path, LIBRARIAN_EVAL="required")
    assert strict.returncode != 0, strict.stdout
    assert "LIBRARIAN_EVAL=required, but" in strict.stdout and "../shared/eval" in strict.stdout
