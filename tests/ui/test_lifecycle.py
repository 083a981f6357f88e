"""Restarts: settings, geometry and the last conversation persist; closing mid-work loses
nothing and the next start resumes indexing; a second launch brings the first to the front."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO
from tests.ui.conftest import ANSWER_TIMEOUT_MS, INDEX_TIMEOUT_MS

pytestmark = pytest.mark.e2e


def copies(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        shutil.copy(FIXTURES / "ntsb_report.pdf", folder / f"report_{i:02d}.pdf")
    return folder


def test_settings_geometry_and_last_chat_persist_across_restart(make_window, tmp_path, qtbot):
    data = tmp_path / "data"
    window = make_window(data)
    window.resize(960, 720)  # the offscreen screen is 800x800: restoring clamps wider windows
    dialog = window.model.open_settings()
    dialog.context.setValue(2048)
    dialog.temperature.setValue(0.3)
    dialog.scale.setValue(75)
    dialog.passages.setValue(3)
    dialog.instructions.setPlainText("Answer like a pirate.")
    window.conversations.new()
    chat = window.conversations.current
    dialog.accept()
    window.close()

    again = make_window(data)
    settings = again.library.settings
    assert (settings.context_size, settings.temperature, settings.lora_scale) == (2048, 0.3, 0.75)
    assert settings.search_results == 3
    assert (again.width(), again.height()) == (960, 720)
    assert again.conversations.current == chat
    assert again.library.chats.get(chat).instructions == "Answer like a pirate."
    assert "pirate" in again.chat.title.text()


def test_closing_mid_indexing_resumes_at_next_start(make_window, tmp_path, qtbot, embedders):
    data, folder = tmp_path / "data", copies(tmp_path / "many", 6)
    window = make_window(data)
    reported: list[str] = []
    window.library_worker.files_reported.connect(lambda rs: reported.extend(r.path for r in rs))
    window.add_paths([str(folder)])
    qtbot.waitUntil(lambda: len(reported) >= 1, timeout=INDEX_TIMEOUT_MS)
    window.close()  # mid-run: returns once the workers have stopped
    assert not window.library_worker._thread.isRunning()
    from desktop_app.application import Library

    with Library(data, embedders=embedders) as between:  # what the closed window left behind
        assert 1 <= len(between.documents()) < 6  # really interrupted, finished files kept
        assert between.pending.paths() == [str(folder)]  # written down for the next start

    again = make_window(data)
    qtbot.waitUntil(lambda: len(again.library.documents()) == 6, timeout=INDEX_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not again.indexer.running, timeout=INDEX_TIMEOUT_MS)
    assert again.library.pending.paths() == []
    assert all(d.chunks for d in again.library.documents())


def test_closing_mid_answer_stops_cleanly(make_window, tmp_path, qtbot):
    data = tmp_path / "data"
    window = make_window(data)
    with qtbot.waitSignal(window.indexing_finished, timeout=INDEX_TIMEOUT_MS):
        window.add_paths([str(FIXTURES / "ntsb_report.pdf")])
    window.chat.composer.setPlainText("What happened to the Reims F172 near Chevroux?")
    window.asking.send()
    qtbot.waitUntil(lambda: bool(window.chat.transcript.streaming), timeout=ANSWER_TIMEOUT_MS)
    window.close()
    assert not window.chat_worker._thread.isRunning()

    again = make_window(data)
    assert len(again.library.documents()) == 1  # the store opens fine after the hard stop


def test_window_works_at_1024x640(make_window, qtbot):
    window = make_window()
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: window.width() <= 1024 and window.height() <= 640)
    for pane in (window.left_tabs, window.chat, window.right_tabs):
        assert pane.isVisible() and pane.width() >= 200
    composer = window.chat.composer
    assert composer.isVisible() and composer.height() >= 30
    assert window.chat.send_button.isVisible() and window.chat.stop_button.isVisible()
    geometry = window.chat.composer.geometry()
    assert window.chat.rect().contains(geometry)


def test_a_second_launch_brings_the_window_forward_with_its_files(make_window, tmp_path, qtbot):
    from desktop_app.ui.single_instance import InstanceServer, server_name

    data = tmp_path / "data"
    window = make_window(data)
    server = InstanceServer(server_name(data))
    assert server.listening
    server.activation_requested.connect(window.activate_with)
    requests: list[list[str]] = []
    server.activation_requested.connect(requests.append)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    second = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "--data-dir",
            str(data),
            str(FIXTURES / "ntsb_report.pdf"),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=60_000)
    finally:
        if second.poll() is None:
            second.kill()
    output, _ = second.communicate(timeout=60)
    server.close()
    assert second.returncode == 0, output
    assert "already running" in output
    assert requests == [[str(FIXTURES / "ntsb_report.pdf")]]
    qtbot.waitUntil(lambda: len(window.library.documents()) == 1, timeout=INDEX_TIMEOUT_MS)
    assert window.viewer.path == str(FIXTURES / "ntsb_report.pdf")


def test_a_library_in_use_is_a_message_not_a_crash(make_window, tmp_path, qtbot):
    from desktop_app.services.store.instance_lock import InstanceLock

    data = tmp_path / "data"
    data.mkdir()
    holder = InstanceLock(data / "librarian.lock")
    holder.acquire()
    try:
        from desktop_app.application import Library
        from desktop_app.ui.main_window import MainWindow

        window = MainWindow(data, lambda: Library(data), ())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: bool(window.errors), timeout=OPEN_MS)
        assert window.library is None
        assert any("another Librarian" in e for e in window.errors)
        window.close()
    finally:
        holder.release()


OPEN_MS = 60_000


def test_a_damaged_library_database_is_a_message(tmp_path, qtbot, embedders):
    from desktop_app.application import Library
    from desktop_app.ui.main_window import MainWindow

    data = tmp_path / "data"
    data.mkdir()
    (data / "library.sqlite3").write_bytes(b"this is not a database" * 100)
    window = MainWindow(data, lambda: Library(data, embedders=embedders), ())
    qtbot.addWidget(window)
    window.show()  # (waiting on the worker's own signal would stop a timer across threads)
    # A damaged catalog is a banner offering Repair, not an error dialog
    qtbot.waitUntil(
        lambda: hasattr(window, "banner") and bool(window.banner.text_of("catalog")),
        timeout=OPEN_MS,
    )
    assert "is damaged" in (window.banner.text_of("catalog") or "")
    assert window.library is None and window.errors == []
    window.banner.action_clicked.emit("catalog")  # Repair, with no backup to restore
    qtbot.waitUntil(lambda: bool(window.errors), timeout=OPEN_MS)
    assert "no good backup" in window.errors[-1]
    assert (data / "library.sqlite3").read_bytes().startswith(b"this is not")  # untouched
    window.close()
