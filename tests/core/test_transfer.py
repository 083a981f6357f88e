"""Download progress: speed over recent seconds, time left, resumed bytes not counted as speed."""

from __future__ import annotations

from desktop_app.core.transfer import TransferMeter, format_duration


def test_speed_and_time_left():
    meter = TransferMeter(total=100_000_000)
    meter.update(0.0, 0)
    progress = meter.update(2.0, 20_000_000)
    assert progress.bytes_per_s == 10_000_000
    assert progress.seconds_left == 8.0
    assert progress.fraction == 0.2
    assert progress.describe() == "0.02 of 0.10 GB · 10.0 MB/s · 8 s left"


def test_resumed_bytes_do_not_inflate_the_speed():
    meter = TransferMeter(total=100_000_000, resumed=60_000_000)
    meter.update(0.0, 60_000_000)
    progress = meter.update(1.0, 61_000_000)
    assert progress.bytes_per_s == 1_000_000 and progress.seconds_left == 39.0


def test_speed_follows_recent_seconds():
    meter = TransferMeter(total=None)
    meter.update(0.0, 0)
    meter.update(10.0, 100_000_000)  # 10 MB/s for ten seconds
    progress = meter.update(20.0, 110_000_000)  # then 1 MB/s
    assert progress.bytes_per_s == 1_000_000 and progress.seconds_left is None


def test_durations_read_naturally():
    assert format_duration(42) == "42 s"
    assert format_duration(185) == "3 min 05 s"
    assert format_duration(7260) == "2 h 01 min"
