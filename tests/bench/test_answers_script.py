"""bench/answers.py still runs end to end: two English XQuAD questions quoted and answered by
the default model (sentence windows, one follow-up) through a fresh library, in its own
process as a user would start it (about 30 s here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.answers import contains_gold, pick
from tests.conftest import EVAL_DIR, REPO, needs_eval

needs_xquad = pytest.mark.skipif(
    not (EVAL_DIR / "qa" / "xquad-en-dev").is_dir(), reason="../shared/eval/qa is absent"
)


def test_gold_answers_match_case_and_spacing_insensitively() -> None:
    assert contains_gold("It opened in  1835 [1].", ["1835"])
    assert contains_gold("The first was An\nUnearthly child.", ["An Unearthly Child"])
    assert contains_gold("Decided by the Scottish Government [1]", ["Scottish Government."])
    assert not contains_gold("It opened in 1853.", ["1835", " ", "."])


def test_questions_are_spread_through_the_file() -> None:
    queries = [{"_id": str(i), "answers": ["x"]} for i in range(100)]
    qrels = {str(i): {"doc": 1} for i in range(100) if i != 0}  # 0 has no gold passage
    assert pick(queries, qrels, 3) == ["1", "34", "67"]
    assert len(pick(queries, qrels, 500)) == 99


@pytest.mark.e2e
@pytest.mark.long
@needs_eval
@needs_xquad
def test_answers_two_questions_with_the_default_model() -> None:
    env = {**os.environ, "LIBRARIAN_EVAL_DIR": str(EVAL_DIR)}
    command = [sys.executable, "-m", "bench.answers", "--questions", "2", "--lang", "en"]
    command += ["--evidence", "windows", "--follow-ups", "1", "--json"]
    run = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout[run.stdout.index("{") :])
    [result] = report["results"]
    assert result["lang"] == "en" and result["n"] == 2 and result["evidence"] == "windows"
    assert result["model"].endswith(".gguf") and result["model_mb"] > 0
    for rate in (
        "contains_gold", "cites_gold", "gold_given", "nothing_found", "best_quote_gold",
        "top3_quotes_gold", "offer",
    ):  # fmt: skip
        assert 0.0 <= result[rate] <= 1.0, rate
    # Quotes came first, the model ran (English), and one follow-up was timed.
    assert result["quotes_s_p50"] > 0 and result["model_run"] == 1.0
    assert result["follow_ups"] == 1 and result["follow_up_ratio_p50"] > 0
    assert result["wall_s"] > 0
    assert any(q["grounded"] for q in result["questions"])
    # A grounded answer was streamed by the model: it has a first token and a decode rate.
    assert result["ttft_s_p50"] > 0 and result["tokens_per_s_p50"] > 0
