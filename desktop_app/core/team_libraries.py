"""The team libraries this computer knows: names, where each lives, which one is in use.

A team library is a PostgreSQL database that many people's Librarians share (README, "A team
library"). This file says which ones this data directory may use, by name, and which one
`index`, `search`, `ask`, `docs` and `remove` act on. Passwords are never written here: a URL is
kept without its password, which lives in the OS keyring (services.credentials).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from desktop_app.core.errors import UsageError

LOCAL = "local"  # the name of the library on this computer
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True, slots=True)
class TeamLibrary:
    name: str
    url: str  # without a password


def check_name(name: str) -> str:
    if name == LOCAL:
        raise UsageError(f"{LOCAL!r} names the library on this computer; choose another name")
    if not _NAME.match(name):
        raise UsageError(
            f"{name!r} is not a usable name: letters, digits, '.', '_' or '-', at most 64"
        )
    return name


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password or None). Only postgresql:// URLs."""
    parts = _parse(url)
    if parts.password is None:
        return url, None
    return urlunsplit(parts._replace(netloc=_netloc(parts, None))), unquote(parts.password)


def with_user(url: str, user: str, password: str | None) -> str:
    """`url` for another role: the same server, database and options."""
    parts = _parse(url)
    userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{_host(parts)}"))


def user_of(url: str) -> str | None:
    parts = _parse(url)
    return unquote(parts.username) if parts.username else None


def shown(url: str) -> str:
    """The URL as it may be printed or logged: any password replaced by ***."""
    parts = _parse(url)
    return urlunsplit(parts._replace(netloc=_netloc(parts, "***" if parts.password else None)))


def _parse(url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise UsageError(f"not a PostgreSQL URL (postgresql://ROLE@HOST/DB): {shown_raw(url)}")
    return parts


def shown_raw(url: str) -> str:
    """Any text after '://' up to '@' hidden: a malformed URL may still hold a password."""
    return re.sub(r"://[^@/]*@", "://***@", url)


def _host(parts: SplitResult) -> str:
    return parts.netloc.rpartition("@")[2]


def _netloc(parts: SplitResult, password: str | None) -> str:
    if parts.username is None:
        return _host(parts)
    userinfo = parts.username + (f":{password}" if password else "")
    return f"{userinfo}@{_host(parts)}"


class TeamRegistry:
    """`teams.json` in the data directory: {"libraries": {name: url without password},
    "in_use": name}; `in_use` is the library `index`, `search`, `ask`, `docs` and `remove`
    act on (LOCAL, the one on this computer, when absent)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def libraries(self) -> list[TeamLibrary]:
        return [TeamLibrary(n, u) for n, u in sorted(self._read()["libraries"].items())]

    def get(self, name: str) -> TeamLibrary:
        url = self._read()["libraries"].get(name)
        if url is None:
            known = ", ".join(lib.name for lib in self.libraries()) or "none yet"
            raise UsageError(f"no team library named {name!r} (known: {known})")
        return TeamLibrary(name, url)

    def in_use(self) -> str:
        name = self._read().get("in_use", LOCAL)
        known = {LOCAL, *self._read()["libraries"]}
        return name if isinstance(name, str) and name in known else LOCAL

    def use(self, name: str) -> None:
        if name != LOCAL:
            self.get(name)
        data = self._read()
        data["in_use"] = name
        self._write(data)

    def add(self, library: TeamLibrary) -> None:
        data = self._read()
        if library.name in data["libraries"]:  # TeamLibraries.add said so before connecting
            raise UsageError(f"a team library named {library.name!r} exists: forget it first")
        data["libraries"][library.name] = library.url
        self._write(data)

    def forget(self, name: str) -> None:
        self.get(name)
        data = self._read()
        del data["libraries"][name]
        if data.get("in_use") == name:
            data["in_use"] = LOCAL
        self._write(data)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"libraries": {}}
        except (OSError, ValueError) as exc:
            raise UsageError(f"{self.path} cannot be read ({exc}): move it aside") from None
        if not isinstance(data, dict) or not isinstance(data.get("libraries"), dict):
            raise UsageError(f"{self.path} is not a list of team libraries: move it aside")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)
