"""bench.generation compares the two sides over the same text, timed the same way."""

from __future__ import annotations

import math

from bench.generation import Stream, decode_ratio


def stream(pieces: list[tuple[float, str]]) -> Stream:
    s = Stream()
    for at, piece in pieces:
        s.text += piece
        s.stamps.append((at, len(s.text)))
    return s


def test_the_same_text_written_twice_as_fast_reads_two():
    pieces = ["The ", "fog ", "lifted ", "at ", "nine."]
    app = stream([(10 + i * 0.05, p) for i, p in enumerate(pieces)])
    bare = stream([(20 + i * 0.10, p) for i, p in enumerate(pieces)])
    ratio, chars = decode_ratio(app, bare)
    assert math.isclose(ratio, 2.0) and chars == len("The fog lifted at nine.")


def test_only_the_text_both_wrote_counts():
    app = stream([(0.0, "The "), (0.1, "fog "), (0.2, "lifted"), (0.3, " then")])
    bare = stream([(0.0, "The "), (0.1, "fog "), (0.2, "lifted"), (9.0, " and a long tail")])
    ratio, chars = decode_ratio(app, bare)  # the slow tail where they differ is not compared
    assert math.isclose(ratio, 1.0) and chars == len("The fog lifted ")
    ratio, chars = decode_ratio(stream([(0.0, "Yes")]), stream([(0.0, "No")]))
    assert math.isnan(ratio) and chars == 0
