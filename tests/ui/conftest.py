"""Window fixtures: the real MainWindow with the real services, offscreen, one data directory per
test. The session's embedding model is shared so that each window opens in a second, not ten."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.settings import Settings
from tests.conftest import FIXTURES, Embedders

OPEN_TIMEOUT_MS = 60_000
INDEX_TIMEOUT_MS = 240_000
ANSWER_TIMEOUT_MS = 180_000
ANSWER_TOKENS = 64

WindowFactory = Callable[..., object]


@pytest.fixture
def make_window(
    qtbot: object, tmp_path: Path, embedders: Embedders, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WindowFactory]:
    from desktop_app.ui.main_window import MainWindow

    # Questions to the user ("Remove…?", "Use as model?") are answered yes, without a modal loop.
    monkeypatch.setattr(MainWindow, "confirm", lambda self, title, question: True)
    windows: list[MainWindow] = []

    def make(data_dir: Path | None = None, open_paths: Sequence[str] = ()) -> MainWindow:
        directory = data_dir or tmp_path / "library"
        # A test's own data directory is left as the test made it, and a reopened one as the
        # last window left it.
        if data_dir is None and not (directory / "settings.json").exists():
            # Answers of 64 tokens, not the default 384: these tests are about the window;
            # what the model writes is checked in tests/e2e/test_answering.py.
            directory.mkdir(parents=True, exist_ok=True)
            Settings(max_answer_tokens=ANSWER_TOKENS).save(directory / "settings.json")
        window = MainWindow(
            directory,
            lambda: Library(directory, embedders=embedders, team_or_local=True),  # as ui.app
            open_paths,
        )
        windows.append(window)
        with qtbot.waitSignal(window.library_opened, timeout=OPEN_TIMEOUT_MS):  # type: ignore[attr-defined]
            window.show()
        return window

    yield make
    for window in windows:
        window.close()  # closeEvent shuts the workers down: no thread outlives its test


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    """A folder with a real PDF, a Markdown file and a damaged PDF."""
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(FIXTURES / "ntsb_report.pdf", folder / "ntsb_report.pdf")
    (folder / "notes.md").write_text(
        "# Field notes\n\nThe lighthouse keeper logged a green flash at sunset on 3 May.\n\n"
        "## Weather\n\nFog rolled in from the west after midnight and lasted until nine.\n",
        encoding="utf-8",
    )
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF\n")
    return folder
