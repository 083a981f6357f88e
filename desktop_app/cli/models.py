"""`librarian models list | get | remove`: the catalogue with what fits this machine, downloads
with progress on stderr, and the models on disk."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from desktop_app.cli.interrupts import cancel_on_ctrl_c
from desktop_app.core.cancel import CancelToken
from desktop_app.core.units import file_size, memory

if TYPE_CHECKING:
    from desktop_app.application import Library
    from desktop_app.application.models import CatalogueRow

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130
DRAW_EVERY_S = 0.5  # a terminal's bar
LINE_EVERY_S = 5.0  # a log's lines


def add_models_parser(sub: Any) -> None:
    p = sub.add_parser("models", help="answering models: the catalogue, downloads, removal")
    actions = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    q = actions.add_parser(
        "list", help="the catalogue (with what fits this machine) and the installed models"
    )
    q.add_argument("--json", action="store_true")
    q = actions.add_parser(
        "get", help="download a catalogue model, or FILE from a Hugging Face repo"
    )
    q.add_argument("name", metavar="NAME_OR_REPO", help="a catalogue name, or owner/repo")
    q.add_argument("file", nargs="?", metavar="FILE", help="the .gguf file in the repo")
    q.add_argument("--use", action="store_true", help="answer with it from now on")
    q.add_argument("--json", action="store_true", help="print the installed path and SHA-256")
    q = actions.add_parser(
        "remove", help="delete a downloaded model (a picked file is only forgotten)"
    )
    q.add_argument("name", metavar="NAME")  # fmt: skip


def run_models(library: Library, args: argparse.Namespace) -> int:
    if args.models_command == "list":
        return _list(library, args.json)
    if args.models_command == "get":
        return _get(library, args)
    row = library.models.remove(args.name)
    if row.source == "downloaded":
        print(f"removed {row.name} (deleted {row.path})", file=sys.stderr)
    else:
        print(f"forgot {row.name} (the file stays at {row.path})", file=sys.stderr)
    if row.in_use:
        print("the bundled model answers from now on", file=sys.stderr)
    return EXIT_OK


def _list(library: Library, as_json: bool) -> int:
    machine, rows = library.models.catalogue()
    installed = library.models.installed()
    if as_json:
        data = {
            "machine": asdict(machine),
            "catalogue": [_catalogue_json(row) for row in rows],
            "installed": [asdict(row) for row in installed],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    gpu = machine.gpu_name or "no GPU llama.cpp can use"
    print(
        f"Catalogue (this machine: {machine.cores} cores, {memory(machine.ram_total)}"
        f" memory, {gpu}); * = recommended here"
    )
    for row in rows:
        e, fit = row.entry, row.fit
        mark = "*" if row.recommended else " "
        have = "  installed" if row.installed else ""
        size = file_size(e.estimated_size) + ("" if e.size_known else "?")
        print(f"{mark} {e.name:14} {size:>8}  {fit.fit.value:24} {e.licence}{have}")
        print(f"  {'':14} {fit.why}")
    print("\nInstalled:")
    for model in installed:
        use = "  in use" if model.in_use else ""
        print(f"  {model.name:24} {file_size(model.size, 2):>8}  {model.source:10}{use}")
        print(f"  {'':24} {model.path}")
    return EXIT_OK


def _catalogue_json(row: CatalogueRow) -> dict[str, object]:
    e, fit = row.entry, row.fit
    return {
        "name": e.name,
        "title": e.title,
        "repo": e.repo,
        "file": e.file,
        "revision": e.revision,
        "quantization": e.quantization,
        "size_bytes": e.estimated_size,
        "size_known": e.size_known,
        "sha256": e.sha256,
        "licence": e.licence,
        "languages": list(e.languages),
        "context_length": e.context_length,
        "fit": fit.fit.name.lower(),
        "gpu_layers": fit.gpu_layers,
        "layers": fit.layers,
        "ram_bytes": fit.ram_bytes,
        "vram_bytes": fit.vram_bytes,
        "why": fit.why,
        "recommended": row.recommended,
        "installed": row.installed.path if row.installed else None,
    }


def _get(library: Library, args: argparse.Namespace) -> int:
    from desktop_app.application.models import Failed

    plan = library.models.plan(args.name, args.file)
    request = plan.request
    print(f"downloading {request.repo}/{request.file} ({plan.name})", file=sys.stderr)
    job = library.models.download(plan)
    bar = _Bar()
    try:
        with cancel_on_ctrl_c(CancelToken()) as interrupted:
            while not job.done:
                if interrupted.cancelled:
                    job.cancel()
                    break
                job.poll()
                bar.show(job)
                time.sleep(0.1)
    finally:
        bar.close()
    result = job.result
    if isinstance(result, Failed) or result is None:
        message = result.message if result else "the download stopped"
        print(f"librarian: {message}", file=sys.stderr)
        if interrupted.cancelled:
            print("run the same command again to resume", file=sys.stderr)
            return EXIT_INTERRUPTED
        return EXIT_ERROR
    row = library.models.install(plan, result)
    if args.use:
        library.models.use(row.name)
    if args.json:
        print(
            json.dumps({"name": row.name, "path": row.path, "sha256": row.sha256, "size": row.size})
        )
    else:
        print(f"installed {row.name}: {row.path}\nSHA-256 {row.sha256} (checked)", file=sys.stderr)
        if not args.use:
            print(f"answer with it: librarian ask --model {row.name} QUESTION", file=sys.stderr)
    return EXIT_OK


class _Bar:
    """One redrawn line on a terminal, a line every few seconds in a log."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._shown = False

    def show(self, job: Any) -> None:
        now = time.monotonic()
        if now - self._last < (DRAW_EVERY_S if self.tty else LINE_EVERY_S):
            return
        self._last = now
        if job.verifying:
            text = "checking the SHA-256…"
        elif job.progress is not None:
            text = job.progress.describe()
        else:
            text = "connecting…"
        if self.tty:
            sys.stderr.write(f"\r\033[K{text}")
            self._shown = True
        else:
            print(text, file=sys.stderr)
        sys.stderr.flush()

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
