"""The fault matrix in the window: a damaged catalog, a damaged vector store, a full disk and an
answer on a full disk are a banner with the action that helps, never an error dialog, and the
window stays usable. Real window offscreen, real library, real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app.application import Library
from tests.conftest import Embedders, vectors_match_catalog
from tests.e2e.faults import (
    OTHER_TOWNS,
    fill_disk,
    open_library,
    overwrite_middle,
    small_disk,
    snapshot,
    write_notes,
)
from tests.ui.conftest import ANSWER_TIMEOUT_MS, INDEX_TIMEOUT_MS, OPEN_TIMEOUT_MS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedders: Embedders) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("window-faults")
    write_notes(root / "docs")
    with open_library(root / "library", embedders) as library:
        library.index([root / "docs"])
        return root / "library", snapshot(library)


def said(window, key: str) -> str | None:
    """What the window's banner says for `key` (it is built after the first paint)."""
    banner = getattr(window, "banner", None)
    return None if banner is None else banner.text_of(key)


def window_on(data: Path, qtbot, embedders: Embedders):
    """A window whose library may fail to open (make_window waits for it to open)."""
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(data, lambda: Library(data, embedders=embedders), ())
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_damaged_catalog_offers_repair_and_repair_restores_the_library(
    built, tmp_path: Path, qtbot, embedders: Embedders
):
    from desktop_app.ui.banner import CATALOG

    data = tmp_path / "library"
    shutil.copytree(built[0], data)
    for leftover in data.glob("library.sqlite3-*"):
        leftover.unlink()
    overwrite_middle(data / "library.sqlite3", 4 * 4096)
    window = window_on(data, qtbot, embedders)
    qtbot.waitUntil(lambda: said(window, CATALOG) is not None, timeout=OPEN_TIMEOUT_MS)
    assert "is damaged" in (said(window, CATALOG) or "")
    assert window.library is None and window.errors == []  # a banner, not an error dialog
    buttons = [b.text() for b in window.banner.findChildren(type(window.chat.send_button))]
    assert "Repair" in buttons
    with qtbot.waitSignal(window.library_opened, timeout=OPEN_TIMEOUT_MS):
        window.banner.action_clicked.emit(CATALOG)  # what the Repair button sends
    qtbot.waitUntil(
        lambda: "restored from its backup" in (said(window, CATALOG) or ""),
        timeout=OPEN_TIMEOUT_MS,
    )
    qtbot.waitUntil(lambda: not window.indexer.running, timeout=INDEX_TIMEOUT_MS)
    assert window.errors == []
    library = window.library
    assert library is not None and list(data.glob("library.sqlite3.damaged-*"))
    assert snapshot(library) == built[1]
    window.close()


def test_a_damaged_vector_store_is_rebuilt_with_a_banner_while_words_search(
    built, tmp_path: Path, qtbot, embedders: Embedders, make_window
):
    from desktop_app.ui.banner import REBUILDING

    data = tmp_path / "library"
    shutil.copytree(built[0], data)
    # Cut in half (a copy that stopped midway): bytes overwritten in the middle may land on
    # pages the window never reads (the store's own log), which only `doctor` sees.
    store = data / "vectors" / "chroma.sqlite3"
    with store.open("r+b") as f:
        f.truncate(store.stat().st_size // 2)
    window = make_window(data)
    # The notice is sent once the vector store was found damaged (after the window opened).
    qtbot.waitUntil(lambda: said(window, REBUILDING) is not None, timeout=OPEN_TIMEOUT_MS)
    assert "Meaning search is being rebuilt" in (said(window, REBUILDING) or "")
    qtbot.waitUntil(
        lambda: said(window, REBUILDING) is None and not window.indexer.repairing,
        timeout=INDEX_TIMEOUT_MS,
    )
    assert window.errors == []
    assert list(data.glob("vectors.damaged-*"))
    library = window.library
    assert library is not None and vectors_match_catalog(library)
    assert snapshot(library) == built[1]


def test_a_full_disk_is_a_banner_and_indexing_resumes_once_there_is_room(
    built, tmp_path: Path, qtbot, embedders: Embedders, make_window
):
    from desktop_app.ui.banner import DISK, NOT_KEPT

    more = tmp_path / "more"
    write_notes(more, OTHER_TOWNS, extras=False)
    room = sum(f.stat().st_size for f in built[0].rglob("*") if f.is_file()) // 1_000_000 + 3
    with small_disk(tmp_path / "disk", room) as disk:
        data = disk / "library"
        shutil.copytree(built[0], data)
        window = make_window(data)
        window.add_paths([str(more)])
        full = "The disk holding your library is full ("
        qtbot.waitUntil(lambda: full in (said(window, DISK) or ""), timeout=INDEX_TIMEOUT_MS)
        assert "indexing resumes" in (said(window, DISK) or "")
        assert window.errors == []  # the machine's condition is not an error dialog
        filler = fill_disk(disk)
        with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
            window.chat.composer.setPlainText("When does the ferry leave Porto?")
            window.asking.send()
        assert "not kept" in (said(window, NOT_KEPT) or "")  # answered, not stored
        filler.unlink(missing_ok=True)
        import subprocess

        subprocess.run(["mount", "-o", f"remount,size={room + 150}m", str(disk)], check=True)
        qtbot.waitUntil(lambda: said(window, DISK) is None, timeout=30_000)
        qtbot.waitUntil(lambda: not window.indexer.running, timeout=INDEX_TIMEOUT_MS)
        assert window.errors == []
        library = window.library
        assert library is not None
        names = {Path(d.path).parent.name for d in library.documents()}
        assert names == {"docs", "more"} and vectors_match_catalog(library)
        window.close()


def test_a_read_only_library_opens_and_says_so_when_asked_to_index(
    built, tmp_path: Path, qtbot, make_window
):
    from desktop_app.ui.banner import DISK
    from tests.e2e.faults import read_only_view

    data = tmp_path / "library"
    shutil.copytree(built[0], data)
    more = tmp_path / "more"
    write_notes(more, OTHER_TOWNS[:2], extras=False)
    with read_only_view(data, tmp_path / "ro") as view:
        window = make_window(view)
        library = window.library
        assert library is not None and library.search("rye bread in Galway", k=1)
        window.add_paths([str(more)])
        qtbot.waitUntil(
            lambda: "is read-only" in (said(window, DISK) or ""), timeout=INDEX_TIMEOUT_MS
        )
        qtbot.waitUntil(lambda: not window.indexer.running, timeout=INDEX_TIMEOUT_MS)
        assert window.errors == []
        window.close()
