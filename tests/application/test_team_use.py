"""A team library in use by the application, against a real PostgreSQL server: the member
opens cited documents from copies fetched from the server; a server out of reach leaves this
computer's library at work and is tried again; a connection the server drops is made again,
by searches and by an editor's indexing run alike."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from desktop_app.application import Library
from desktop_app.application.team import TeamLibraries
from desktop_app.core.records import Outcome
from desktop_app.core.team_libraries import LOCAL
from desktop_app.services.store.postgres.connection import TeamLibraryError
from tests.conftest import Embedders
from tests.teams import make_team

pytestmark = pytest.mark.e2e


def drop_connections(admin_url: str, role_suffix: str) -> int:
    """End the server side of every Librarian connection of the team's role (as a restart or
    a fail-over would): how many there were."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'Librarian' AND usename LIKE %s",
            (f"%{role_suffix}",),
        ).fetchall()
    return len(rows)


def test_a_member_opens_a_cited_document_from_a_copy_of_the_servers(
    tmp_path: Path, team_database: str, embedders: Embedders
):
    team = make_team(team_database, tmp_path, embedders)
    pdf = team.docs / "ntsb_report.pdf"
    original = pdf.read_bytes()
    pdf.unlink()  # the member's computer has no such file
    with Library(team.member, embedders=embedders) as member:
        assert member.in_use.current() == ("lab", "member")
        hit = member.search("Reims F172 near Chevroux", k=1)[0]
        assert hit.path == str(pdf)
        copy = member.in_use.source_file(hit.path)
        assert copy is not None and copy != hit.path
        assert Path(copy).name == pdf.name and Path(copy).read_bytes() == original
        assert Path(copy).is_relative_to(team.member / "team-copies")
        assert member.in_use.source_file(hit.path) == copy  # fetched once
        assert member.in_use.source_file(str(team.docs / "not-in-the-library.pdf")) is None
        notes = member.in_use.source_file(str(team.docs / "porto-ferry.txt"))  # on disk: itself
        assert notes == str(team.docs / "porto-ferry.txt")


def test_an_unreachable_team_library_leaves_this_computers_at_work(
    tmp_path: Path, embedders: Embedders
):
    data = tmp_path / "data"
    teams = TeamLibraries(data)
    # Registered as if reachable once: a server that is not there now (a socket nobody serves).
    from desktop_app.core.team_libraries import TeamLibrary

    teams.registry.add(TeamLibrary("lab", f"postgresql://librarian_member@/db?host={tmp_path}"))
    teams.use("lab")
    with pytest.raises(TeamLibraryError, match="team use local"):
        Library(data, embedders=embedders)  # the command line says so and stops
    with Library(data, embedders=embedders, team_or_local=True) as library:
        assert library.in_use.current() == (LOCAL, "")
        assert library.in_use.unreachable is not None
        name, why = library.in_use.unreachable
        assert name == "lab" and "cannot reach the team library" in why
        (tmp_path / "notes.txt").write_text("The lighthouse keeper saw a green flash.")
        library.index([tmp_path / "notes.txt"])
        assert library.search("green flash", k=1)[0].path == str(tmp_path / "notes.txt")
        with pytest.raises(TeamLibraryError):
            library.in_use.use("lab")  # tried again: still away, this computer's stays
        assert library.in_use.current() == (LOCAL, "")
    assert teams.in_use() == "lab"  # tried again at the next start


def test_switching_between_the_team_library_and_this_computers(
    tmp_path: Path, team_database: str, embedders: Embedders
):
    team = make_team(team_database, tmp_path, embedders)
    with Library(team.member, embedders=embedders) as library:
        assert len(library.documents()) == 3
        library.in_use.use(LOCAL)
        assert library.in_use.current() == (LOCAL, "") and library.documents() == []
        assert library.search("ferry of Porto", k=1) == []
        assert TeamLibraries(team.member).in_use() == LOCAL
        library.in_use.use("lab")
        assert library.search("ferry of Porto", k=1)[0].path.endswith("porto-ferry.txt")
        assert TeamLibraries(team.member).in_use() == "lab"


def test_a_dropped_connection_is_made_again_by_the_next_search(
    tmp_path: Path, team_database: str, embedders: Embedders, caplog: pytest.LogCaptureFixture
):
    team = make_team(team_database, tmp_path, embedders)
    with Library(team.member, embedders=embedders) as library:
        assert library.search("ferry of Porto", k=1)
        assert drop_connections(team_database, "_member") >= 1
        caplog.set_level("INFO", "desktop_app.services.store.postgres.team_storage")
        hits = library.search("ferry of Porto", k=1)  # connected again, asked again
        assert hits[0].path.endswith("porto-ferry.txt")
        assert "connection lost" in caplog.text
        assert len(library.documents()) == 3


def test_an_editors_run_goes_on_after_the_server_dropped_its_connection(
    tmp_path: Path, team_database: str, embedders: Embedders, caplog: pytest.LogCaptureFixture
):
    team = make_team(team_database, tmp_path, embedders, index=False)
    for n in range(4):
        (team.docs / f"note-{n}.txt").write_text(f"Note {n}: the tide turned at {n + 4} o'clock.")
    dropped: list[int] = []

    def drop_after_the_first(report: object) -> None:
        if not dropped:
            dropped.append(drop_connections(team_database, "_editor"))

    caplog.set_level("INFO", "desktop_app.services.ingestion.team_index")
    with Library(team.editor, embedders=embedders) as library:
        summary = library.index([team.docs], on_report=drop_after_the_first)
        assert "connection lost while writing" in caplog.text  # and written again
        assert dropped and dropped[0] >= 1  # the writer's connection was among them
        assert [r.status for r in summary.reports] == [Outcome.INDEXED] * 7, summary.reports
        assert len(library.documents()) == 7
