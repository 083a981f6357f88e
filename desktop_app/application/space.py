"""Will these files fit? An estimate of the disk space indexing them takes, said before a run
so that a full disk is no surprise (the run still stops cleanly if it fills: DiskFull).

Measured (2026-12, both default models, sentence vectors, int8 copies): 14.7 KB of library per
passage (catalog 2.2 KB, vector store 12.5 KB) on five PDFs of the eval set, 551 passages; a
passage comes from about 4.4 KB of PDF and 1 KB of plain text. A library of its own passages
measures its own bytes per passage instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.file_selection import FileSelector
from desktop_app.core.paths import DataPaths
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.health import free_bytes

BYTES_PER_PASSAGE = 14_700
PLENTY_BYTES = 20_000_000_000
_MEASURED_FROM = 200  # passages: from then on, the library's own figure
_SOURCE_BYTES_PER_PASSAGE = {".txt": 1_000, ".md": 1_000, ".html": 1_500, ".htm": 1_500}
_OTHER_SOURCE_BYTES_PER_PASSAGE = 4_400  # PDF, DOCX, images
_LOOKUP_BATCH = 500  # files whose catalog entries are read in one query


@dataclass(frozen=True, slots=True)
class SpaceEstimate:
    needed_mb: int
    free_mb: int

    @property
    def fits(self) -> bool:
        return self.needed_mb < self.free_mb

    def warning(self) -> str | None:
        if self.fits:
            return None
        return (
            f"These files need about {self.needed_mb} MB and the disk holding your library has "
            f"{self.free_mb} MB free: indexing stops when it is full (what is complete is kept)"
        )


def library_bytes(paths: DataPaths) -> int:
    total = 0
    for store in (paths.catalog, paths.vector_store):
        files = [store] if store.is_file() else store.rglob("*") if store.is_dir() else []
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total


def estimate(
    paths: DataPaths, catalog: Catalog, roots: Sequence[Path], excludes: Sequence[str]
) -> SpaceEstimate:
    """The space the new and changed files under `roots` will take (one stat each). With
    more than PLENTY free no file is looked at: that is room for well over a million passages,
    past what one library holds, and a re-scan of a big watched folder then costs no second
    walk of its files."""
    free = free_bytes(paths.root)
    if free >= PLENTY_BYTES:
        return SpaceEstimate(0, free // 1_000_000)
    passages = catalog.chunk_count()
    per_passage = BYTES_PER_PASSAGE
    if passages >= _MEASURED_FROM:
        per_passage = library_bytes(paths) // passages
    files = [str(p) for p in FileSelector(list(excludes)).expand(list(roots))]
    known = {}
    for n in range(0, len(files), _LOOKUP_BATCH):
        known.update(catalog.documents_at(files[n : n + _LOOKUP_BATCH]))
    expected = 0.0
    for file in files:
        try:
            stat = Path(file).stat()
        except OSError:
            continue
        doc = known.get(file)
        if doc is not None and doc.size == stat.st_size and doc.mtime_ns == stat.st_mtime_ns:
            continue  # unchanged: skipped by the run
        unit = _SOURCE_BYTES_PER_PASSAGE.get(Path(file).suffix.lower())
        expected += max(1.0, stat.st_size / (unit or _OTHER_SOURCE_BYTES_PER_PASSAGE))
    needed = int(expected * per_passage)
    return SpaceEstimate(needed // 1_000_000 + 1, free // 1_000_000)
