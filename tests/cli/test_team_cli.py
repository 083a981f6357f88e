"""`librarian team …` against a real PostgreSQL server: the admin makes a team library, a member
and an editor add it, and no password is ever written to teams.json or printed again."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from desktop_app.cli.main import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from tests.conftest import FIXTURES


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


@pytest.mark.e2e
@pytest.mark.usefixtures("loaded_models")
def test_an_editor_indexes_a_team_library_and_a_member_searches_asks_and_lists_it(
    capsys, tmp_path: Path, team_database: str
):
    urls = json.loads(run(capsys, "team", "init", team_database, "--json")[1])
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(FIXTURES / "ntsb_report.pdf", docs / "ntsb_report.pdf")
    notes = {
        "porto-ferry.txt": "The ferry of Porto leaves at seven every morning from the river quay.",
        "galway-bakery.txt": "The bakery of Galway sells rye bread and fresh loaves from six.",
        "погода.txt": "Туман пришёл с запада после полуночи и держался над заливом до девяти утра.",
    }
    for name, text in notes.items():
        (docs / name).write_text(text, encoding="utf-8")
    editor = ["--data-dir", str(tmp_path / "editor")]
    member = ["--data-dir", str(tmp_path / "member")]
    for who, url in ((editor, urls["editor_url"]), (member, urls["member_url"])):
        assert run(capsys, *who, "team", "add", "lab", url)[0] == EXIT_OK
        code, _, err = run(capsys, *who, "team", "use", "lab")
        assert code == EXIT_OK and "act on the team library lab" in err

    code, out, err = run(capsys, *editor, "index", str(docs), "--json")
    assert code == EXIT_OK, err
    assert sorted(r["status"] for r in json.loads(out)) == ["indexed"] * 4
    again = json.loads(run(capsys, *editor, "index", str(docs), "--json")[1])
    assert {r["status"] for r in again} == {"unchanged"}

    code, out, err = run(capsys, *member, "search", "When does the ferry leave Porto?", "-k", "1")
    assert code == EXIT_OK and "porto-ferry.txt" in out, err
    code, out, _ = run(capsys, *member, "search", "Туман над заливом", "-k", "1")
    assert "погода.txt" in out
    code, out, err = run(capsys, *member, "ask", "--quotes-only", "When does the ferry leave?")
    assert code == EXIT_OK and "seven every morning" in out, err
    listed = json.loads(run(capsys, *member, "docs", "--json")[1])
    assert sorted(Path(d["path"]).name for d in listed) == sorted([*notes, "ntsb_report.pdf"])
    code, out, _ = run(capsys, *member, "doctor")
    assert "library_in_use: team library lab (member, 4 documents)" in out

    code, _, err = run(capsys, *member, "index", str(docs))
    assert code == EXIT_ERROR and "only its editors may add documents" in err
    code, _, err = run(capsys, *member, "remove", str(docs / "porto-ferry.txt"))
    assert code == EXIT_ERROR and "only its editors may remove documents" in err
    assert run(capsys, *editor, "remove", str(docs / "porto-ferry.txt"))[0] == EXIT_OK
    assert len(json.loads(run(capsys, *member, "docs", "--json")[1])) == 3

    assert run(capsys, *member, "team", "use", "local")[0] == EXIT_OK
    assert json.loads(run(capsys, *member, "docs", "--json")[1]) == []  # this computer's
    assert json.loads(run(capsys, *editor, "team", "list", "--json")[1])[0]["in_use"] is True
