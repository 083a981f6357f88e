"""`librarian` without a command: the desktop window (start-up path in ui/__init__.py)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app import __version__
from desktop_app.core import log_files
from desktop_app.core.paths import DataPaths, resolve_data_dir

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

    from desktop_app.application import Library

ICONS = Path(__file__).resolve().parent.parent.parent / "assets" / "icons"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)  # PNGs: no SVG plugin to load at start-up
STARTUP_PROBE_ENV = "LIBRARIAN_STARTUP_PROBE"  # bench.startup: print when painted, then quit


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="librarian",
        description="Chat with your own documents, fully offline: opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"librarian {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="where the library lives")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    parser.add_argument("paths", nargs="*", help="documents or folders to add and show")
    return parser


def _icon() -> QIcon:
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in ICON_SIZES:
        png = ICONS / f"librarian-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    return icon


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    log_files.setup(DataPaths(data_dir).logs, args.verbose, hooks=True)
    try:
        return _run(args, data_dir)
    finally:
        log_files.shutdown()


def _run(args: argparse.Namespace, data_dir: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.single_instance import InstanceServer, forward_to_running, server_name

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Librarian")
    app.setApplicationDisplayName("Librarian")
    app.setDesktopFileName("librarian")

    paths = [str(Path(p).expanduser().resolve()) for p in args.paths]
    name = server_name(data_dir)
    if forward_to_running(name, paths):
        print("Librarian is already running: its window was brought to the front.")
        return 0
    server = InstanceServer(name)

    from desktop_app.ui.main_window import MainWindow

    def open_library() -> Library:
        from desktop_app.application import Library

        return Library(data_dir, team_or_local=True)  # a team library out of reach: said

    window = MainWindow(data_dir, open_library, paths)
    server.activation_requested.connect(window.activate_with)
    # Setting the icon (decoding PNGs) cost 10-25 ms before the first paint; after it, it is unseen.
    window.first_painted.connect(lambda: app.setWindowIcon(_icon()))
    if os.environ.get(STARTUP_PROBE_ENV):
        window.first_painted.connect(
            lambda: (print(f"painted {time.time():.6f}", flush=True), app.quit())
        )
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        server.close()
