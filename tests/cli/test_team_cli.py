"""`librarian team …` against a real PostgreSQL server: the admin makes a team library, a member
and an editor add it, and no password is ever written to teams.json or printed again."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_init_add_list_forget(capsys, tmp_path: Path, team_database: str):
    code, out, _ = run(capsys, "team", "init", team_database, "--json")
    assert code == EXIT_OK
    urls = json.loads(out)
    assert set(urls) == {"editor_url", "member_url"}
    data = ["--data-dir", str(tmp_path / "data")]
    code, _, err = run(capsys, *data, "team", "add", "lab", urls["member_url"])
    assert code == EXIT_OK, err
    assert "as member, 0 documents" in err and "readable by you only" in err
    code, _, err = run(capsys, *data, "team", "add", "lab-edit", urls["editor_url"])
    assert code == EXIT_OK and "as editor" in err, err
    teams = (tmp_path / "data" / "teams.json").read_text()
    secrets = tmp_path / "data" / "team-secrets.json"
    for url in urls.values():
        password = url.split("@")[0].rsplit(":", 1)[1]
        assert password not in teams and password in secrets.read_text()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600

    code, out, _ = run(capsys, *data, "team", "list", "--check", "--json")
    listed = {row["name"]: row for row in json.loads(out)}
    assert listed["lab"]["role"] == "member" and listed["lab-edit"]["role"] == "editor"
    assert all(row["url"].startswith("postgresql://librarian_") for row in listed.values())
    assert all(":" not in row["url"].split("@")[0][len("postgresql:") :] for row in listed.values())

    code, _, err = run(capsys, *data, "team", "add", "lab", urls["member_url"])
    assert code == EXIT_USAGE and "exists" in err
    assert run(capsys, *data, "team", "forget", "lab")[0] == EXIT_OK
    assert "lab" not in json.loads((tmp_path / "data" / "teams.json").read_text())["libraries"]
    assert "lab" not in json.loads(secrets.read_text())
    code, out, _ = run(capsys, *data, "team", "list")
    assert out.split()[0] == "lab-edit"


def test_what_cannot_be_added_is_one_line(capsys, tmp_path: Path, team_database: str, postgres):
    data = ["--data-dir", str(tmp_path / "data")]
    cases = [
        ("local", team_database, EXIT_USAGE, "names the library on this computer"),
        ("lab", "mysql://u:secret@host/db", EXIT_USAGE, "not a PostgreSQL URL"),
        ("lab", f"postgresql://nobody:secret@/x?host={tmp_path}", EXIT_ERROR, "cannot reach"),
        ("lab", team_database, EXIT_ERROR, "is not a team library this role can read"),
    ]
    for name, url, expected, message in cases:
        code, _, err = run(capsys, *data, "team", "add", name, url)
        assert code == expected and message in err, err
        assert len(err.strip().splitlines()) == 1 and "secret" not in err
    assert not (tmp_path / "data" / "teams.json").exists()


def test_init_twice_is_refused_in_words(capsys, team_database: str):
    assert run(capsys, "team", "init", team_database)[0] == EXIT_OK
    code, _, err = run(capsys, "team", "init", team_database)
    assert code == EXIT_ERROR and "already holds a team library" in err
