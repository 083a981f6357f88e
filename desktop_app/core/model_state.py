"""The answering model's state, as the front ends show it. A module of its own: the window's
signals carry it, and importing it must cost nothing before the first paint (core.records,
with its dataclasses, costs ~10 ms)."""

from __future__ import annotations

from enum import StrEnum


class ModelState(StrEnum):
    EMPTY = "empty"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"
