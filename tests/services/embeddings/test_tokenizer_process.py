"""The e5 tokenizer in its child process: the same ids as in the app's own process, a killed
child replaced at the next call, a missing export a clear error; and building it in the app
would hold the GIL for long (why the child exists)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.services.embeddings import e5_export
from desktop_app.services.embeddings.base import EmbeddingModelError
from desktop_app.services.embeddings.e5_encoder import E5Tokens
from desktop_app.services.embeddings.tokenizer_process import TokenizerProcess

TEXTS = [
    "Where does the Amazon river rise?",
    "Пудель — порода собак, известная умом и кудрявой шерстью.",
    "The committee voted 7 to 2   to raise the budget; бюджет вырос на 12%.",
]


@pytest.fixture(scope="module")
def folder() -> Path:
    return e5_export.find() or e5_export.export()


def longest_stall_ms(work: Callable[[], object]) -> float:
    """The longest a thread that sleeps 2 ms at a time waited while `work` ran on another."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    thread = threading.Thread(target=run)
    gaps, last = [0.0], time.perf_counter()
    thread.start()
    while not done.is_set():
        time.sleep(0.002)
        now = time.perf_counter()
        gaps.append((now - last) * 1000)
        last = now
    thread.join()
    return max(gaps)


def test_the_child_gives_the_same_ids_and_is_replaced_when_killed(folder: Path):
    here = E5Tokens(folder)
    tokens = TokenizerProcess(folder)
    try:
        tokens.load()
        for is_query in (True, False):
            assert tokens.ids(TEXTS, is_query) == here.ids(TEXTS, is_query)
        pid = tokens.pid
        assert pid is not None and pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        assert tokens.ids(TEXTS, False) == here.ids(TEXTS, False)  # a new child answers
        assert tokens.pid not in (None, pid)
    finally:
        tokens.close()
    assert tokens.pid is None


def test_a_missing_export_is_a_clear_error(tmp_path: Path):
    tokens = TokenizerProcess(tmp_path / "no-export")
    try:
        with pytest.raises(EmbeddingModelError, match="tokenizer"):
            tokens.load()
    finally:
        tokens.close()


def test_loading_in_the_child_does_not_stall_the_app_as_loading_here_does(folder: Path):
    """Side by side: building the vocabulary in this process stops every other thread for
    most of a second; in the child, this process only waits on a pipe."""
    here = longest_stall_ms(lambda: E5Tokens(folder))
    tokens = TokenizerProcess(folder)
    try:
        there = longest_stall_ms(tokens.load)
    finally:
        tokens.close()
    assert here > 3 * there, (here, there)
