#!/usr/bin/env python3
"""Build the installable Librarian: `make package`, or `.venv/bin/python packaging/build.py`.

Every OS: a one-folder bundle, dist/librarian/ (PyInstaller, packaging/librarian.spec), with the
default chat and embedding models inside: it needs no Python and works offline from the start.
Then, by OS:
  Linux    dist/librarian_<version>_<arch>.deb      (dpkg-deb; installs under /opt/librarian)
           dist/librarian-<version>-linux-<machine>.tar.gz  (unpack, run ./install-user.sh)
  macOS    dist/Librarian.app and dist/Librarian-<version>.dmg  (hdiutil)
  Windows  dist/Librarian-<version>-setup.exe      (Inno Setup's iscc, when installed)

Run it with the Python of the environment to freeze (the repository's .venv, where `make setup`
put PyInstaller). It prints the size of what it built and how long each step took.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP = "librarian"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from desktop_app import __version__

    return __version__


def run(*args: str | Path, cwd: Path | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=cwd)


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    files = (f for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return sum(f.stat().st_size for f in files) / 1e6


def timed(label: str, started: float) -> None:
    print(f"{label}: {time.monotonic() - started:.0f} s", flush=True)


def build_bundle(dist: Path, work: Path) -> Path:
    """dist/librarian/: the frozen app, plus the launcher files the per-user install needs."""
    started = time.monotonic()
    run(
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", dist, "--workpath", work / "pyinstaller", PACKAGING / "librarian.spec",
    )  # fmt: skip
    bundle = dist / APP
    if sys.platform.startswith("linux"):
        for name in ("install-user.sh", "uninstall-user.sh", "librarian.desktop"):
            shutil.copy2(PACKAGING / "linux" / name, bundle / name)
    timed(f"bundle {bundle} ({size_mb(bundle):.0f} MB)", started)
    return bundle


def deb_architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()


def copy_tree(source: Path, target: Path) -> None:
    """Hard links when possible: the bundle is over a gigabyte and dpkg-deb only reads it."""
    try:
        run("cp", "-al", source, target)
    except subprocess.CalledProcessError:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)


def build_deb(bundle: Path, dist: Path, work: Path, app_version: str) -> Path:
    """A .deb installing the bundle under /opt/librarian, `librarian` in /usr/bin, the launcher
    and hicolor icons. No maintainer scripts: Debian's desktop-file-utils and icon-cache triggers
    refresh the menus, and nothing of the user's (~/.local/share/Librarian) is ever touched."""
    started = time.monotonic()
    arch = deb_architecture()
    stage = work / "deb" / f"{APP}_{app_version}_{arch}"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "opt").mkdir(parents=True)
    copy_tree(bundle, stage / "opt" / APP)
    for launcher_file in ("install-user.sh", "uninstall-user.sh", "librarian.desktop"):
        (stage / "opt" / APP / launcher_file).unlink(missing_ok=True)  # per-user install only
    # OCR's language data comes from Debian's tesseract-ocr-* packages (control.in's Depends).
    shutil.rmtree(stage / "opt" / APP / "_internal" / "tessdata", ignore_errors=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / APP).symlink_to(f"/opt/{APP}/{APP}")
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy2(PACKAGING / "linux" / "librarian.desktop", applications / "librarian.desktop")
    icons = stage / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = icons / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(ROOT / "assets" / "icons" / f"librarian-{size}.png", target / "librarian.png")
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "assets" / "icon.svg", icons / "scalable" / "apps" / "librarian.svg")
    doc = stage / "usr" / "share" / "doc" / APP
    doc.mkdir(parents=True)
    shutil.copy2(ROOT / "README.md", doc / "README.md")
    (stage / "DEBIAN").mkdir()
    installed_kb = round(size_mb(stage) * 1e6 / 1024)
    template = (PACKAGING / "linux" / "control.in").read_text().splitlines(keepends=True)
    control = "".join(line for line in template if not line.startswith("#"))
    (stage / "DEBIAN" / "control").write_text(
        control.format(version=app_version, architecture=arch, installed_kb=installed_kb)
    )
    for folder in [stage, *stage.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)
    deb = dist / f"{APP}_{app_version}_{arch}.deb"
    # zstd (dpkg 1.21.18+: Debian 12, Ubuntu 21.10): xz would take ~10 minutes on 2 cores.
    run("dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", stage, deb)
    shutil.rmtree(stage)
    timed(f"deb {deb} ({size_mb(deb):.0f} MB)", started)
    return deb


def build_tarball(bundle: Path, dist: Path, app_version: str) -> Path:
    started = time.monotonic()
    tarball = dist / f"{APP}-{app_version}-linux-{platform.machine()}.tar.gz"
    run("tar", "-C", bundle.parent, "-czf", tarball, bundle.name)
    timed(f"per-user archive {tarball} ({size_mb(tarball):.0f} MB)", started)
    return tarball


def build_dmg(dist: Path, app_version: str) -> Path:
    dmg = dist / f"Librarian-{app_version}.dmg"
    run(
        "hdiutil", "create", "-volname", "Librarian", "-srcfolder", dist / "Librarian.app",
        "-ov", "-format", "UDZO", dmg,
    )  # fmt: skip
    return dmg


def build_windows_installer(dist: Path, app_version: str) -> Path | None:
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        print("Inno Setup (iscc) not found: the installer was not built", file=sys.stderr)
        return None
    run(
        iscc, f"/DAppVersion={app_version}", f"/DDist={dist}", f"/O{dist}",
        PACKAGING / "windows" / "librarian.iss",
    )  # fmt: skip
    return dist / f"Librarian-{app_version}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder")
    parser.add_argument(
        "--skip-bundle", action="store_true", help="reuse dist/librarian from an earlier build"
    )
    parser.add_argument("--no-tarball", action="store_true", help="Linux: skip the .tar.gz")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    app_version = version()
    bundle = dist / APP if args.skip_bundle else build_bundle(dist, work)
    if not (bundle / APP).exists() and not (bundle / f"{APP}.exe").exists():
        print(f"no bundle in {bundle}", file=sys.stderr)
        return 1
    if sys.platform.startswith("linux"):
        if shutil.which("dpkg-deb"):
            build_deb(bundle, dist, work, app_version)
        else:
            print("dpkg-deb not found (not a Debian-like system): no .deb", file=sys.stderr)
        if not args.no_tarball:
            build_tarball(bundle, dist, app_version)
    elif sys.platform == "darwin":
        build_dmg(dist, app_version)
    elif os.name == "nt":
        build_windows_installer(dist, app_version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
