"""Answers kept as examples: named sets on disk that survive edits, deletes, bad names and a
crash mid-write, and export to the formats `librarian teach` reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.application.kept_examples import KEPT, KeptExamples, KeptExamplesError
from desktop_app.core.teaching import Example, ExamplePassage, read_examples


def example(n: int) -> Example:
    return Example(
        f"Question {n}?", f"Answer: {n} [1]", (ExamplePassage(f"Passage {n}", "a.pdf", n),)
    )


def test_kept_examples_gather_in_named_sets(tmp_path: Path):
    kept = KeptExamples(tmp_path)
    assert kept.sets() == [] and kept.read("house-style") == []
    assert kept.keep("house-style", example(1)) == 1
    assert kept.keep("house-style", example(2)) == 2
    assert kept.keep("terse", example(3)) == 1
    assert kept.sets() == [("house-style", 2), ("terse", 1)]
    assert kept.read("house-style") == [example(1), example(2)]  # passages, titles, pages kept
    # A fresh object reads the same sets: they live on disk, beside the adapter they teach.
    assert (tmp_path / "house-style" / KEPT).is_file()
    assert KeptExamples(tmp_path).read("terse") == [example(3)]


def test_saving_an_edited_set_replaces_it_and_an_empty_set_goes(tmp_path: Path):
    kept = KeptExamples(tmp_path)
    for n in range(3):
        kept.keep("s", example(n))
    kept.save("s", [example(2)])
    assert kept.read("s") == [example(2)]
    kept.save("s", [])
    assert kept.sets() == []


def test_a_write_that_fails_leaves_the_old_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    kept = KeptExamples(tmp_path)
    kept.keep("s", example(1))

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("desktop_app.application.kept_examples.os.replace", full_disk)
    with pytest.raises(KeptExamplesError, match="No space left"):
        kept.keep("s", example(2))
    assert kept.read("s") == [example(1)]
    assert [p.name for p in (tmp_path / "s").iterdir()] == [KEPT]  # no partial file left


@pytest.mark.parametrize("name", ["", "my answers", "../escape", "x" * 65, "a/b"])
def test_a_set_name_that_is_not_a_folder_name_is_refused(tmp_path: Path, name: str):
    with pytest.raises(KeptExamplesError, match="a name is"):
        KeptExamples(tmp_path).keep(name, example(1))
    assert list(tmp_path.iterdir()) == []


def test_a_hand_broken_set_is_listed_and_reading_it_says_where(tmp_path: Path):
    kept = KeptExamples(tmp_path)
    kept.keep("s", example(1))
    (tmp_path / "s" / KEPT).write_text("{not json\n", encoding="utf-8")
    assert kept.sets() == [("s", 0)]
    with pytest.raises(KeptExamplesError, match="line 1"):
        kept.read("s")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_set_exports_to_a_file_teach_reads(tmp_path: Path, suffix: str):
    kept = KeptExamples(tmp_path / "adapters")
    for n in range(3):
        kept.keep("s", example(n))
    target = tmp_path / f"out{suffix}"
    assert kept.export("s", target) == 3
    back = read_examples(target)
    assert [(e.question, e.answer) for e in back] == [
        (f"Question {n}?", f"Answer: {n} [1]") for n in range(3)
    ]
    assert [e.passages[0].text for e in back] == ["Passage 0", "Passage 1", "Passage 2"]
