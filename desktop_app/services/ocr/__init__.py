"""Reading text from images: Tesseract 5 through tesserocr, with its language data found on
the system or in the app's bundle. Used by the parser process for scanned pages and images."""

from desktop_app.services.ocr.engine import OcrEngine, OcrStatus, ocr_status

__all__ = ["OcrEngine", "OcrStatus", "ocr_status"]
