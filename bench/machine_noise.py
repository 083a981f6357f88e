"""The machine's own stalls, measured beside the window's heartbeat.

    python -m bench.machine_noise    (reads phase names on stdin, prints JSON when it closes)

A bare process (no Qt, no models) sleeps 10 ms at a time and records how much later than that
it woke. Its longest gap is how long the machine itself (another busy process, a loaded host)
kept a thread from running: a GUI heartbeat measured at the same moment suffers that too, and
it is not the app's doing. Each line on stdin ends a phase under that name.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

INTERVAL_S = 0.010


def summary(gaps_ms: list[float]) -> dict[str, float]:
    if not gaps_ms:
        return {"max_gap_ms": 0.0, "p99_gap_ms": 0.0, "median_gap_ms": 0.0, "ticks": 0}
    ordered = sorted(gaps_ms)
    return {
        "max_gap_ms": round(ordered[-1], 1),
        "p99_gap_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "median_gap_ms": round(ordered[len(ordered) // 2], 1),
        "ticks": len(ordered),
    }


class MachineNoise:
    """The bare process, started beside a measurement: `mark` ends a phase, `finish` returns
    each phase's summary."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.machine_noise"],
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def mark(self, phase: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(phase + "\n")
        self._process.stdin.flush()

    def finish(self) -> dict[str, dict[str, float]]:
        out, _ = self._process.communicate(timeout=30)
        phases: dict[str, dict[str, float]] = json.loads(out)
        return phases


def main() -> None:
    gaps_ms: list[float] = []
    phases: dict[str, dict[str, float]] = {}
    lock = threading.Lock()
    ended = threading.Event()

    def read_phases() -> None:  # a blocked read holds no lock and no GIL
        for line in sys.stdin:
            with lock:
                phases[line.strip()] = summary(gaps_ms)
                gaps_ms.clear()
        ended.set()

    threading.Thread(target=read_phases, daemon=True).start()
    last = time.perf_counter()
    while not ended.is_set():
        time.sleep(INTERVAL_S)
        now = time.perf_counter()
        with lock:
            gaps_ms.append((now - last) * 1000)
        last = now
    print(json.dumps(phases))


if __name__ == "__main__":
    main()
