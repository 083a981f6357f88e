"""Start-up: process start to main window painted, relative to a bare PySide6 window.

    python -m bench.startup [--runs N] [--data-dir DIR] [--json]

Starts `python -m desktop_app` (on an empty temporary library, or on DIR: e.g. a million-passage
library kept by `bench.scale --keep`) and a bare PySide6 script that
shows a QMainWindow, alternately, N times each. Each child prints the wall-clock time of its
window's first paint event and quits; the time counted is from just before the process is
started. ratio = median app time / median bare time (goal: at most 1.5, which needs every heavy
library to load after the window is painted). Offscreen unless a display is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, print_json

BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
window.resize(1280, 800)
class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(f"painted {time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
            watched.removeEventFilter(self)
        return False
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def painted_after(command: list[str], env: dict[str, str], cwd: Path = REPO) -> float:
    """Seconds from just before starting `command` to the first paint it reports."""
    started = time.time()
    result = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("painted "):
            return float(line.split()[1]) - started
    raise RuntimeError(
        f"{command[:3]} never painted: {result.stdout[-500:]}{result.stderr[-2000:]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="start on this library, not an empty one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["LIBRARIAN_STARTUP_PROBE"] = "1"
    # An installed app runs from compiled bytecode; let the warm-up runs write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    app_s: list[float] = []
    bare_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="librarian-startup-") as tmp:
        library = args.data_dir or Path(tmp) / "lib"
        app_command = [sys.executable, "-m", "desktop_app", "--data-dir", str(library)]
        bare_command = [sys.executable, "-c", BARE_WINDOW]
        painted_after(bare_command, env)  # warm the file cache for both: Qt's libraries
        painted_after(app_command, env)
        for _ in range(args.runs):
            bare_s.append(painted_after(bare_command, env))
            app_s.append(painted_after(app_command, env))
    app_median, bare_median = statistics.median(app_s), statistics.median(bare_s)
    result = {
        "ratio": round(app_median / bare_median, 3),
        "app_s": round(app_median, 3),
        "bare_s": round(bare_median, 3),
        "app_runs_s": [round(s, 3) for s in app_s],
        "bare_runs_s": [round(s, 3) for s in bare_s],
        "platform": env.get("QT_QPA_PLATFORM", "display"),
        "library": str(args.data_dir) if args.data_dir else "empty",
    }
    if args.json:
        print_json(result)
    else:
        print(
            f"window painted after {app_median:.3f} s (app) vs {bare_median:.3f} s (bare PySide6)"
            f" -> ratio {result['ratio']:.2f}  (median of {args.runs} runs each)"
        )


if __name__ == "__main__":
    main()
