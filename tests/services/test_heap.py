"""A model load pauses the collector and freezes what it leaves alive; two loads side by side
(the embedding and answering models) leave the collector on only when both are done."""

from __future__ import annotations

import gc

from desktop_app.services.heap import long_lived_load


def test_a_load_pauses_the_collector_and_freezes_its_objects():
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    try:
        with long_lived_load():
            assert not gc.isenabled()
            kept = [[i] for i in range(1000)]  # "the model": long-lived objects
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + len(kept)
    finally:
        gc.unfreeze()


def test_overlapping_loads_resume_collection_after_the_last():
    try:
        first, second = long_lived_load(), long_lived_load()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert not gc.isenabled()  # the second model is still loading
        second.__exit__(None, None, None)
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_a_failed_load_still_resumes_collection():
    try:
        with long_lived_load():
            raise OSError("bad model file")
    except OSError:
        pass
    assert gc.isenabled()
    gc.unfreeze()
