"""`librarian team init | add | use | list | forget`: team libraries on PostgreSQL.

`init` is the admin's, once per database: it prints the editors' and the members' connection
strings. Everyone else `add`s the one they were given; its password goes to the OS keyring (or
a file only the user can read, where the system has none), never into teams.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop_app.core.team_libraries import LOCAL

EXIT_OK = 0


def add_team_parser(sub: Any) -> None:
    p = sub.add_parser(
        "team", help="team libraries on PostgreSQL: set one up, add, use, list, forget"
    )
    actions = p.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    q = actions.add_parser(
        "init",
        help="make a team library in a PostgreSQL database (admin URL) and print the editors' "
        "and members' connection strings",
    )
    q.add_argument("admin_url", metavar="ADMIN_URL", help="postgresql://ADMIN:PASSWORD@HOST/DB")
    q.add_argument(
        "--roles", metavar="PREFIX", help="the roles' names: PREFIX_editor and PREFIX_member "
        "(default: librarian_DATABASE)"
    )  # fmt: skip
    q.add_argument("--json", action="store_true", help="print editor_url and member_url")
    q = actions.add_parser("add", help="add a team library by the connection string given you")
    q.add_argument("name", metavar="NAME")
    q.add_argument("url", metavar="URL", help="postgresql://ROLE:PASSWORD@HOST/DB[?sslmode=…]")
    q = actions.add_parser(
        "use", help="act on a team library from now on (index, search, ask, docs, remove)"
    )
    q.add_argument("name", metavar="NAME", help="a team library's name, or `local`")
    q = actions.add_parser("list", help="the team libraries this computer knows")
    q.add_argument("--check", action="store_true", help="connect to each: role and documents")
    q.add_argument("--json", action="store_true")
    q = actions.add_parser("forget", help="forget a team library (its data stays on the server)")
    q.add_argument("name", metavar="NAME")


def run_team(args: argparse.Namespace) -> int:
    from desktop_app.application.team import TeamLibraries

    teams = TeamLibraries(args.data_dir)
    if args.team_command == "init":
        urls = teams.init(args.admin_url, args.roles)
        if args.json:
            _print_json({"editor_url": urls.editor_url, "member_url": urls.member_url})
        else:
            print(f"editors (add, re-index, remove documents): {urls.editor_url}")
            print(f"members (search, ask, open documents):     {urls.member_url}")
            print(
                "librarian: give each person the string for their role; the passwords are "
                "shown only now",
                file=sys.stderr,
            )
        return EXIT_OK
    if args.team_command == "add":
        state = teams.add(args.name, args.url)
        print(
            f"added {state.name}: {state.url} as {state.role}, {state.documents} documents; "
            f"its password is kept in {teams.secrets_kept_in()}",
            file=sys.stderr,
        )
        return EXIT_OK
    if args.team_command == "use":
        teams.use(args.name)
        where = "this computer's library" if args.name == LOCAL else f"the team library {args.name}"
        print(f"index, search, ask, docs and remove act on {where} from now on", file=sys.stderr)
        return EXIT_OK
    if args.team_command == "forget":
        teams.forget(args.name)
        print(f"forgot {args.name} (its documents stay on the server)", file=sys.stderr)
        return EXIT_OK
    return _list(teams, args.check, args.json)


def _list(teams: Any, check: bool, as_json: bool) -> int:
    rows: list[dict[str, object]] = []
    in_use = teams.in_use()
    for library in teams.libraries():
        row: dict[str, object] = {
            "name": library.name, "url": library.url, "in_use": library.name == in_use
        }
        if check:
            try:
                state = teams.check(library.name)
                row.update(role=state.role, documents=state.documents)
            except Exception as exc:  # noqa: BLE001 - one unreachable library, listed as such
                from desktop_app.core.errors import describe

                row["problem"] = describe(exc)
        rows.append(row)
    if as_json:
        _print_json(rows)
        return EXIT_OK
    for row in rows:
        detail = f"  {row['role']}, {row['documents']} documents" if "role" in row else ""
        problem = f"  ({row['problem']})" if "problem" in row else ""
        mark = "*" if row["in_use"] else " "
        print(f"{mark} {row['name']}  {row['url']}{detail}{problem}")
    if not rows:
        print("No team libraries: `librarian team add NAME URL` adds one.", file=sys.stderr)
    return EXIT_OK


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
