"""Tesseract 5 through tesserocr (its wheel carries libtesseract and leptonica; only the language
data comes from the system or the bundle). One engine per process keeps the models loaded:
starting the `tesseract` program per page (pytesseract) costs the model load every time.

Orientation: a page scanned upside down or sideways is turned first, by Tesseract's own
orientation detector (osd.traineddata), when that data is there. Skew of a few degrees is
handled by Tesseract's layout analysis itself (measured on ocrmypdf_skew_scan.pdf)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import LibrarianError
from desktop_app.core.ocr_layout import OcrWord, page_from_words
from desktop_app.core.records import PageText
from desktop_app.services.ocr.tessdata import find_tessdata, installed_languages

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)

INSTALL_HINT = "install tesseract-ocr (with its eng and rus data) to read it"
# Below this the orientation detector is guessing (it reports ~10-15 on a clear page).
_MIN_ORIENTATION_CONFIDENCE = 2.0
_MIN_SIDE_PX = 64  # smaller images hold no text worth reading (icons, bullets)


class OcrUnavailable(LibrarianError):
    """OCR cannot run here: the engine or its language data is missing."""


@dataclass(frozen=True, slots=True)
class OcrStatus:
    """What `doctor` and the Library panel say about OCR."""

    available: bool
    engine: str  # "Tesseract 5.5.4" or what is missing
    tessdata: str  # where the language data is, "" if nowhere
    languages: tuple[str, ...]  # the wanted languages that are installed, in the order asked
    installed: tuple[str, ...]  # every language the data folder has
    problem: str = ""

    def describe(self) -> str:
        if not self.available:
            return f"not available: {self.problem}"
        return f"{self.engine}, languages {'+'.join(self.languages)} (data in {self.tessdata})"


def ocr_status(languages: list[str] | tuple[str, ...]) -> OcrStatus:
    try:
        import tesserocr
    except ImportError as exc:
        return OcrStatus(False, "tesserocr missing", "", (), (), f"{exc}; {INSTALL_HINT}")
    engine = f"Tesseract {tesserocr.tesseract_version().split()[1]}"
    place = find_tessdata(list(languages))
    if place is None:
        problem = f"no Tesseract language data found; {INSTALL_HINT}"
        return OcrStatus(False, engine, "", (), (), problem)
    installed = tuple(installed_languages(place))
    usable = tuple(lang for lang in languages if lang in installed)
    if not usable:
        problem = f"none of the languages {', '.join(languages)} is installed in {place}"
        return OcrStatus(False, engine, str(place), (), installed, problem)
    return OcrStatus(True, engine, str(place), usable, installed)


class OcrEngine:
    """Reads page images into PageText with word boxes. Not thread-safe: one per thread."""

    def __init__(self, languages: list[str] | tuple[str, ...]) -> None:
        self.status = ocr_status(languages)
        if not self.status.available:
            raise OcrUnavailable(self.status.problem)
        # Tesseract's OpenMP threads fight the embedder for the same cores: one is faster.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr

        place = self.status.tessdata
        self._api: Any = tesserocr.PyTessBaseAPI(
            path=place, lang="+".join(self.status.languages), psm=tesserocr.PSM.AUTO
        )
        self._osd: Any = None
        if (Path(place) / "osd.traineddata").is_file():
            self._osd = tesserocr.PyTessBaseAPI(
                path=place, lang="osd", psm=tesserocr.PSM.OSD_ONLY, oem=tesserocr.OEM.TESSERACT_ONLY
            )

    def close(self) -> None:
        for api in (self._api, self._osd):
            if api is not None:
                api.End()

    def read(self, image: Image, number: int) -> PageText:
        """The text of `image` as page `number`; boxes are fractions of the image as given."""
        import tesserocr

        width, height = image.size
        if min(width, height) < _MIN_SIDE_PX:
            return PageText(number, "", ())
        gray = image.convert("L")
        turn = self._orientation(gray)
        if turn:
            gray = gray.rotate(turn, expand=True)
        self._api.SetImage(gray)
        self._api.Recognize()
        words: list[OcrWord] = []
        level = tesserocr.RIL.WORD
        iterator = self._api.GetIterator()
        if iterator is not None:
            while True:
                text = iterator.GetUTF8Text(level)
                box = iterator.BoundingBox(level)
                if text and box:
                    left, top, right, bottom = _unturn(box, turn, gray.size)
                    words.append(
                        OcrWord(
                            text,
                            left,
                            top,
                            right,
                            bottom,
                            line_start=iterator.IsAtBeginningOf(tesserocr.RIL.TEXTLINE),
                            paragraph_start=iterator.IsAtBeginningOf(tesserocr.RIL.PARA),
                        )
                    )
                if not iterator.Next(level):
                    break
        self._api.Clear()
        return page_from_words(number, words, width, height)

    def _orientation(self, gray: Image) -> int:
        """Degrees (counter-clockwise) that put the page's text upright; 0 when unsure."""
        if self._osd is None:
            return 0
        try:
            self._osd.SetImage(gray)
            found = self._osd.DetectOrientationScript()
        except RuntimeError:  # too little text to tell
            return 0
        finally:
            self._osd.Clear()
        if not found or found.get("orient_conf", 0.0) < _MIN_ORIENTATION_CONFIDENCE:
            return 0
        return int(found.get("orient_deg", 0)) % 360


def _unturn(
    box: tuple[int, int, int, int], turn: int, turned_size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """A box on the image turned by `turn` degrees counter-clockwise, back on the original."""
    left, top, right, bottom = box
    w, h = turned_size
    if turn == 90:  # original (x, y) went to (y, W - x), W = original width = turned height
        return h - bottom, left, h - top, right
    if turn == 180:
        return w - right, h - bottom, w - left, h - top
    if turn == 270:  # original (x, y) went to (H - y, x), H = original height = turned width
        return top, w - right, bottom, w - left
    return box
