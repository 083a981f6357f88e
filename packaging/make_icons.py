"""Render assets/icon.svg to the PNG sizes the window, the launcher and the installers use.

    .venv/bin/python packaging/make_icons.py

Writes assets/icons/librarian-<size>.png for 16-512 px and assets/icons/librarian.ico. The
PNGs are committed: the app loads a PNG at start-up (no SVG plugin to load) and packaging needs
no renderer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ASSETS / "icon.svg"))
    if not renderer.isValid():
        print("assets/icon.svg is not a valid SVG", file=sys.stderr)
        return 1
    out = ASSETS / "icons"
    out.mkdir(exist_ok=True)
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(out / f"librarian-{size}.png"))
        if size == 256:
            image.save(str(out / "librarian.ico"))  # Qt's ico plugin writes one size
    del app
    print(f"wrote {len(SIZES)} PNG sizes and an .ico to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
