"""Settings → Libraries on its own: what can be chosen, used and forgotten, and what an
incomplete addition says (the window test does the rest against a real server)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.team_libraries import LOCAL, TeamLibrary
from desktop_app.ui.settings.libraries_dialog import LibrariesDialog

LIBRARIES = [
    TeamLibrary("lab", "postgresql://librarian_lab_member@db.lab.org/lab"),
    TeamLibrary("archive", "postgresql://librarian_archive_member@db.lab.org/archive"),
]


def test_the_library_in_use_is_marked_and_neither_used_again_nor_forgotten(qtbot):
    dialog = LibrariesDialog()
    qtbot.addWidget(dialog)
    dialog.show_libraries(LIBRARIES, "lab")
    lines = [dialog.list.item(i).text().splitlines() for i in range(dialog.list.count())]
    assert [line[0] for line in lines] == ["This computer", "lab  ·  in use", "archive"]
    assert lines[1][1] == "team library at postgresql://librarian_lab_member@db.lab.org/lab"
    assert dialog.chosen() == "lab"
    assert not dialog.use_button.isEnabled() and not dialog.forget_button.isEnabled()

    used: list[str] = []
    forgotten: list[str] = []
    dialog.use_requested.connect(used.append)
    dialog.forget_requested.connect(forgotten.append)
    dialog.list.setCurrentRow(0)  # this computer: used, never forgotten
    assert dialog.use_button.isEnabled() and not dialog.forget_button.isEnabled()
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert used == [LOCAL] and "Opening this computer" in dialog.status.text()
    dialog.list.setCurrentRow(2)
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert forgotten == ["archive"]


def test_an_addition_needs_a_name_and_a_connection_string_whose_password_is_hidden(qtbot):
    dialog = LibrariesDialog()
    qtbot.addWidget(dialog)
    dialog.show_libraries([], LOCAL)
    asked: list[tuple[str, str]] = []
    dialog.add_requested.connect(lambda name, url: asked.append((name, url)))
    dialog.name_edit.setText("lab")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert asked == [] and "connection string" in dialog.status.text()
    dialog.url_edit.setText("postgresql://member:s3cret@db.lab.org/lab")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert asked == [("lab", "postgresql://member:s3cret@db.lab.org/lab")]
    assert "s3cret" not in dialog.status.text() and not dialog.add_button.isEnabled()
    dialog.refused("cannot reach the team library at postgresql://member@db.lab.org/lab")
    assert dialog.add_button.isEnabled()
    assert dialog.url_edit.echoMode() is dialog.url_edit.EchoMode.PasswordEchoOnEdit
