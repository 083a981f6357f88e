"""`librarian team init`: a team library made in an existing PostgreSQL database.

The admin's URL is used once, here: it makes the schema (services.store.postgres.schema) and
two login roles, an editor and a member, each with a generated password, in one transaction
(a failure leaves nothing behind). The passwords go to the server as SCRAM verifiers computed
here, so they never appear in the server's statement log.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.core.team_libraries import with_user
from desktop_app.services.store.postgres import schema
from desktop_app.services.store.postgres.connection import TeamLibraryError, connect

if TYPE_CHECKING:
    import psycopg

# PostgreSQL names have at most 63 bytes: the prefix leaves room for "_member", "_editor".
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,55}$")


@dataclass(frozen=True, slots=True)
class TeamUrls:
    editor_url: str
    member_url: str
    editor_role: str
    member_role: str


def init_team_library(admin_url: str, roles: str | None = None) -> TeamUrls:
    """Make a team library in the database of `admin_url`; `roles`: the prefix of the two
    roles' names (default: librarian_DATABASE), since a server's databases share its roles."""
    import psycopg

    with connect(admin_url) as connection:
        database = str(_one(connection, "SELECT current_database()"))
        prefix = roles or ("librarian_" + re.sub(r"[^a-z0-9_]", "_", database.lower()))[:56]
        if not _ROLE.match(prefix):
            raise TeamLibraryError(f"{prefix!r} cannot name roles: lower-case letters, digits, _")
        member, editor = f"{prefix}_member", f"{prefix}_editor"
        if _one(connection, "SELECT to_regnamespace(%s) IS NOT NULL", (schema.SCHEMA,)):
            raise TeamLibraryError(
                f"the database {database} already holds a team library (schema {schema.SCHEMA})"
            )
        taken = _one(
            connection,
            "SELECT string_agg(rolname, ', ') FROM pg_roles WHERE rolname IN (%s, %s)",
            (member, editor),
        )
        if taken:
            raise TeamLibraryError(f"the role(s) {taken} exist: choose other names with --roles")
        passwords = {member: secrets.token_urlsafe(24), editor: secrets.token_urlsafe(24)}
        try:
            with connection.transaction(), connection.cursor() as cursor:
                for role, password in passwords.items():
                    _create_role(connection, cursor, role, password)
                schema.create(cursor, member, editor)
        except psycopg.Error as exc:
            reason = exc.diag.message_primary or type(exc).__name__
            raise TeamLibraryError(f"the team library could not be made: {reason}") from None
    return TeamUrls(
        editor_url=with_user(admin_url, editor, passwords[editor]),
        member_url=with_user(admin_url, member, passwords[member]),
        editor_role=editor,
        member_role=member,
    )


def _create_role(
    connection: psycopg.Connection[tuple[Any, ...]],
    cursor: psycopg.Cursor[tuple[Any, ...]],
    role: str,
    password: str,
) -> None:
    from psycopg import sql

    verifier = connection.pgconn.encrypt_password(
        password.encode(), role.encode(), b"scram-sha-256"
    ).decode()
    statement = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
    cursor.execute(statement.format(sql.Identifier(role), sql.Literal(verifier)))


def _one(
    connection: psycopg.Connection[tuple[Any, ...]], query: str, params: tuple[Any, ...] = ()
) -> object:
    row = connection.execute(query, params).fetchone()  # type: ignore[arg-type]
    return None if row is None else row[0]
