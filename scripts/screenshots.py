"""Screenshots of the real window for the README, under a real X server.

    xvfb-run -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py

Indexes a few real documents into a temporary library, asks a question about two of them
(the search scope), opens its first quote (the sentence highlighted on its page), asks a
Russian question (quotes, and the line that the bundled model writes English only), opens
Model > Get models…, and saves grabs of the screen to assets/screenshots/.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval" / "pdfs" / "diverse"
OUT = REPO / "assets" / "screenshots"
DOCUMENTS = [
    REPO / "tests" / "fixtures" / "ntsb_report.pdf",
    EVAL / "pdfminer_naacl06-shinyama.pdf",
    EVAL / "samplefiles_multicolumn.pdf",
    EVAL / "samplefiles_pdflatex-4-pages.pdf",
    EVAL / "docugami_ntsb_20080102X00002.pdf",
    EVAL / "ocrmypdf_c02-22_scan.pdf",  # a scan: read by OCR
]
QUESTION = "What happened to the Reims F172 near Chevroux?"


def main() -> int:
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.application import Library
    from desktop_app.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Librarian")

    def wait(signal: object, timeout_ms: int = 600_000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()

    def pause(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shoot(window: MainWindow, name: str) -> None:
        pause(600)
        frame = window.frameGeometry()
        screen = window.screen()
        image = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
        image.save(str(OUT / name))
        print("saved", OUT / name)

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "Documents"
        docs.mkdir()
        for doc in DOCUMENTS:
            if doc.exists():
                shutil.copy(doc, docs / doc.name)
        data = Path(tmp) / "library"
        window = MainWindow(data, lambda: Library(data), ())
        window.resize(1280, 760)
        window.move(0, 0)
        window.show()
        wait(window.library_opened)
        window.add_paths([str(docs)])
        wait(window.indexing_finished)
        pause(1500)
        window.left_tabs.setCurrentWidget(window.library_panel.parentWidget())
        shoot(window, "library.png")

        window.left_tabs.setCurrentIndex(0)
        # Library → "Ask about these only" on the two accident reports: the line above the
        # question box shows it.
        window.asking.set_scope(
            [str(docs / "ntsb_report.pdf"), str(docs / "docugami_ntsb_20080102X00002.pdf")]
        )
        window.chat.composer.setPlainText(QUESTION)
        window.asking.send()
        wait(window.answer_finished)
        transcript = window.chat.transcript
        first_answer = next(i for i, m in enumerate(transcript.messages) if m.sources)
        message = transcript.messages[first_answer]
        if message.quotes:
            window.asking.open_quote(first_answer, 1)  # the sentence, highlighted and readable
        else:
            window.asking.open_citation(first_answer, message.cited[0] if message.cited else 1)
        shoot(window, "chat.png")
        window.right_tabs.setCurrentIndex(1)
        window.passages.tree.setCurrentItem(window.passages.tree.topLevelItem(0))
        shoot(window, "passages.png")

        window.conversations.new()
        window.chat.composer.setPlainText("Где произошла авария самолёта?")
        window.asking.send()
        wait(window.answer_finished)
        window.right_tabs.setCurrentWidget(window.viewer)
        russian = len(transcript.messages) - 1
        if transcript.messages[russian].quotes:
            window.asking.open_quote(russian, 1)
        shoot(window, "russian.png")

        dialog = window.model.open_models_dialog()
        assert dialog is not None
        wait(dialog.worker.catalogue_listed)
        pause(800)
        dialog.grab().save(str(OUT / "models.png"))
        print("saved", OUT / "models.png")
        dialog.close()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
