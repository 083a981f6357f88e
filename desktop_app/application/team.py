"""The team libraries of this data directory, for the front ends: made (`team init`), added,
chosen (`team use`), listed, checked and forgotten. The one in use is opened by the Library
(application.team_use)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import UsageError
from desktop_app.core.paths import DataPaths, resolve_data_dir
from desktop_app.core.team_libraries import (
    TeamLibrary,
    TeamRegistry,
    check_name,
    shown,
    split_password,
    user_of,
)
from desktop_app.services.credentials import SecretStore
from desktop_app.services.store.postgres.connection import TeamLibraryError, connect
from desktop_app.services.store.postgres.schema import VERSION
from desktop_app.services.store.postgres.team_init import TeamUrls, init_team_library

__all__ = ["TeamLibraries", "TeamLibraryError", "TeamState", "TeamUrls"]


@dataclass(frozen=True, slots=True)
class TeamState:
    name: str
    url: str  # without its password
    role: str  # "editor" (may add and remove documents) or "member" (searches and asks)
    documents: int


class TeamLibraries:
    def __init__(self, data_dir: str | Path | None = None) -> None:
        paths = DataPaths(resolve_data_dir(data_dir))
        self.registry = TeamRegistry(paths.teams)
        self.secrets = SecretStore(paths.team_secrets)

    def init(self, admin_url: str, roles: str | None = None) -> TeamUrls:
        return init_team_library(admin_url, roles)

    def add(self, name: str, url: str) -> TeamState:
        """Register the team library at `url` as `name`, once it answered as one; the URL's
        password goes to the keyring, the URL without it to teams.json."""
        check_name(name)
        if name in {library.name for library in self.registry.libraries()}:
            raise UsageError(f"a team library named {name!r} exists: forget it first")
        bare, secret = split_password(url)
        if user_of(bare) is None:
            raise UsageError(f"name the role in the URL (postgresql://ROLE@…): {shown(url)}")
        state = _state(name, bare, secret)
        if secret is not None:  # first: a library is never listed without its password
            self.secrets.put(name, secret)
        try:
            self.registry.add(TeamLibrary(name, bare))
        except BaseException:
            self.secrets.delete(name)
            raise
        return state

    def libraries(self) -> list[TeamLibrary]:
        return self.registry.libraries()

    def check(self, name: str) -> TeamState:
        library = self.registry.get(name)
        return _state(name, library.url, self.secrets.get(name))

    def in_use(self) -> str:
        """The library `index`, `search`, `ask`, `docs` and `remove` act on: a team library's
        name, or LOCAL."""
        return self.registry.in_use()

    def use(self, name: str) -> None:
        """Act on the team library `name` from now on (or on this computer's: LOCAL)."""
        self.registry.use(name)

    def forget(self, name: str) -> None:
        self.registry.forget(name)
        self.secrets.delete(name)

    def secrets_kept_in(self) -> str:
        return self.secrets.where()


def _state(name: str, url: str, password: str | None) -> TeamState:
    import psycopg

    with connect(url, password) as connection:
        try:
            row = connection.execute(
                "SELECT (SELECT value FROM librarian.meta WHERE key = 'schema_version'), "
                "has_table_privilege('librarian.documents', 'INSERT'), "
                "(SELECT count(*) FROM librarian.documents)"
            ).fetchone()
        except psycopg.Error as exc:
            raise TeamLibraryError(
                f"{shown(url)} is not a team library this role can read "
                f"({exc.diag.message_primary or type(exc).__name__}): was `librarian team "
                "init` run on that database?"
            ) from None
    assert row is not None
    version, editor, documents = (str(row[0]), bool(row[1]), int(row[2]))
    if version != str(VERSION):
        raise TeamLibraryError(
            f"{shown(url)} holds a team library of version {version}; this Librarian reads "
            f"version {VERSION}"
        )
    return TeamState(name, url, "editor" if editor else "member", documents)
