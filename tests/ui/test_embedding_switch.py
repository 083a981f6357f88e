"""Choosing another embedding model in the window: the library is re-embedded in the background
with the progress bar, search keeps working meanwhile, and the passages panel shows each model."""

from __future__ import annotations

import json

from desktop_app.core.embedding_models import E5, MINILM, USE_M3
from desktop_app.core.settings import Settings
from tests.conftest import FIXTURES, vectors_match_catalog
from tests.ui.conftest import INDEX_TIMEOUT_MS


def test_switching_the_embedding_model_in_the_settings(make_window, tmp_path, qtbot):
    docs = tmp_path / "docs"
    docs.mkdir()
    groups = json.loads((FIXTURES / "concepts.json").read_text(encoding="utf-8"))["groups"]
    for n, text in enumerate(t for g in groups.values() for t in g["documents"].values()):
        (docs / f"note{n:02}.txt").write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    Settings(embedding_models=[MINILM]).save(data / "settings.json")  # English only at first
    window = make_window(data)
    window.indexer.index([str(docs)])
    qtbot.waitUntil(lambda: not window.indexer.running, timeout=INDEX_TIMEOUT_MS)
    library = window.library
    assert library.spaces.counts() == {MINILM: library.catalog.chunk_count()}

    dialog = window.model.open_settings()
    assert dialog.embedding.models() == [MINILM]
    assert "English" in dialog.embedding.languages.text()
    dialog.embedding.combo.setCurrentIndex(0)  # the default: e5 and USE-m3
    assert "Russian" in dialog.embedding.languages.text()
    assert "First result right" in dialog.embedding.languages.text()  # as measured
    seen = []
    labels = []
    # Waited for on the GUI thread (a worker thread's signal would make Qt warn).
    original = window.progress.update_reembedding

    def update(progress):
        seen.append(progress)
        original(progress)
        labels.append(window.progress.label.text())

    window.progress.update_reembedding = update
    dialog.accept()
    qtbot.waitUntil(lambda: window.progress.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: not window.indexer.running, timeout=INDEX_TIMEOUT_MS)
    assert not window.progress.isVisible()
    assert "new embedding models" in window.statusBar().currentMessage()
    assert seen and seen[-1].done == seen[-1].total == library.catalog.chunk_count()
    assert any("Re-embedding for" in label and "passages" in label for label in labels)
    assert library.settings.embedding_models == [E5, USE_M3]
    assert vectors_match_catalog(library)
    hits = library.search("собака", k=3)
    assert {m.model for h in hits for m in h.dense} == {E5, USE_M3}
    assert not window.errors
