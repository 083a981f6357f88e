"""A 10 ms timer on the GUI thread: the gaps between its ticks are how long the window could
not react (to a click, a repaint, a key)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

from bench.machine_noise import summary

__all__ = ["Heartbeat", "summary"]

INTERVAL_MS = 10


class Heartbeat(QObject):
    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.gaps_ms: list[float] = []

    def start(self) -> None:
        self.gaps_ms = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> dict[str, float]:
        self._timer.stop()
        return summary(self.gaps_ms)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000)
        self._last = now
