"""A team library for the tests of the application and the window: made on a real server by
`team init`, added to an editor's and a member's data directory, and filled by the editor's
Library with real files (parsed, embedded by the session's real models)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from desktop_app.application import Library
from desktop_app.application.team import TeamLibraries
from tests.conftest import FIXTURES, Embedders

NOTES = {
    "porto-ferry.txt": "The ferry of Porto leaves at seven every morning from the river quay.",
    "galway-bakery.txt": "The bakery of Galway sells rye bread and fresh loaves from six.",
}


@dataclass(frozen=True)
class Team:
    editor: Path  # data directories, each with the team library added as "lab" and in use
    member: Path
    docs: Path  # what the editor indexed (a PDF and two notes)
    editor_url: str
    member_url: str


def documents(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "ntsb_report.pdf", folder / "ntsb_report.pdf")
    for name, text in NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def make_team(admin_url: str, root: Path, embedders: Embedders, index: bool = True) -> Team:
    urls = TeamLibraries().init(admin_url)
    team = Team(
        root / "editor", root / "member", documents(root / "docs"), urls.editor_url, urls.member_url
    )
    for data, url in ((team.editor, urls.editor_url), (team.member, urls.member_url)):
        teams = TeamLibraries(data)
        teams.add("lab", url)
        teams.use("lab")
    if index:
        with Library(team.editor, embedders=embedders) as library:
            summary = library.index([team.docs])
        assert sorted(r.status.value for r in summary.reports) == ["indexed"] * 3
    return team
