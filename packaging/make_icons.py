"""Render assets/icon.svg to the PNG sizes the window, the launcher and the installers use.

    .venv/bin/python packaging/make_icons.py

Writes assets/icons/librarian-<size>.png for 16-512 px, librarian.ico (Windows: 16-256 px) and
librarian.icns (macOS: 16-1024 px). All are committed: the app loads a PNG at start-up (no SVG
plugin to load) and packaging needs no renderer. Both icon containers hold PNG images, which
Windows (Vista and later) and macOS (10.7 and later) read, so they are written here by hand.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns entry types holding PNG data, by pixel size (the @2x types reuse the bigger renders).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)  # fmt: skip


def ico(pngs: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, images = b"", b""
    for size in ICO_SIZES:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ASSETS / "icon.svg"))
    if not renderer.isValid():
        print("assets/icon.svg is not a valid SVG", file=sys.stderr)
        return 1
    pngs: dict[int, bytes] = {}
    for size in (*SIZES, 1024):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        pngs[size] = bytes(data.data())
    out = ASSETS / "icons"
    out.mkdir(exist_ok=True)
    for size in SIZES:
        (out / f"librarian-{size}.png").write_bytes(pngs[size])
    (out / "librarian.ico").write_bytes(ico(pngs))
    (out / "librarian.icns").write_bytes(icns(pngs))
    del app
    print(f"wrote {len(SIZES)} PNG sizes, librarian.ico and librarian.icns to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
