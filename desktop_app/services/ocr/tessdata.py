"""Where Tesseract's language data is: the app's bundle first, then the system's places."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Debian/Ubuntu (tesseract-ocr-eng, -rus, ...), Fedora, Homebrew, MacPorts, the Windows installer.
_SYSTEM_PLACES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
    "/opt/local/share/tessdata",
    r"C:\Program Files\Tesseract-OCR\tessdata",
)


def tessdata_candidates() -> list[Path]:
    places: list[Path] = []
    for variable in ("LIBRARIAN_TESSDATA", "TESSDATA_PREFIX"):
        value = os.environ.get(variable)
        if value:
            places.append(Path(value))
    bundle = getattr(sys, "_MEIPASS", None)  # the frozen app carries its own copy
    if bundle:
        places.append(Path(bundle) / "tessdata")
    places.extend(Path(p) for p in _SYSTEM_PLACES)
    return places


def find_tessdata(languages: list[str] | tuple[str, ...]) -> Path | None:
    """The first place that has any of `languages`, preferring one that has them all."""
    found = [p for p in tessdata_candidates() if p.is_dir()]
    for place in found:
        if all((place / f"{lang}.traineddata").is_file() for lang in languages):
            return place
    for place in found:
        if any((place / f"{lang}.traineddata").is_file() for lang in languages):
            return place
    return None


def installed_languages(place: Path) -> list[str]:
    return sorted(p.stem for p in place.glob("*.traineddata") if p.stem != "osd")
