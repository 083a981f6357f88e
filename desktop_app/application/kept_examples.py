"""Answers kept as teaching examples ("👍 Keep as example" under an answer), in named sets.

A set is named after the adapter it will teach and lives beside it: `adapters/<set>/kept.jsonl`
in the data directory, the same JSONL a user can write by hand. Every change rewrites the file
through a temporary one, so a crash leaves the old set or the new one, never half of either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from desktop_app.core.errors import LibrarianError
from desktop_app.core.teaching import Example, ExamplesError, read_examples, write_examples

KEPT = "kept.jsonl"
NAME = re.compile(r"^[\w.-]{1,64}$")  # also an adapter's folder name
DEFAULT_SET = "my-answers"


class KeptExamplesError(LibrarianError):
    """A set's name is not usable, or its file cannot be read or written; the message says
    which."""


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise KeptExamplesError(
            f"{name!r}: a name is 1 to 64 letters, digits, '.', '-' or '_' (no spaces)"
        )
    return name


class KeptExamples:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / check_name(name) / KEPT

    def sets(self) -> list[tuple[str, int]]:
        """(name, how many examples) of every set, by name."""
        found = []
        for path in sorted(self.folder.glob(f"*/{KEPT}")):
            try:
                count = len(read_examples(path))
            except ExamplesError:
                count = 0  # listed, so that the user can see it and fix or replace it
            found.append((path.parent.name, count))
        return found

    def read(self, name: str) -> list[Example]:
        path = self.path(name)
        if not path.is_file():
            return []
        try:
            return read_examples(path)
        except ExamplesError as exc:
            raise KeptExamplesError(str(exc)) from exc

    def keep(self, name: str, example: Example) -> int:
        """Add one example to the set (made if new); the set's size afterwards."""
        examples = [*self.read(name), example]
        self.save(name, examples)
        return len(examples)

    def save(self, name: str, examples: Sequence[Example]) -> None:
        """The whole set, as edited: an empty set is removed."""
        path = self.path(name)
        if not examples:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        try:
            write_examples(partial, examples)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise KeptExamplesError(f"cannot save the examples {name!r}: {exc}") from exc

    def export(self, name: str, target: Path) -> int:
        """Write the set to a .jsonl or .csv file of the user's; how many were written."""
        examples = self.read(name)
        try:
            write_examples(target, examples)
        except OSError as exc:
            raise KeptExamplesError(f"cannot write {target}: {exc}") from exc
        return len(examples)
