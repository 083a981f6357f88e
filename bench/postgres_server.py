"""A real PostgreSQL 16 server with pgvector for the team-library tests and benchmarks (the
`pgserver` wheel, a dev dependency), started in a temporary folder, listening on a Unix socket
only (no TCP port).

Password checks are on for every role but the admin: the admin (postgres) connects as the
socket's trusted owner, editors and members by SCRAM password, as on a real server."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HBA = "local all postgres trust\nlocal all all scram-sha-256\n"


@contextmanager
def postgres_server(folder: Path) -> Iterator[str]:
    """The admin's URL of a fresh server; stopped and deleted at the end."""
    with warnings.catch_warnings():
        # pgserver keeps its servers' list in the user's runtime folder: where a session has
        # none (XDG_RUNTIME_DIR unset), platformdirs warns and falls back to /tmp.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

        server = pgserver.get_server(folder, cleanup_mode="delete")  # type: ignore[attr-defined]
    try:
        (folder / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        server.psql("SELECT pg_reload_conf();")
        yield server.get_uri()
    finally:
        server.cleanup()


def new_database(admin_url: str, name: str) -> str:
    """A new empty database on the server of `admin_url`, and the admin's URL to it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a test's own name, not user input
    before, _, after = admin_url.partition("?")
    return before.rsplit("/", 1)[0] + f"/{name}" + (f"?{after}" if after else "")


def team_library_in(data_dir: Path, admin_url: str, name: str, role: str = "editor") -> str:
    """Make a team library in a new database `name` of the server, add it to `data_dir` as
    "team" with `role`'s connection string, and make it the one in use: its editor's URL."""
    from desktop_app.application.team import TeamLibraries

    teams = TeamLibraries(data_dir)
    urls = teams.init(new_database(admin_url, name))
    teams.add("team", urls.editor_url if role == "editor" else urls.member_url)
    teams.use("team")
    return urls.editor_url
