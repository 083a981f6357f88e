"""Download progress as people read it: done and total, speed over the last seconds, time left."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

WINDOW_S = 5.0  # speed is averaged over this much recent time: steady, yet quick to follow


@dataclass(frozen=True, slots=True)
class TransferProgress:
    done: int
    total: int | None
    bytes_per_s: float
    seconds_left: float | None

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None

    def describe(self) -> str:
        """ "1.2 of 4.7 GB · 18.3 MB/s · 3 min left" """
        mb = 1e6
        size = (
            f"{self.done / 1e9:.2f} of {self.total / 1e9:.2f} GB"
            if self.total
            else (f"{self.done / mb:.0f} MB")
        )
        parts = [size]
        if self.bytes_per_s > 0:
            parts.append(f"{self.bytes_per_s / mb:.1f} MB/s")
        if self.seconds_left is not None:
            parts.append(f"{format_duration(self.seconds_left)} left")
        return " · ".join(parts)


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class TransferMeter:
    """Fed (time, bytes done) samples; says the progress. Bytes resumed from an earlier
    attempt count as done but not towards the speed."""

    def __init__(self, total: int | None, resumed: int = 0) -> None:
        self.total = total
        self._samples: deque[tuple[float, int]] = deque()
        self._done = resumed

    def update(self, now: float, done: int) -> TransferProgress:
        self._done = done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= WINDOW_S:
            self._samples.popleft()
        first_t, first_done = self._samples[0]
        elapsed = now - first_t
        speed = (done - first_done) / elapsed if elapsed > 0 else 0.0
        left = None
        if self.total and speed > 0:
            left = max(0.0, (self.total - done) / speed)
        return TransferProgress(done, self.total, speed, left)
