"""Connections to a team library's PostgreSQL server: a time-out on connecting and on every
statement, so that an unreachable or stuck server is a message, never a hang; TLS as the URL
asks (`sslmode=verify-full&sslrootcert=…`: libpq verifies the server's certificate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import LibrarianError
from desktop_app.core.team_libraries import shown

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_MS = 60_000  # a statement of a team library's work, at most


class TeamLibraryError(LibrarianError):
    """A team library could not do what was asked: unreachable, refused, not set up."""


def connect(
    url: str, password: str | None = None, autocommit: bool = False
) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection to `url` (a postgresql:// URL), with the password kept out of it."""
    import psycopg

    try:
        return psycopg.connect(
            url,
            password=password,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_S,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            application_name="Librarian",
        )
    except psycopg.OperationalError as exc:
        reason = first_line(exc).removeprefix("connection failed: ")
        raise TeamLibraryError(f"cannot reach the team library at {shown(url)}: {reason}") from None


def first_line(exc: Exception) -> str:
    """What failed, in libpq's first line ("… failed: Connection refused", "… password
    authentication failed for user …", "canceling statement due to statement timeout"); the
    rest are hints for a server's admin."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    return " ".join(lines[0].split())
