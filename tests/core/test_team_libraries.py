"""The list of team libraries and their URLs: passwords never written, never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.errors import UsageError
from desktop_app.core.team_libraries import (
    TeamLibrary,
    TeamRegistry,
    check_name,
    shown,
    split_password,
    user_of,
    with_user,
)

SOCKET = "postgresql://postgres:@/postgres?host=/tmp/pg%20sock"


def test_a_password_is_split_out_of_a_url_and_put_back_for_another_role():
    url = "postgresql://lab_member:p%40ss%2Fw0rd@db.example.org:5433/lab?sslmode=verify-full"
    bare, password = split_password(url)
    assert bare == "postgresql://lab_member@db.example.org:5433/lab?sslmode=verify-full"
    assert password == "p@ss/w0rd" and user_of(bare) == "lab_member"
    again = with_user(bare, "lab_editor", "a:b@c")
    assert split_password(again) == (
        "postgresql://lab_editor@db.example.org:5433/lab?sslmode=verify-full",
        "a:b@c",
    )
    assert split_password(bare) == (bare, None)


def test_a_socket_url_keeps_its_host_option():
    assert with_user(SOCKET, "m", "pw") == "postgresql://m:pw@/postgres?host=/tmp/pg%20sock"
    assert user_of("postgres://@/db") is None


def test_a_shown_url_hides_the_password_even_when_malformed():
    assert shown("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert shown("postgresql://u@h/db") == "postgresql://u@h/db"
    with pytest.raises(UsageError) as refused:
        shown("mysql://u:secret@h/db")
    assert "secret" not in str(refused.value) and "***@h/db" in str(refused.value)


@pytest.mark.parametrize("name", ["local", "", "a b", "x" * 65, "../up", "-dash"])
def test_names_that_cannot_name_a_team_library(name: str):
    with pytest.raises(UsageError):
        check_name(name)


def test_the_registry_adds_lists_and_forgets(tmp_path: Path):
    registry = TeamRegistry(tmp_path / "teams.json")
    assert registry.libraries() == []
    registry.add(TeamLibrary("lab", "postgresql://m@h/lab"))
    registry.add(TeamLibrary("desk", "postgresql://e@h/desk"))
    assert [lib.name for lib in TeamRegistry(tmp_path / "teams.json").libraries()] == [
        "desk",
        "lab",
    ]
    with pytest.raises(UsageError, match="exists"):
        registry.add(TeamLibrary("lab", "postgresql://other@h/lab"))
    registry.forget("lab")
    with pytest.raises(UsageError, match=r"no team library named 'lab' \(known: desk\)"):
        registry.get("lab")
    assert json.loads((tmp_path / "teams.json").read_text()) == {
        "libraries": {"desk": "postgresql://e@h/desk"}
    }


def test_a_damaged_registry_is_a_message_not_a_crash(tmp_path: Path):
    path = tmp_path / "teams.json"
    path.write_text("{not json")
    with pytest.raises(UsageError, match="cannot be read"):
        TeamRegistry(path).libraries()
    path.write_text("[]")
    with pytest.raises(UsageError, match="not a list of team libraries"):
        TeamRegistry(path).libraries()
