"""The window on a team library, against a real PostgreSQL server: the title says which library
is in use, a member opens a cited PDF from a copy fetched from the server, Settings → Libraries
switches, adds and forgets, and a server that stops mid-session is a clear message while the
window goes on answering events; opened again without it, the window works on this computer's
library and offers Retry."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from desktop_app.ui.banner import TEAM
from tests.conftest import Embedders
from tests.teams import make_team
from tests.ui.conftest import ANSWER_TIMEOUT_MS

pytestmark = pytest.mark.e2e

_WAIT_MS = 30_000


def test_a_member_sees_the_team_library_opens_its_pages_and_switches_in_settings(
    make_window, qtbot, tmp_path: Path, team_database: str, embedders: Embedders
):
    team = make_team(team_database, tmp_path, embedders)
    pdf = team.docs / "ntsb_report.pdf"
    pdf.unlink()  # the member's computer has no copy of its own
    window = make_window(team.member)
    assert window.windowTitle() == "Librarian — lab (team library, member)"
    qtbot.waitUntil(lambda: len(window.library_panel.paths()) == 3, timeout=_WAIT_MS)
    assert window.library_panel.status_of(str(pdf)) == "indexed"  # on the server, not missing

    hit = window.library.search("Reims F172 near Chevroux", k=1)[0]
    assert hit.path == str(pdf) and hit.page is not None
    window.sources.open(hit.path, hit.page, hit.start, hit.end, hit.text)  # as a citation does
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.path != str(pdf), timeout=_WAIT_MS)  # fetched, then opened
    assert Path(viewer.path).name == pdf.name and "team-copies" in viewer.path
    assert viewer.current_pdf_page() == hit.page - 1 and viewer.highlighted

    dialog = window.libraries.open_dialog()
    titles = [dialog.list.item(i).text().splitlines() for i in range(dialog.list.count())]
    assert [t[0] for t in titles] == ["This computer", "lab  ·  in use"]
    assert titles[1][1].startswith("team library at postgresql://librarian_")
    assert window.libraries.label.text() == "Library: lab (team, member)"
    assert not dialog.use_button.isEnabled()  # the one in use is chosen
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.windowTitle() == "Librarian — this computer", timeout=_WAIT_MS)
    assert window.libraries.label.text() == "Library: this computer"
    qtbot.waitUntil(lambda: window.library_panel.paths() == [], timeout=_WAIT_MS)
    assert "Now using this computer's library" in dialog.status.text()

    dialog.name_edit.setText("elsewhere")
    dialog.url_edit.setText(f"postgresql://someone:hunter2@/db?host={tmp_path}")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot reach" in dialog.status.text(), timeout=_WAIT_MS)
    assert "hunter2" not in dialog.status.text() and dialog.list.count() == 2
    dialog.name_edit.setText("lab-again")
    dialog.url_edit.setText(team.member_url)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.list.count() == 3, timeout=_WAIT_MS)
    assert "member, 3 documents" in dialog.status.text()
    dialog.list.setCurrentRow(2)
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)  # confirmed (conftest)
    qtbot.waitUntil(lambda: dialog.list.count() == 2, timeout=_WAIT_MS)

    dialog.list.setCurrentRow(1)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "lab (team library" in window.windowTitle(), timeout=_WAIT_MS)
    qtbot.waitUntil(lambda: len(window.library_panel.paths()) == 3, timeout=_WAIT_MS)


def test_a_server_stopped_mid_session_is_said_and_the_window_stays_responsive(
    make_window, qtbot, tmp_path: Path, embedders: Embedders
):
    from bench.postgres_server import new_database, postgres_server

    with postgres_server(tmp_path / "server") as admin:  # this test's own server, stopped below
        team = make_team(new_database(admin, "lab"), tmp_path, embedders)
        window = make_window(team.member)
        assert "lab (team library" in window.windowTitle()
    # The server is gone. Asking is a clear message, and the window keeps handling events.
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    window.chat.composer.setPlainText("When does the ferry leave Porto?")
    with qtbot.waitSignal(window.answer_finished, timeout=ANSWER_TIMEOUT_MS):
        qtbot.keyClick(window.chat.composer, Qt.Key.Key_Return)
    qtbot.wait(100)
    timer.stop()
    assert "team library" in window.errors[-1] and "Could not answer" in (
        window.chat.transcript.toPlainText()
    )
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert gaps and max(gaps) < 0.5, max(gaps)
    window.close()

    # Opened again while the server is away: this computer's library, and Retry.
    window = make_window(team.member)
    assert window.windowTitle() == "Librarian — this computer"
    said = window.banner.text_of(TEAM)
    assert said is not None and "lab cannot be used now" in said and "this computer" in said
    assert window.libraries.label.text() == "Library: this computer (lab not reached)"
    window.banner.action_clicked.emit(TEAM)  # Retry: still away
    qtbot.waitUntil(lambda: "cannot be used now" in (window.banner.text_of(TEAM) or ""))
    assert window.windowTitle() == "Librarian — this computer"
