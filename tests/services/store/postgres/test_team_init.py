"""`team init` on a real PostgreSQL server with pgvector: the schema, the two roles, and what
each may do, refused by the database itself (not by the client)."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from desktop_app.core.team_libraries import split_password, with_user
from desktop_app.services.store.postgres.connection import TeamLibraryError, connect
from desktop_app.services.store.postgres.team_init import TeamUrls, init_team_library


@pytest.fixture
def team(team_database: str) -> TeamUrls:
    return init_team_library(team_database)


def add_document(connection: psycopg.Connection) -> int:
    row = connection.execute(
        "INSERT INTO librarian.documents (content_hash, path, format, size, status) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id",
        ("abc", "/docs/report.pdf", "pdf", 10, "indexed"),
    ).fetchone()
    assert row is not None
    connection.execute(
        "INSERT INTO librarian.passages (id, document_id, ordinal, page, start_offset, "
        "end_offset, text, terms, length) VALUES (%s, %s, 0, 1, 0, 5, %s, %s::tsvector, 1)",
        ("p1", row[0], "Ferry", "'ferri':1"),
    )
    return int(row[0])


def test_the_roles_are_named_after_the_database_and_their_passwords_work(
    team: TeamUrls, team_database: str
):
    database = team_database.split("?")[0].rsplit("/", 1)[1]
    assert team.member_role == f"librarian_{database}_member"
    assert team.editor_role == f"librarian_{database}_editor"
    for url in (team.member_url, team.editor_url):
        bare, password = split_password(url)
        with connect(bare, password) as connection:
            assert connection.execute("SELECT count(*) FROM librarian.documents").fetchone() == (0,)
    wrong = with_user(team.member_url, team.member_role, "not-the-password")
    with pytest.raises(TeamLibraryError, match="password authentication failed"):
        connect(wrong)


def test_a_member_reads_and_every_write_is_refused_by_the_database(team: TeamUrls):
    with connect(team.editor_url) as editor:
        document = add_document(editor)
    with connect(team.member_url, autocommit=True) as member:
        assert member.execute("SELECT text FROM librarian.passages").fetchall() == [("Ferry",)]
        writes = [
            "INSERT INTO librarian.documents (content_hash, path, format, size, status) "
            "VALUES ('x', 'x', 'txt', 1, 'indexed')",
            f"DELETE FROM librarian.documents WHERE id = {document}",
            "UPDATE librarian.passages SET text = 'changed'",
            "SELECT librarian.create_space('e5', 384)",
            "CREATE TABLE librarian.mine (x int)",
        ]
        for statement in writes:
            with pytest.raises(errors.InsufficientPrivilege):
                member.execute(statement)
        assert member.execute("SELECT text FROM librarian.passages").fetchall() == [("Ferry",)]


def test_an_editor_writes_documents_but_cannot_change_the_schema(team: TeamUrls):
    with connect(team.editor_url, autocommit=True) as editor:
        add_document(editor)
        editor.execute("DELETE FROM librarian.documents")
        assert editor.execute("SELECT count(*) FROM librarian.passages").fetchone() == (0,)
        for statement in (
            "CREATE TABLE librarian.mine (x int)",
            "ALTER TABLE librarian.documents ADD COLUMN x int",
            "DROP TABLE librarian.pages",
            "INSERT INTO librarian.meta VALUES ('schema_version', '2')",
            "DELETE FROM librarian.spaces",
        ):
            with pytest.raises((errors.InsufficientPrivilege, errors.UndefinedTable)):
                editor.execute(statement)


def test_an_editor_makes_a_vector_space_with_an_hnsw_index_that_members_search(team: TeamUrls):
    with connect(team.editor_url, autocommit=True) as editor:
        table = editor.execute("SELECT librarian.create_space('e5', 3)").fetchone()
        assert table is not None and str(table[0]).startswith("vectors_")
        again = editor.execute("SELECT librarian.create_space('e5', 3)").fetchone()
        assert again == table  # made once
        with pytest.raises(errors.RaiseException, match="1 to 2000 dimensions"):
            editor.execute("SELECT librarian.create_space('big', 5000)")
        with pytest.raises(errors.InsufficientPrivilege):  # a name of its choosing: no
            editor.execute("CREATE TABLE librarian.vectors_mine (x int)")
        add_document(editor)
        editor.execute(
            f"INSERT INTO librarian.{table[0]} (passage_id, embedding) VALUES ('p1', '[1,0,0]')"
        )
        indexes = editor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", (table[0],)
        ).fetchall()
        assert any("hnsw" in str(row[0]) and "vector_cosine_ops" in str(row[0]) for row in indexes)
    with connect(team.member_url) as member:
        nearest = member.execute(
            f"SELECT passage_id FROM librarian.{table[0]} ORDER BY embedding <=> '[0.9,0.1,0]' "
            "LIMIT 1"
        ).fetchone()
        assert nearest == ("p1",)


def test_a_database_set_up_once_is_refused_a_second_time_and_a_failed_init_leaves_nothing(
    team: TeamUrls, team_database: str, postgres: str
):
    with pytest.raises(TeamLibraryError, match="already holds a team library"):
        init_team_library(team_database)
    from bench.postgres_server import new_database

    other = new_database(postgres, "t_second_" + str(time.monotonic_ns()))
    prefix = team.member_role.removesuffix("_member")
    with pytest.raises(TeamLibraryError, match="exist: choose other names with --roles"):
        init_team_library(other, roles=prefix)
    with psycopg.connect(other) as admin:
        assert admin.execute("SELECT to_regnamespace('librarian')").fetchone() == (None,)


def test_an_unreachable_server_is_a_message_within_the_time_out(tmp_path: Path):
    started = time.monotonic()
    with pytest.raises(TeamLibraryError, match="cannot reach the team library at") as failed:
        connect(f"postgresql://someone:secret@/db?host={tmp_path}")
    assert "secret" not in str(failed.value) and time.monotonic() - started < 5
