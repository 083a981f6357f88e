"""An int8 copy of a collection's vectors beside Chroma, memory-mapped and searched exactly.

Why: Chroma loads a collection's whole HNSW index into memory on its first use (4.6 GB and
5-11 s for the two models at a million passages), and its calls hold the vector store
process's GIL, so nothing else is answered there meanwhile. This copy (one byte per dimension:
0.9 GB for both models at a million) opens at once, so until Chroma's index is loaded the app
process searches it itself (VectorStoreProcess.query); and the vector store compares a small
scope's passages on it (VectorStore.query) instead of fetching their vectors from Chroma.

Files, per collection, in the vector store's `flat/` folder:
    NAME.i8     int8, rows x dimension: each vector scaled so its largest component is 127
    NAME.scale  float32 per row: makes the row a unit vector again; 0 for a removed row
    NAME.ids    ID_BYTES per row: its chunk id, ASCII, NUL-padded
    NAME.json   {"dimension", "rows", "live", "clean"}: rows written, rows not removed
The vector store writes it in step with Chroma: marked unclean, Chroma written, the copy
written, marked clean with its counts. A copy left unclean (a kill between the two, a full
disk, a library from before the copies), or whose live count differs from Chroma's when the
vector store opens the collection, is never searched: the vector store copies Chroma into it
anew (VectorStore.copy_step).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FOLDER = "flat"
ID_BYTES = 40  # a chunk id is "<20 hex digits>:<ordinal>" (services.store.catalog.chunk_id)
_SCAN_ROWS = 65536  # rows converted to float32 at a time: 25-33 MB, cache-friendly


class FlatIndex:
    """One collection's copy. Writes come from one process (the vector store's); searches may
    come from another at the same time: a search reads the rows the header counted."""

    def __init__(self, folder: Path, collection: str) -> None:
        self.folder = folder
        self.name = collection
        self._rows_of: dict[str, int] | None = None  # chunk id -> row, for writes; lazy

    def _file(self, suffix: str) -> Path:
        return self.folder / f"{self.name}.{suffix}"

    # The header
    def header(self) -> dict[str, Any] | None:
        try:
            found = json.loads(self._file("json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def clean(self) -> bool:
        header = self.header()
        return bool(header and header.get("clean"))

    def live(self) -> int:
        """Rows not removed: as many as Chroma holds, when the copy is clean."""
        return int((self.header() or {}).get("live", 0))

    def _write_header(
        self, rows: int, dimension: int | None, clean: bool, live: int | None = None
    ) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self._file("json.tmp")
        live = self.live() if live is None else live
        state = {"dimension": dimension, "rows": rows, "live": live, "clean": clean}
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self._file("json"))

    # Writing (the vector store process)
    def reset(self, clean: bool) -> None:
        """Empty the copy: `clean` for a collection that is empty too, else unclean until a
        copy of Chroma's vectors is complete."""
        for suffix in ("i8", "scale", "ids"):
            self._file(suffix).unlink(missing_ok=True)
        self._rows_of = {}
        self._write_header(0, None, clean, live=0)

    def begin(self) -> bool:
        """Before a write to Chroma: marks the copy unclean and says whether to keep it in step
        (False: it is stale already and waits to be copied anew)."""
        header = self.header()
        if not header or not header.get("clean"):
            return False
        self._write_header(header["rows"], header["dimension"], clean=False)
        return True

    def commit(self) -> None:
        """After the write to Chroma and to the copy: clean again."""
        header = self.header() or {"rows": 0, "dimension": None}
        self._write_header(header["rows"], header["dimension"], clean=True)

    def append(self, ids: Sequence[str], vectors: Any) -> None:
        """Add rows; a chunk id written before loses its old row."""
        import numpy as np

        if not len(ids):
            return
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        self.remove(ids)
        header = self.header() or {"rows": 0, "dimension": None}
        rows, dimension = header["rows"], header["dimension"] or matrix.shape[1]
        if matrix.shape[1] != dimension:
            raise ValueError(f"{self.name}: {matrix.shape[1]} dimensions, not {dimension}")
        largest = np.maximum(np.abs(matrix).max(axis=1, keepdims=True), 1e-12)
        quantised = np.rint(matrix / largest * 127).astype(np.int8)
        norms = np.linalg.norm(quantised.astype(np.float32), axis=1)
        scale = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 1.0).astype(np.float32)
        encoded = [cid.encode("ascii") for cid in ids]
        if max(len(e) for e in encoded) > ID_BYTES:
            raise ValueError(f"{self.name}: a chunk id longer than {ID_BYTES} bytes")
        # The header counts rows only once they are whole: a cut append is never read.
        for suffix, data in (
            ("i8", quantised.tobytes()),
            ("scale", scale.tobytes()),
            ("ids", np.array(encoded, dtype=f"S{ID_BYTES}").tobytes()),
        ):
            with self._file(suffix).open("r+b" if self._file(suffix).exists() else "wb") as out:
                out.seek(rows * {"i8": dimension, "scale": 4, "ids": ID_BYTES}[suffix])
                out.write(data)
        rows_of = self._rows()
        for offset, cid in enumerate(ids):
            rows_of[cid] = rows + offset
        self._write_header(rows + len(ids), dimension, clean=False, live=len(rows_of))

    def remove(self, ids: Sequence[str]) -> None:
        """Mark these chunks' rows removed (their scale 0): searches skip them."""
        rows_of = self._rows()
        doomed = sorted(row for cid in ids if (row := rows_of.pop(cid, None)) is not None)
        if not doomed:
            return
        with self._file("scale").open("r+b") as out:
            for row in doomed:
                out.seek(row * 4)
                out.write(b"\0\0\0\0")
        header = self.header() or {"rows": 0, "dimension": None}
        self._write_header(header["rows"], header["dimension"], clean=False, live=len(rows_of))

    def _rows(self) -> dict[str, int]:
        if self._rows_of is None:
            import numpy as np

            header = self.header() or {"rows": 0}
            rows_of: dict[str, int] = {}
            if header["rows"]:
                ids = np.fromfile(self._file("ids"), dtype=f"S{ID_BYTES}", count=header["rows"])
                scale = np.fromfile(self._file("scale"), dtype=np.float32, count=header["rows"])
                live = np.flatnonzero(scale != 0)
                names = (name.decode("ascii") for name in ids[live].tolist())
                rows_of = dict(zip(names, live.tolist(), strict=True))
            self._rows_of = rows_of
        return self._rows_of

    def know_rows(self) -> None:
        """Read which row holds each chunk now (seconds at a million) rather than at the
        first scoped search or write."""
        self._rows()

    def sound(self) -> bool:
        """Whether the files are as the header says: a header that reads, and each file as
        long as its rows (bytes overwritten inside a file are not seen: the copy is refilled
        whenever Chroma's count and its own differ). Missing files are sound: a new copy."""
        path = self._file("json")
        if not path.exists():
            return True
        header = self.header()
        if header is None or not isinstance(header.get("rows"), int):
            return False
        rows, dimension = header["rows"], header.get("dimension") or 0
        widths = {"i8": dimension, "scale": 4, "ids": ID_BYTES}
        for suffix, width in widths.items():
            file = self._file(suffix)
            size = file.stat().st_size if file.exists() else 0
            if size < rows * width:
                return False
        return True

    def set_aside(self) -> None:
        """Move a damaged copy's files aside (dated); the copy starts anew, to be refilled."""
        from desktop_app.services.store.health import set_aside

        for suffix in ("i8", "scale", "ids", "json"):
            if self._file(suffix).exists():
                set_aside(self._file(suffix))
        self._rows_of = None

    def drop(self) -> None:
        for suffix in ("i8", "scale", "ids", "json"):
            self._file(suffix).unlink(missing_ok=True)
        self._rows_of = None

    # Searching
    def _opened(self, query: Sequence[float]) -> tuple[Any, Any, Any, Any] | None:
        """The unit query and the copy's rows as its header counts them (vectors, factors,
        ids, memory-mapped or read; no rows for an empty copy); None when the copy is not
        there, not clean, of another dimension, or being replaced (files shorter than the
        header says)."""
        import numpy as np

        header = self.header()
        if not header or not header.get("clean"):
            return None
        q = np.asarray(query, dtype=np.float32)
        if not header.get("live"):
            return q, None, np.empty(0, dtype=np.float32), None
        rows, dimension = int(header["rows"]), header["dimension"]
        if dimension != len(q):
            return None
        try:
            matrix = np.memmap(self._file("i8"), dtype=np.int8, mode="r", shape=(rows, dimension))
            scale = np.fromfile(self._file("scale"), dtype=np.float32, count=rows)
            ids = np.memmap(self._file("ids"), dtype=f"S{ID_BYTES}", mode="r", shape=(rows,))
        except (OSError, ValueError):
            return None
        if len(scale) < rows:
            return None
        return q / max(float(np.linalg.norm(q)), 1e-12), matrix, scale, ids

    def search(self, query: Sequence[float], n: int) -> list[tuple[str, float]] | None:
        """The `n` rows nearest the query (chunk id, cosine similarity), best first, compared
        exactly; any process may search. None when the copy cannot be used (_opened)."""
        import numpy as np

        opened = self._opened(query)
        if opened is None or n <= 0:
            return None
        q, matrix, scale, ids = opened
        rows = len(scale)
        if rows == 0:
            return []
        scores = np.empty(rows, dtype=np.float32)
        for start in range(0, rows, _SCAN_ROWS):
            block = matrix[start : start + _SCAN_ROWS]
            scores[start : start + len(block)] = block.astype(np.float32) @ q
        scores *= scale
        scores[scale == 0] = -np.inf
        n = min(n, rows)
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best])]
        try:
            return [
                (ids[row].decode("ascii"), float(scores[row])) for row in best if scale[row] != 0
            ]
        except UnicodeDecodeError:  # overwritten ids: the vector store answers instead
            return None

    def search_among(
        self, query: Sequence[float], ids: Sequence[str], n: int
    ) -> list[tuple[str, float]] | None:
        """The `n` of these chunks nearest the query, compared exactly; for the process that
        writes the copy (it knows each chunk's row). None when the copy cannot be used."""
        import numpy as np

        opened = self._opened(query)
        if opened is None:
            return None
        q, matrix, scale, names = opened
        rows_of = self._rows()
        rows = np.array(sorted({rows_of[cid] for cid in ids if cid in rows_of}), dtype=np.int64)
        rows = rows[rows < len(scale)]  # rows written after the header was read
        if not len(rows) or n <= 0:
            return []
        scores = (matrix[rows].astype(np.float32) @ q) * scale[rows]
        order = np.argsort(-scores)[:n]
        return [(names[rows[i]].decode("ascii"), float(scores[i])) for i in order]
