"""Double-click to painted window for the packaged app, beside the same app run from source.

    python -m bench.frozen_startup [--bundle dist/librarian] [--runs N] [--json]

Installs the bundle for one user (its install-user.sh) into a temporary home, starts a virtual
X screen (Xvfb), then alternately launches the installed app as a double-click does (`gio
launch` of its .desktop file) and the app from source (`gio launch` of a .desktop file running
`python -m desktop_app`), N times each, with LIBRARIAN_STARTUP_PROBE set: the app prints the
wall-clock time of its first paint and quits. Time counts from just before the launch.
ratio = frozen median / source median. The first launch after installing is reported on its
own (it loads the bundle's libraries from disk).
Needs Linux with Xvfb, gio (libglib2.0-bin) and a bundle from `make package`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import REPO, print_json
from bench.desktop_session import desktop_env, missing_tools, virtual_screen
from bench.startup import painted_after


def install_for_user(bundle: Path, home: Path) -> Path:
    """Runs the bundle's per-user installer; returns the installed .desktop launcher."""
    env = desktop_env(home, display="")
    subprocess.run([str(bundle / "install-user.sh")], env=env, check=True, capture_output=True)
    return home / ".local" / "share" / "applications" / "librarian.desktop"


def source_launcher(installed: Path, home: Path) -> Path:
    """The installed launcher, with Exec running this checkout from source instead."""
    text = installed.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    source = text.replace(exec_line, f"Exec={sys.executable} -m desktop_app %F")
    source = "\n".join(line for line in source.splitlines() if not line.startswith("TryExec="))
    path = home / "librarian-source.desktop"
    path.write_text(source + "\n")
    return path


def measure(bundle: Path, runs: int, home: Path | None = None) -> dict[str, object]:
    """Installs into `home` (a temporary one when None, removed afterwards) and measures."""
    if home is None:
        with tempfile.TemporaryDirectory(prefix="librarian-frozen-") as tmp:
            return measure(bundle, runs, Path(tmp))
    launcher = install_for_user(bundle, home)
    with virtual_screen() as display:
        env = desktop_env(home, display, LIBRARIAN_STARTUP_PROBE="1")
        double_click = ["gio", "launch", str(launcher)]
        from_source = ["gio", "launch", str(source_launcher(launcher, home))]
        first = painted_after(double_click, env, cwd=home)
        painted_after(from_source, env, cwd=home)  # warm-up: bytecode and file cache
        frozen_s: list[float] = []
        source_s: list[float] = []
        for _ in range(runs):
            frozen_s.append(painted_after(double_click, env, cwd=home))
            source_s.append(painted_after(from_source, env, cwd=home))
    frozen, source = statistics.median(frozen_s), statistics.median(source_s)
    return {
        "ratio": round(frozen / source, 3),
        "frozen_s": round(frozen, 3),
        "source_s": round(source, 3),
        "first_launch_s": round(first, 3),
        "frozen_runs_s": [round(s, 3) for s in frozen_s],
        "source_runs_s": [round(s, 3) for s in source_s],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "librarian")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if missing := missing_tools(("Xvfb", "gio")):
        sys.exit(f"needs {', '.join(missing)} (Debian: xvfb, libglib2.0-bin)")
    if not (args.bundle / "install-user.sh").exists():
        sys.exit(f"no bundle in {args.bundle}: run `make package` first")
    result = measure(args.bundle.resolve(), args.runs)
    if args.json:
        print_json(result)
    else:
        print(
            f"double-click to painted window: {result['frozen_s']:.3f} s (packaged app) vs "
            f"{result['source_s']:.3f} s (from source) -> ratio {result['ratio']:.2f}  "
            f"(median of {args.runs} runs each; first launch after install "
            f"{result['first_launch_s']:.3f} s)"
        )


if __name__ == "__main__":
    main()
