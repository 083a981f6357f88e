"""Does the window stay responsive while it indexes and answers?

    python -m bench.responsiveness [--json] [FILES...]

Opens the real window (offscreen unless a display is set) on a temporary library, starts a
10 ms heartbeat timer on the GUI thread, then (1) drops real PDFs (92 pages by default) and waits
for the indexing to finish, (2) asks a question and waits for the streamed answer. Reported: the
longest and the 99th-percentile gap between ticks, per phase and overall (indexing + answering).
A gap is time the GUI thread could not run: the goal is a max under 50 ms. Also measured:
"startup", from the window shown until both models are loaded on their workers. Measured beside
them, "machine": a bare process's 10 ms sleep loop over the same phases, the stalls the machine
itself caused (a loaded host), which the window's heartbeat suffers too.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import EVAL, print_json
from bench.heartbeat import Heartbeat, summary
from bench.indexing import DEFAULT_DOCS
from bench.machine_noise import MachineNoise

QUESTION = "What happened to the Reims F172 near Chevroux?"
TIMEOUT_MS = 600_000


def run_phases(
    window: object, documents: Sequence[Path], question: str, machine: MachineNoise
) -> dict[str, object]:
    """Index `documents` then ask `question` in an open MainWindow, under the heartbeat."""
    from PySide6.QtCore import QEventLoop, QTimer

    from desktop_app.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)

    def wait_for(signal: object, start: object) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(TIMEOUT_MS, loop.quit)
        QTimer.singleShot(0, start)  # type: ignore[arg-type,call-overload]
        loop.exec()
        signal.disconnect(loop.quit)  # type: ignore[attr-defined]

    heartbeat = Heartbeat()
    heartbeat.start()
    wait_for(window.indexing_finished, lambda: window.add_paths([str(p) for p in documents]))
    indexing_gaps = list(heartbeat.gaps_ms)
    machine.mark("indexing")
    heartbeat.start()

    def ask() -> None:
        window.chat.composer.setPlainText(question)
        window.asking.send()

    wait_for(window.answer_finished, ask)
    answering_gaps = list(heartbeat.gaps_ms)
    heartbeat.stop()
    machine.mark("answering")
    documents_indexed = (
        [d for d in window.library.documents() if d.chunks] if window.library else []
    )
    answer = window.chat.transcript.messages[-1].content if window.chat.transcript.messages else ""
    return {
        **summary(indexing_gaps + answering_gaps),
        "indexing": summary(indexing_gaps),
        "answering": summary(answering_gaps),
        "pages_indexed": sum(d.pages for d in documents_indexed),
        "documents_indexed": len(documents_indexed),
        "answer": answer,
    }


def models_loaded(window: object) -> bool:
    from desktop_app.services.llm import ModelState

    library = getattr(window, "library", None)
    return (
        library is not None
        and getattr(window, "warmed_up", False)
        and all(s.embedder.loaded for s in library.spaces.searchable())
        and library.llm.state in (ModelState.READY, ModelState.FAILED)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="documents (default: 7 real PDFs, 92 pages)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    documents = [Path(p) for p in args.paths] or [EVAL / p for p in DEFAULT_DOCS]
    documents.append(Path(__file__).resolve().parent.parent / "tests/fixtures/ntsb_report.pdf")

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.application import Library
    from desktop_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="librarian-bench-") as tmp:
        data = Path(tmp) / "library"
        machine = MachineNoise()
        heartbeat = Heartbeat()
        heartbeat.start()
        window = MainWindow(data, lambda: Library(data), ())
        window.show()
        loop = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: loop.quit() if models_loaded(window) else None)
        poll.start(50)
        loop.exec()
        poll.stop()
        startup = heartbeat.stop()
        machine.mark("startup")
        result = {**run_phases(window, documents, QUESTION, machine), "startup": startup}
        result["machine"] = machine.finish()
        window.close()
        QTimer.singleShot(0, app.quit)
    if args.json:
        print_json(result)
    else:
        for phase in ("startup", "indexing", "answering"):
            s = result[phase]
            assert isinstance(s, dict)
            print(
                f"{phase:10s} max gap {s['max_gap_ms']:6.1f} ms   p99 {s['p99_gap_ms']:5.1f} ms"
                f"   median {s['median_gap_ms']:4.1f} ms   ticks {s['ticks']}"
            )
        for phase, s in result["machine"].items():  # type: ignore[attr-defined]
            print(f"machine    max gap {s['max_gap_ms']:6.1f} ms while {phase}")
        print(
            f"overall    max gap {result['max_gap_ms']:6.1f} ms"
            f"   p99 {result['p99_gap_ms']:5.1f} ms"
            f"   ({result['pages_indexed']} pages, answer: {str(result['answer'])[:60]!r})"
        )


if __name__ == "__main__":  # the parser child process re-imports __main__: keep the guard
    main()
