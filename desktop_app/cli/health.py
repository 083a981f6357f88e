"""`librarian doctor` and `librarian repair`: they run whatever state the library is in."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop_app.core.paths import DataPaths, resolve_data_dir

EXIT_OK = 0
EXIT_ERROR = 1


def run_doctor(args: argparse.Namespace) -> int:
    from desktop_app.application.health import doctor

    info = doctor(resolve_data_dir(args.data_dir))
    if args.json:
        json.dump(info, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_doctor(info)
    return EXIT_OK


def run_repair(args: argparse.Namespace) -> int:
    """Restore a damaged catalog from its newest good backup and index again what changed
    since; then check the vectors against the catalog and rebuild what they lack."""
    from desktop_app.application import Library
    from desktop_app.application.repair import restore_catalog

    paths = DataPaths(resolve_data_dir(args.data_dir))
    restored = restore_catalog(paths)
    if restored is not None:
        print(
            f"librarian: the damaged catalog was moved aside to {restored.damaged}; restored "
            f"the backup {restored.backup.name}",
            file=sys.stderr,
        )
    with Library(paths.root) as library:
        if restored is not None:
            _index_again(library, restored.paths)
        from desktop_app.cli.vectors import repair_vectors

        if not repair_vectors(library, rebuild=True):
            return 130
        print("librarian: the library is whole", file=sys.stderr)
    return EXIT_OK


def _index_again(library: Any, listed: list[str]) -> None:
    from desktop_app.cli.progress import ProgressPrinter

    present = [p for p in listed if Path(p).exists()]
    gone = [p for p in listed if not Path(p).exists()]
    if gone:
        library.remove([p for p in gone if library.catalog.document(p) is not None])
    if present:
        printer = ProgressPrinter()
        try:
            summary = library.index(present, on_report=printer.report, prune=False)
        finally:
            printer.finish()
        print(f"librarian: {len(summary.reports)} documents checked again", file=sys.stderr)


def _print_doctor(info: dict[str, Any]) -> None:
    for key, value in info.items():
        if key == "embedding_models":
            print(f"{key}: " + "; ".join(_describe_space(space) for space in value))
        elif key == "stores" and isinstance(value, dict):
            print("stores:")
            for name, store in value.items():
                detail = f" ({store['detail']})" if store.get("detail") else ""
                print(f"  {name}: {store['state']}{detail}")
        elif isinstance(value, list):
            print(f"{key}: {'; '.join(map(str, value)) if value else 'none'}")
        elif isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v if v is not None else 'not installed'}")
        else:
            print(f"{key}: {value}")


def _describe_space(space: dict[str, object]) -> str:
    chosen = "in use" if space["chosen"] else "previous, kept until the new ones are complete"
    return f"{space['model']} ({space['label']}, {space['state']}, {chosen})"
