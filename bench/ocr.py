"""OCR speed (pages/s) and accuracy (character error rate against reference texts) of the app.

    python -m bench.ocr [--pages N] [--json] [--dump DIR]

Cases, each read by the app's own engine (OcrEngine: tesserocr, languages eng+rus, orientation
detection, page segmentation AUTO), on pages drawn as the app draws them for OCR (PDFium, 300
dpi, grayscale):

  linn-scan    ocrmypdf_linn_scan.pdf, a real two-column 300 dpi scan; reference
               ocrmypdf_linn.expected.txt (itself Tesseract's reading, corrected by hand or not)
  en-clean     N pages of pdfminer_dmca.pdf from page 2; reference: the page's own text layer
  ru-clean     N pages of debian_texlive-ru.pdf from page 5 (dense with TeX logos and paths)
  ru-clean-b   N pages of debian_texlive-ru.pdf from page 28 (fewer logos, more prose)
  en-degraded  the en-clean and ru-clean pages drawn at 200 dpi, turned 1.5 degrees (white
  ru-degraded  fill), blurred (Gaussian, radius 1) and noised (Gaussian, sigma 12 gray levels,
               seeded: the same image every run)

Only pages without pictures are taken (a picture's words are not in the text layer). The text
layer is put in the order its lines stand on the page, as OCR reads them: dmca.pdf stores its
page footer and footnotes right after the header.

CER = Levenshtein distance / reference length, summed over a case's pages; WER the same over
words. Both sides are normalized alike: the app's normalize_text (NFKC, a word hyphenated at a
line's end joined), typographic quotes and dashes folded to ASCII (’‘“”«» to ' and ", —– to -),
every run of whitespace one space. Nothing else is dropped or folded: page headers and footers,
numbers, bullets and case all count. CER* also folds the Cyrillic letters that look exactly like
Latin ones (diagnostic only: "ТЕХ" in Cyrillic for "TEX" is a real miss for search). Times are
OcrEngine.read alone; rendering is timed apart.

Then, on the same images: the tesserocr binding against pytesseract (the `tesseract` program
run once per page) with and without OMP_THREAD_LIMIT=1; the clean pages at 200 against 300 dpi;
and other engine settings (one language instead of eng+rus, page segmentation SINGLE_COLUMN).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import EVAL, print_json

if TYPE_CHECKING:
    from PIL.Image import Image

DIVERSE = EVAL / "pdfs" / "diverse"
LINN_PDF = DIVERSE / "ocrmypdf_linn_scan.pdf"
LINN_TEXT = DIVERSE / "ocrmypdf_linn.expected.txt"
EN_PDF = DIVERSE / "pdfminer_dmca.pdf"
RU_PDF = DIVERSE / "debian_texlive-ru.pdf"
# case -> (PDF with a good text layer, first page taken, degraded copy made as this case)
RENDERED = {
    "en-clean": (EN_PDF, 2, "en-degraded"),
    "ru-clean": (RU_PDF, 5, "ru-degraded"),
    "ru-clean-b": (RU_PDF, 28, ""),
}
MAIN_CASES = ("linn-scan", "en-clean", "ru-clean", "ru-clean-b", "en-degraded", "ru-degraded")
CLEAN_CASES = ("en-clean", "ru-clean", "ru-clean-b")
APP_LANGUAGES = ("eng", "rus")
APP_DPI = 300
LOW_DPI = 200
BLUR_RADIUS = 1.0
NOISE_SIGMA = 12.0
TURN_DEGREES = 1.5
SEED = 1234
MIN_PAGE_CHARS = 1500
GOAL_CLEAN_CER = 0.03
GOAL_LINN_CER = 0.08

# Typography only: the references and the OCR differ in which quote or dash they print.
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛‹›′`´", "'"),
        **dict.fromkeys("“”„‟«»″", '"'),
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    }
)
# Not typography but a diagnostic: Cyrillic letters drawn exactly like Latin ones. With eng+rus
# Tesseract may pick the other script's letter ("ТЕХ" for "TEX", "Ha" for "на"); a search for
# the word then misses it, so CER counts it, and CER* shows how much of the error is that.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХаеорсух", "ABEKMHOPCTXaeopcyx")


@dataclass
class Sample:
    label: str  # "pdfminer_dmca.pdf p2"
    image: Image
    reference: str
    render_s: float = 0.0


@dataclass
class Score:
    pages: int = 0
    ocr_s: float = 0.0
    render_s: float = 0.0
    char_edits: int = 0
    chars: int = 0
    folded_edits: int = 0
    word_edits: int = 0
    words: int = 0
    page_cer: dict[str, float] = field(default_factory=dict)

    def add(self, sample: Sample, text: str, ocr_s: float) -> None:
        hyp, ref = canonical(text), canonical(sample.reference)
        edits = levenshtein(hyp, ref)
        self.pages += 1
        self.ocr_s += ocr_s
        self.render_s += sample.render_s
        self.char_edits += edits
        self.chars += len(ref)
        self.folded_edits += levenshtein(hyp.translate(_LOOKALIKES), ref.translate(_LOOKALIKES))
        self.word_edits += levenshtein(*_words_as_chars(hyp.split(), ref.split()))
        self.words += len(ref.split())
        self.page_cer[sample.label] = round(edits / max(1, len(ref)), 4)

    @property
    def cer(self) -> float:
        return self.char_edits / max(1, self.chars)

    def figures(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "cer": round(self.cer, 4),
            "cer_lookalikes_folded": round(self.folded_edits / max(1, self.chars), 4),
            "wer": round(self.word_edits / max(1, self.words), 4),
            "s_per_page": round(self.ocr_s / max(1, self.pages), 3),
            "pages_per_s": round(self.pages / self.ocr_s, 3) if self.ocr_s else None,
            "render_s_per_page": round(self.render_s / max(1, self.pages), 3),
            "reference_chars": self.chars,
            "page_cer": self.page_cer,
        }


# --- text ------------------------------------------------------------------------------------


def canonical(text: str) -> str:
    from desktop_app.core.text_quality import normalize_text

    return " ".join(normalize_text(text).translate(_TYPOGRAPHY).split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance, bit-parallel (Myers 1999, Hyyrö's global form) on Python integers:
    len(a) steps of a few big-integer operations on len(b) bits."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    last = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & last:
            score += 1
        elif mh & last:
            score -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return score


def _words_as_chars(a: list[str], b: list[str]) -> tuple[str, str]:
    """Two word lists as strings of one character per distinct word, for a word-level distance."""
    codes: dict[str, str] = {}
    for word in (*a, *b):
        codes.setdefault(word, chr(0x10000 + len(codes)))
    return "".join(codes[w] for w in a), "".join(codes[w] for w in b)


def text_layer(pdf: Any, number: int) -> str:
    """The reference text of a page: PDFium's text layer, its lines in the order they stand on
    the page (top to bottom, a row's pieces left to right). The layer's own order can differ
    from the eye's: dmca.pdf puts its page footer and footnotes right after the page header.
    PDFium marks a hyphen that breaks a word at a line's end (U+FFFE); the word is joined, as
    the app's OCR joins it."""
    textpage = pdf[number - 1].get_textpage()
    text: str = textpage.get_text_range()
    if len(text) != textpage.count_chars():  # characters beyond the BMP: keep PDFium's order
        raw: str = textpage.get_text_bounded()
        return re.sub("[\x02\ufffe](\r?\n)?", "", raw)
    lines: list[tuple[float, float, float, str]] = []  # middle, height, left, text
    for found in re.finditer(r"[^\r\n]+", text):
        boxes = [
            textpage.get_charbox(i)
            for i in range(found.start(), found.end())
            if not text[i].isspace()
        ]
        if boxes:
            middle = statistics.median((bottom + top) / 2 for _, bottom, _, top in boxes)
            height = statistics.median(top - bottom for _, bottom, _, top in boxes)
            lines.append((middle, height, min(box[0] for box in boxes), found.group()))
    lines.sort(key=lambda line: -line[0])  # PDF y grows upwards
    rows: list[list[tuple[float, float, float, str]]] = []
    for line in lines:
        if rows and rows[-1][0][0] - line[0] < 0.5 * max(rows[-1][0][1], line[1]):
            rows[-1].append(line)
        else:
            rows.append([line])
    ordered = "\n".join(
        " ".join(part[3] for part in sorted(row, key=lambda p: p[2])) for row in rows
    )
    return re.sub("[\x02\ufffe]\n?", "", ordered)


def text_pages(pdf: Any, first: int, count: int) -> list[int]:
    """`count` pages from `first` on that are mostly text: no pictures (a picture's words are
    not in the text layer, so OCR would be blamed for reading them) and MIN_PAGE_CHARS or more."""
    import pypdfium2.raw as pdfium_c

    chosen: list[int] = []
    for number in range(first, len(pdf) + 1):
        page = pdf[number - 1]
        pictures = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))
        if not pictures and page.get_textpage().count_chars() >= MIN_PAGE_CHARS:
            chosen.append(number)
        if len(chosen) == count:
            break
    return chosen


# --- images -----------------------------------------------------------------------------------


def render(pdf: Any, number: int, dpi: int) -> Image:
    image: Image = pdf[number - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    return image


def degrade(image: Image, seed: int) -> Image:
    """A scanner's faults: the page turned a little, its edges soft, its grays noisy."""
    import numpy as np
    from PIL import Image as PilImage
    from PIL import ImageFilter

    turned = image.convert("L").rotate(
        TURN_DEGREES, resample=PilImage.Resampling.BICUBIC, expand=True, fillcolor=255
    )
    blurred = turned.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    pixels = np.asarray(blurred, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, NOISE_SIGMA, pixels.shape)
    return PilImage.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), mode="L")


def build_cases(pages: int) -> dict[str, list[Sample]]:
    """Every case's images and references; the clean cases also at LOW_DPI ("en-clean@200")."""
    import pypdfium2

    from desktop_app.services.ingestion.extraction.page_images import OCR_DPI, PdfPageImages

    assert OCR_DPI == APP_DPI, f"the app renders at {OCR_DPI} dpi now; update the bench"
    started = time.perf_counter()
    linn = PdfPageImages(LINN_PDF.read_bytes()).render(1)
    assert linn is not None
    linn_sample = Sample(
        LINN_PDF.name, linn, LINN_TEXT.read_text(encoding="utf-8"), time.perf_counter() - started
    )
    cases: dict[str, list[Sample]] = {"linn-scan": [linn_sample]}
    for name, (path, first, degraded_name) in RENDERED.items():
        data = path.read_bytes()
        app_pages = PdfPageImages(data)
        pdf = pypdfium2.PdfDocument(data)
        clean, low, degraded = [], [], []
        for number in text_pages(pdf, first, pages):
            label = f"{path.name} p{number}"
            reference = text_layer(pdf, number)
            started = time.perf_counter()
            image = app_pages.render(number)  # the app's own rendering
            assert image is not None
            clean.append(Sample(label, image, reference, time.perf_counter() - started))
            started = time.perf_counter()
            image = render(pdf, number, LOW_DPI)
            low_s = time.perf_counter() - started
            low.append(Sample(label, image, reference, low_s))
            if degraded_name:
                started = time.perf_counter()
                spoiled = degrade(image, SEED + number)
                spoil_s = time.perf_counter() - started
                degraded.append(Sample(label, spoiled, reference, low_s + spoil_s))
        cases[name] = clean
        cases[f"{name}@{LOW_DPI}"] = low
        if degraded_name:
            cases[degraded_name] = degraded
    return cases


# --- reading ----------------------------------------------------------------------------------

Reader = Callable[["Image"], str]


def engine_reader(engine: Any) -> Reader:
    def read(image: Image) -> str:
        text: str = engine.read(image, 1).text
        return text

    return read


def bare_reader(languages: str) -> tuple[Reader, Callable[[], None]]:
    """The tesserocr binding alone: recognition with segmentation AUTO, no orientation pass."""
    import tesserocr

    from desktop_app.services.ocr.tessdata import find_tessdata

    place = find_tessdata(languages.split("+"))
    api = tesserocr.PyTessBaseAPI(path=str(place), lang=languages, psm=tesserocr.PSM.AUTO)

    def read(image: Image) -> str:
        api.SetImage(image)
        text: str = api.GetUTF8Text()
        api.Clear()
        return text

    return read, api.End


@contextlib.contextmanager
def omp_limit(value: str | None) -> Iterator[None]:
    """OMP_THREAD_LIMIT for the programs started inside; None: unset."""
    before = os.environ.get("OMP_THREAD_LIMIT")
    if value is None:
        os.environ.pop("OMP_THREAD_LIMIT", None)
    else:
        os.environ["OMP_THREAD_LIMIT"] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = before


def pytesseract_reader(languages: str, omp: str | None) -> Reader | str:
    """A reader through pytesseract (psm 3 = AUTO, as the app), or why there is none."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception as exc:  # noqa: BLE001 - module or program missing: the row is skipped
        return f"skipped ({type(exc).__name__}: {exc})"

    def read(image: Image) -> str:
        with omp_limit(omp):
            text: str = pytesseract.image_to_string(image, lang=languages, config="--psm 3")
        return text

    return read


def run(read: Reader, samples: list[Sample], texts: list[str] | None = None) -> Score:
    score = Score()
    for sample in samples:
        started = time.perf_counter()
        text = read(sample.image)
        score.add(sample, text, time.perf_counter() - started)
        if texts is not None:
            texts.append(text)
    return score


# --- the bench --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages per rendered case (3)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--dump", type=Path, help="write each page's image and normalized OCR and reference here"
    )
    args = parser.parse_args()

    from desktop_app.services.ocr.engine import OcrEngine

    started = time.perf_counter()
    engine = OcrEngine(APP_LANGUAGES)  # sets OMP_THREAD_LIMIT=1 unless it is set already
    load_s = time.perf_counter() - started
    cases = build_cases(args.pages)
    app = engine_reader(engine)
    warm = cases["linn-scan"][0].image
    app(warm.crop((0, 0, warm.width, warm.height // 4)))  # first use, not timed

    results: dict[str, Any] = {
        "engine": engine.status.describe(),
        "dpi": APP_DPI,
        "engine_load_s": round(load_s, 3),
        "normalization": (
            "normalize_text (NFKC, line-end hyphenation joined); typographic quotes and dashes "
            "folded to ASCII; whitespace runs to one space; case and all content kept"
        ),
    }
    scores: dict[str, Score] = {}
    for name in MAIN_CASES:
        texts: list[str] = []
        scores[name] = run(app, cases[name], texts)
        if args.dump:
            dump(args.dump, name, cases[name], texts)
    results["cases"] = {name: scores[name].figures() for name in MAIN_CASES}
    worst = max(CLEAN_CASES, key=lambda name: scores[name].cer)
    results["goal_clean_cer"] = goal(scores[worst].cer, GOAL_CLEAN_CER, f"worst: {worst}")
    results["goal_linn_cer"] = goal(scores["linn-scan"].cer, GOAL_LINN_CER, "linn-scan")
    results["bindings"] = compare_bindings(cases, app)
    results["dpi_compare"] = {
        name: {
            str(LOW_DPI): run(app, cases[f"{name}@{LOW_DPI}"]).figures(),
            str(APP_DPI): scores[name].figures(),
        }
        for name in CLEAN_CASES
    }
    results["settings"] = compare_settings(cases, scores, engine)
    engine.close()

    if args.json:
        print_json(results)
    else:
        print_tables(results)


def compare_bindings(cases: dict[str, list[Sample]], app: Reader) -> dict[str, Any]:
    """The same images read through tesserocr (in process) and pytesseract (a program a page)."""
    compared = cases["linn-scan"][:1] + cases["ru-clean"][:1]
    languages = "+".join(APP_LANGUAGES)
    bare, end_bare = bare_reader(languages)
    readers: list[tuple[str, Reader | str]] = [
        ("tesserocr, app engine (OSD + recognize)", app),
        ("tesserocr, recognize only", bare),
        ("pytesseract, OMP_THREAD_LIMIT=1", pytesseract_reader(languages, "1")),
        ("pytesseract, OpenMP threads unlimited", pytesseract_reader(languages, None)),
    ]
    rows: dict[str, Any] = {}
    base: Score | None = None
    for name, read in readers:
        if isinstance(read, str):
            rows[name] = {"skipped": read}
            continue
        score = run(read, compared)
        base = base or score
        rows[name] = score.figures() | {"time_vs_app": round(score.ocr_s / base.ocr_s, 3)}
    end_bare()
    return {"images": [sample.label for sample in compared], "rows": rows}


def compare_settings(
    cases: dict[str, list[Sample]], scores: dict[str, Score], engine: Any
) -> dict[str, Any]:
    """The app's engine with one language, and with page segmentation SINGLE_COLUMN."""
    import tesserocr

    from desktop_app.services.ocr.engine import OcrEngine

    app_name = f"{'+'.join(APP_LANGUAGES)}, psm AUTO (app)"
    settings: dict[str, dict[str, Any]] = {app_name: {}}
    variants: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        ("eng only", ("eng",), ("linn-scan", "en-clean", "en-degraded")),
        ("rus only", ("rus",), ("ru-clean", "ru-clean-b", "ru-degraded")),
    ]
    for name, languages, names in variants:
        single = OcrEngine(languages)
        settings[name] = {case: run(engine_reader(single), cases[case]).figures() for case in names}
        single.close()
    column = ("linn-scan", *CLEAN_CASES)
    engine._api.SetPageSegMode(tesserocr.PSM.SINGLE_COLUMN)  # the app's engine, one change
    try:
        settings[f"{'+'.join(APP_LANGUAGES)}, psm SINGLE_COLUMN"] = {
            case: run(engine_reader(engine), cases[case]).figures() for case in column
        }
    finally:
        engine._api.SetPageSegMode(tesserocr.PSM.AUTO)
    for case in dict.fromkeys(c for by_case in settings.values() for c in by_case):
        settings[app_name][case] = scores[case].figures()
    return settings


def goal(value: float, limit: float, measured_on: str) -> dict[str, Any]:
    return {"cer": round(value, 4), "limit": limit, "met": value <= limit, "on": measured_on}


def dump(folder: Path, name: str, samples: list[Sample], texts: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, (sample, text) in enumerate(zip(samples, texts, strict=True), 1):
        stem = folder / f"{name}-{n}"
        stem.with_suffix(".ocr.txt").write_text(canonical(text) + "\n", encoding="utf-8")
        reference = canonical(sample.reference) + "\n"
        stem.with_suffix(".ref.txt").write_text(reference, encoding="utf-8")
        sample.image.save(stem.with_suffix(".png"))


def print_tables(results: dict[str, Any]) -> None:
    print(f"{results['engine']}, pages drawn at {results['dpi']} dpi")
    print(f"engine load {results['engine_load_s']} s (once per process)")
    print(f"texts compared after: {results['normalization']}")
    print("CER* = CER with Cyrillic letters that look like Latin ones folded (diagnostic)")
    print()
    print(
        f"{'case':<12} {'pages':>5} {'CER':>7} {'CER*':>7} {'WER':>7} {'s/page':>7} "
        f"{'pages/s':>7} {'render s/p':>10}"
    )
    for name, row in results["cases"].items():
        print(
            f"{name:<12} {row['pages']:>5} {row['cer']:>7.2%} {row['cer_lookalikes_folded']:>7.2%} "
            f"{row['wer']:>7.2%} {row['s_per_page']:>7.2f} {row['pages_per_s']:>7.3f} "
            f"{row['render_s_per_page']:>10.2f}"
        )
    for key in ("goal_clean_cer", "goal_linn_cer"):
        g = results[key]
        verdict = "met" if g["met"] else "NOT met"
        print(f"{key}: CER {g['cer']:.2%} ({g['on']}) <= {g['limit']:.0%}: {verdict}")
    print()
    print(f"bindings, the same images ({', '.join(results['bindings']['images'])}):")
    print(f"{'reader':<40} {'CER':>7} {'s/page':>7} {'time / app engine':>18}")
    for name, row in results["bindings"]["rows"].items():
        if "skipped" in row:
            print(f"{name:<40} {row['skipped']}")
        else:
            print(
                f"{name:<40} {row['cer']:>7.2%} {row['s_per_page']:>7.2f} "
                f"{row['time_vs_app']:>18.2f}"
            )
    print()
    print("rendering resolution (app engine; the app draws at 300 dpi):")
    print(f"{'case':<12} {'dpi':>4} {'CER':>7} {'CER*':>7} {'s/page':>7} {'render s/p':>10}")
    for name, by_dpi in results["dpi_compare"].items():
        for dpi, row in by_dpi.items():
            print(
                f"{name:<12} {dpi:>4} {row['cer']:>7.2%} {row['cer_lookalikes_folded']:>7.2%} "
                f"{row['s_per_page']:>7.2f} {row['render_s_per_page']:>10.2f}"
            )
    print()
    print("engine settings (app engine with one thing changed):")
    print(f"{'setting':<28} {'case':<12} {'CER':>7} {'CER*':>7} {'s/page':>7}")
    for name, by_case in results["settings"].items():
        for case, row in by_case.items():
            print(
                f"{name:<28} {case:<12} {row['cer']:>7.2%} {row['cer_lookalikes_folded']:>7.2%} "
                f"{row['s_per_page']:>7.2f}"
            )


if __name__ == "__main__":
    main()
