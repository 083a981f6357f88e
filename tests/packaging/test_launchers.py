"""The launcher files packaging/ ships: icons, the .desktop entry and the per-user install.

The install scripts are tested here on a stand-in bundle (a shell script named `librarian`):
the real bundle is built, installed and launched in test_installed_app.py, which takes minutes.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImageReader

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "assets" / "icons"

needs_sh = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")


def image_sizes(path: Path, image_format: bytes) -> list[int]:
    reader = QImageReader(str(path), image_format)
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), f"{path.name} image {index}: {reader.errorString()}"
        sizes.append(image.width())
    return sizes


def test_windows_icon_holds_every_size(qapp: object) -> None:
    assert sorted(image_sizes(ICONS / "librarian.ico", b"ico")) == [16, 24, 32, 48, 64, 128, 256]


def test_macos_icon_holds_retina_sizes(qapp: object) -> None:
    sizes = image_sizes(ICONS / "librarian.icns", b"icns")
    assert {16, 32, 64, 128, 256, 512, 1024} <= set(sizes)


def test_desktop_entry_opens_documents() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(LINUX / "librarian.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"].endswith(" %F")  # several files from "Open with" or a drop on it
    assert {"application/pdf", "text/plain", "text/markdown"} <= set(
        desktop["MimeType"].strip(";").split(";")
    )
    assert desktop["Icon"] == "librarian" and desktop["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(LINUX / "librarian.desktop")],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def stand_in_bundle(folder: Path) -> Path:
    """A folder shaped like dist/librarian/ with a shell script in place of the frozen app."""
    bundle = folder / "librarian"
    (bundle / "_internal" / "assets" / "icons").mkdir(parents=True)
    app = bundle / "librarian"
    app.write_text("#!/bin/sh\necho librarian stand-in\n")
    app.chmod(0o755)
    for png in ICONS.glob("librarian-*.png"):
        shutil.copy2(png, bundle / "_internal" / "assets" / "icons" / png.name)
    shutil.copy2(ROOT / "assets" / "icon.svg", bundle / "_internal" / "assets" / "icon.svg")
    for name in ("install-user.sh", "uninstall-user.sh", "librarian.desktop"):
        shutil.copy2(LINUX / name, bundle / name)
    return bundle


def run_script(script: Path, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), **extra)
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)


@needs_sh
def test_user_install_and_uninstall_keep_the_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    bundle = stand_in_bundle(tmp_path / "download")
    installed = run_script(bundle / "install-user.sh", home)
    assert installed.returncode == 0, installed.stderr

    prefix = home / ".local" / "opt" / "librarian"
    share = home / ".local" / "share"
    assert subprocess.run([str(home / ".local/bin/librarian")], capture_output=True).returncode == 0
    desktop = (share / "applications" / "librarian.desktop").read_text()
    assert f'Exec="{prefix}/librarian" %F' in desktop
    assert f"TryExec={prefix}/librarian" in desktop
    assert (share / "icons/hicolor/256x256/apps/librarian.png").exists()
    assert (share / "icons/hicolor/scalable/apps/librarian.svg").exists()
    if shutil.which("desktop-file-validate"):
        validated = subprocess.run(
            ["desktop-file-validate", str(share / "applications" / "librarian.desktop")],
            capture_output=True,
            text=True,
        )
        assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout

    library = share / "Librarian"  # what the app writes: it must outlive the program
    library.mkdir()
    (library / "library.sqlite3").write_bytes(b"the user's index")
    removed = run_script(prefix / "uninstall-user.sh", home)
    assert removed.returncode == 0, removed.stderr
    assert not prefix.exists()
    assert not (share / "applications" / "librarian.desktop").exists()
    assert not list((share / "icons").rglob("librarian.*"))
    assert not (home / ".local/bin/librarian").is_symlink()
    assert (library / "library.sqlite3").read_bytes() == b"the user's index"
    assert str(library) in removed.stdout


@needs_sh
def test_reinstall_replaces_the_program(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    bundle = stand_in_bundle(tmp_path / "download")
    assert run_script(bundle / "install-user.sh", home).returncode == 0
    (bundle / "librarian").write_text("#!/bin/sh\necho version 2\n")
    assert run_script(bundle / "install-user.sh", home).returncode == 0
    prefix = home / ".local" / "opt" / "librarian"
    assert "version 2" in (prefix / "librarian").read_text()
    assert not (prefix.parent / "librarian.partial").exists()


@needs_sh
def test_install_never_replaces_a_folder_that_is_not_librarian(tmp_path: Path) -> None:
    home = tmp_path / "home"
    precious = home / "work"
    precious.mkdir(parents=True)
    (precious / "thesis.tex").write_text("years of work")
    bundle = stand_in_bundle(tmp_path / "download")
    result = run_script(bundle / "install-user.sh", home, LIBRARIAN_PREFIX=str(precious))
    assert result.returncode != 0
    assert "not a Librarian install" in result.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"


@needs_sh
def test_uninstall_leaves_someone_elses_librarian_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    other = home / ".local" / "bin" / "librarian"
    other.write_text("#!/bin/sh\necho another program\n")
    bundle = stand_in_bundle(tmp_path / "download")
    assert run_script(bundle / "install-user.sh", home).returncode == 0
    assert other.read_text() == "#!/bin/sh\necho another program\n"  # not overwritten
    prefix = home / ".local" / "opt" / "librarian"
    assert run_script(prefix / "uninstall-user.sh", home).returncode == 0
    assert other.exists()
