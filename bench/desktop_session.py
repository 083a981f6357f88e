"""A stand-in desktop for the packaged app: a virtual X screen (Xvfb) and the environment a
double-click gives a program (a home folder, a display, the system PATH, nothing of ours).

Used by bench.frozen_startup and tests/packaging/test_installed_app.py.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DESKTOP_TOOLS = ("Xvfb", "gio", "xdotool")  # Debian: xvfb, libglib2.0-bin, xdotool


def missing_tools(tools: tuple[str, ...] = DESKTOP_TOOLS) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


@contextmanager
def virtual_screen(size: str = "1280x800x24") -> Iterator[str]:
    """Starts Xvfb on a free display number and yields it (":N") once it accepts clients."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        number = os.read(read_end, 32).decode().strip() if ready else ""
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(timeout=30)


def desktop_env(home: Path, display: str, **extra: str) -> dict[str, str]:
    """What a launcher hands a program: no virtual environment, no test settings."""
    runtime = home / ".runtime"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        "HOME": str(home),
        "USER": os.environ.get("USER", "user"),
        "DISPLAY": display,
        "PATH": f"{home}/.local/bin:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(runtime),
    }
    env.update(extra)
    return env


def xdotool(env: dict[str, str], *args: str, timeout: float = 30) -> str:
    result = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout, check=True
    )
    return result.stdout.strip()
