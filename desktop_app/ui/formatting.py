"""Short human texts for numbers the window shows (pure functions, tested without Qt)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.cancel import IndexProgress, ReembedProgress


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def index_progress(progress: IndexProgress) -> str:
    """'3 of 12 files · report.pdf · 14 passages/s · 1 min 05 s left', and for a scan
    '… · scan.pdf: OCR of page 3 of 6 · …'"""
    parts = [f"{progress.files_done} of {progress.files_total} files"]
    if progress.current_path:
        name = Path(progress.current_path).name
        if progress.ocr_page is not None:
            page, pages = progress.ocr_page
            of = f" of {pages}" if pages > 1 else ""
            name = f"{name}: OCR of page {page}{of}"
        parts.append(name)
    if progress.elapsed_s > 1 and progress.chunks_embedded:
        parts.append(f"{progress.chunks_embedded / progress.elapsed_s:.0f} passages/s")
    eta = progress.eta_s
    if eta is not None:
        parts.append(f"{duration(eta)} left")
    return " · ".join(parts)


def reembed_progress(progress: ReembedProgress) -> str:
    """'Re-embedding for USE-m3: 1,200 of 5,000 passages · 3 min 10 s left', or for a
    repair 'Repairing the index (USE-m3): 1,234 of 1,234 passages · …'"""
    doing = (
        f"Repairing the index ({progress.model})"
        if progress.repair
        else f"Re-embedding for {progress.model}"
    )
    parts = [f"{doing}: {progress.done:,} of {progress.total:,} passages"]
    eta = progress.eta_s
    if eta is not None:
        parts.append(f"{duration(eta)} left")
    return " · ".join(parts)


def source_label(path: str, page: int | None) -> str:
    name = Path(path).name
    return f"{name}, p. {page}" if page is not None else name
