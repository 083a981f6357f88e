"""A bug in a worker: the window says "Something went wrong", offers the log folder, and the log
holds the traceback. An error written for the user is shown as it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core import log_files
from desktop_app.core.errors import BUG_MESSAGE
from tests.ui.conftest import OPEN_TIMEOUT_MS

pytestmark = pytest.mark.e2e


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "library" / "logs"
    log_files.setup(folder)  # what ui.app.main does, without the exception hooks pytest-qt owns
    yield folder
    log_files.shutdown()


def index_failing_with(error: Exception, make_window, qtbot, monkeypatch, folder: Path):
    """A window whose indexing raised `error` when a file was added, once it has said so."""
    from desktop_app.application import Library

    def failing(self: Library, *args: object, **kwargs: object) -> None:
        raise error

    window = make_window()
    monkeypatch.setattr(Library, "index", failing)
    notes = folder / "notes.txt"
    notes.write_text("The reading room opens at nine.", encoding="utf-8")
    window.add_paths([str(notes)])
    qtbot.waitUntil(lambda: bool(window.errors), timeout=OPEN_TIMEOUT_MS)
    return window


def test_a_bug_in_indexing_is_logged_with_its_traceback_and_offers_the_log(
    make_window, qtbot, log_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from PySide6.QtWidgets import QMessageBox

    window = index_failing_with(KeyError("pages"), make_window, qtbot, monkeypatch, tmp_path)
    message = window.errors[-1]
    log = log_folder / "librarian.log"
    assert message.startswith(BUG_MESSAGE) and str(log) in message
    boxes = [b for b in window.findChildren(QMessageBox) if b.text() == message]
    assert boxes and "Open log folder" in [b.text() for b in boxes[-1].buttons()]
    text = log.read_text(encoding="utf-8")
    assert "indexing failed" in text and "Traceback" in text and "KeyError: 'pages'" in text


def test_an_error_meant_for_the_user_is_shown_as_written(
    make_window, qtbot, log_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from desktop_app.services.store.catalog import CatalogError

    refused = CatalogError("cannot write to the library database: disk I/O error")
    window = index_failing_with(refused, make_window, qtbot, monkeypatch, tmp_path)
    assert window.errors[-1] == "cannot write to the library database: disk I/O error"
    assert "Traceback" not in (log_folder / "librarian.log").read_text(encoding="utf-8")
