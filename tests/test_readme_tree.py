"""README's "How it works" tree is the package as it is: every folder has its entry, every
module is named in its folder's entry, and nothing named there is missing from the disk."""

from __future__ import annotations

import re

from tests.conftest import REPO

PACKAGE = REPO / "desktop_app"
# An entry's name starts a line at an indentation below this column; its description, and the
# lines that carry it on, sit further right.
ENTRY_COLUMN = 10


def tree_entries(readme: str) -> dict[str, str]:
    """Each entry's path (e.g. "desktop_app/services/store") and its description."""
    block = readme.split("## How it works", 1)[1].split("```", 2)[1]
    entries: dict[str, str] = {}
    parents: list[str] = []
    current = ""
    for line in block.splitlines()[1:]:
        indent = len(line) - len(line.lstrip())
        if line.strip() and indent < ENTRY_COLUMN:
            name, _, description = line.strip().partition(" ")
            parents = [*parents[: indent // 2], name.rstrip("/")]
            current = "/".join(parents) + ("/" if name.endswith("/") else "")
            entries[current] = description
        elif line.strip():
            entries[current] += " " + line.strip()
    return entries


def test_the_readme_tree_names_every_folder_and_module_and_nothing_else():
    entries = tree_entries((REPO / "README.md").read_text(encoding="utf-8"))
    folders = {
        f"{p.relative_to(REPO).as_posix()}/"
        for p in [PACKAGE, *PACKAGE.rglob("*")]
        if p.is_dir() and (p / "__init__.py").exists()
    }
    listed_folders = {e for e in entries if e.endswith("/")}
    assert listed_folders == folders, (
        f"folders without an entry: {sorted(folders - listed_folders)}; "
        f"entries of no folder: {sorted(listed_folders - folders)}"
    )
    unnamed = []
    for module in PACKAGE.rglob("*.py"):
        if module.name == "__init__.py":
            continue
        path = module.relative_to(REPO).as_posix()
        folder = path.rsplit("/", 1)[0] + "/"
        own_entry = path in entries or path.removesuffix(".py") in entries
        if not own_entry and not re.search(rf"\b{module.stem}\b", entries[folder]):
            unnamed.append(path)
    assert not unnamed, f"modules the tree does not name in their folder's entry: {unnamed}"
    for entry in entries:
        if not entry.endswith("/"):
            assert (REPO / entry).exists() or (REPO / f"{entry}.py").exists(), entry
