"""Screenshots of the window on a team library, for the README, under a real X server.

    xvfb-run -s "-screen 0 1280x800x24" .venv/bin/python scripts/team_screenshots.py

Starts a real PostgreSQL server with pgvector (the pgserver wheel), makes a team library on it,
lets an editor's library index two accident reports and a note, then opens a member's window
on another data directory: the Library tab lists the team's documents, a cited page opens
from the copy fetched from the server, and Settings → Libraries is shown. Saves
assets/screenshots/team-window.png and libraries.png.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "assets" / "screenshots"
DOCUMENTS = [
    REPO / "tests" / "fixtures" / "ntsb_report.pdf",
    REPO.parent / "shared" / "eval" / "pdfs" / "diverse" / "docugami_ntsb_20080102X00002.pdf",
]
QUESTION = "What happened to the Reims F172 near Chevroux?"


def main() -> int:
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from bench.postgres_server import new_database, postgres_server
    from desktop_app.application import Library
    from desktop_app.application.team import TeamLibraries
    from desktop_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Librarian")

    def pause(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait(signal: object, timeout_ms: int = 300_000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, postgres_server(Path(tmp) / "server") as admin:
        docs = Path(tmp) / "Lab reports"
        docs.mkdir()
        for doc in DOCUMENTS:
            if doc.exists():
                shutil.copy(doc, docs / doc.name)
        (docs / "safety-notes.md").write_text(
            "# Safety notes\n\nCarburettor icing is likely between -10 and +25 °C with high "
            "humidity: apply carburettor heat early on descent.\n",
            encoding="utf-8",
        )
        urls = TeamLibraries().init(new_database(admin, "lab"))
        for who, url in (("editor", urls.editor_url), ("member", urls.member_url)):
            teams = TeamLibraries(Path(tmp) / who)
            teams.add("lab", url)
            teams.use("lab")
        with Library(Path(tmp) / "editor") as editor:
            editor.index([docs])
        hidden = Path(tmp) / "elsewhere"
        docs.rename(hidden)  # the member's computer has no copy of these files

        data = Path(tmp) / "member"
        window = MainWindow(data, lambda: Library(data, team_or_local=True), ())
        window.resize(1280, 760)
        window.move(0, 0)
        window.show()
        wait(window.library_opened)
        pause(1500)
        window.left_tabs.setCurrentWidget(window.library_panel.parentWidget())
        window.chat.composer.setPlainText(QUESTION)
        window.asking.send()
        wait(window.answer_finished)
        transcript = window.chat.transcript
        index = len(transcript.messages) - 1
        if transcript.messages[index].quotes:
            window.asking.open_quote(index, 1)  # fetched from the server, then highlighted
        pause(3000)
        window.left_tabs.setCurrentIndex(0)
        shoot(window, "team-window.png", pause)
        dialog = window.libraries.open_dialog()
        pause(800)
        dialog.grab().save(str(OUT / "libraries.png"))
        print("saved", OUT / "libraries.png")
        dialog.close()
        window.close()
        del app
    return 0


def shoot(window: object, name: str, pause: object) -> None:
    pause(600)  # type: ignore[operator]
    frame = window.frameGeometry()  # type: ignore[attr-defined]
    screen = window.screen()  # type: ignore[attr-defined]
    image = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    image.save(str(OUT / name))
    print("saved", OUT / name)


if __name__ == "__main__":
    sys.exit(main())
