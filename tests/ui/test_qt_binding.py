"""The Qt binding itself: PySide6 6.12.0 drops a reference to Python's True on every
Signal.emit(), so a window that streams tokens and reports progress for long enough dies with
"Fatal Python error: bool_dealloc". pyproject.toml excludes it; this keeps it excluded."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(object)


def test_emitting_signals_leaves_pythons_booleans_alone(qapp):
    emitter = _Emitter()
    received: list[object] = []
    emitter.ping.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for n in range(1000):
        emitter.ping.emit(n)
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(received) == 1000
    # A few references may come and go elsewhere; 6.12.0 loses exactly one per emit.
    assert after[0] - before[0] > -50 and after[1] - before[1] > -50, (before, after)
