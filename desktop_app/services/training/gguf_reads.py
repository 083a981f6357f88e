"""What transformers reads from a GGUF model more than once, read once per training process.

transformers parses the whole file (`gguf.GGUFReader`, about 5 s for a 49k-token vocabulary
read element by element through numpy) once for the tokenizer, once for the configuration and
once for the weights, and asks gguf for the same tensor-name table once per module (397 times).
Both depend on their arguments alone and are only read, so each is built once: loading
SmolLM2-135M on 2 cores took 17.9-19.5 s with the table alone kept, 10.4-12.5 s with the parse
kept too (fresh processes, alternating; 2 s of it de-quantize the weights). transformers
imports both from gguf at each call (tests pin that), so replacing gguf's attributes reaches it.
"""

from __future__ import annotations

import functools
import os
from typing import Any


def remember_gguf_reads() -> None:
    import gguf

    if not hasattr(gguf.get_tensor_name_map, "cache_info"):
        gguf.get_tensor_name_map = functools.lru_cache(maxsize=8)(gguf.get_tensor_name_map)
    if not isinstance(gguf.GGUFReader, _RememberedReaders):
        gguf.GGUFReader = _RememberedReaders(gguf.GGUFReader)  # type: ignore[misc,assignment]


class _RememberedReaders:
    """Stands in for the GGUFReader class: the same file, unchanged since, is parsed once.
    One file is kept (a training process loads one model): its memory map stays open."""

    def __init__(self, reader_class: Any) -> None:
        self.reader_class = reader_class
        self._key: tuple[str, str, int, int] | None = None
        self._reader: Any = None

    def __call__(self, path: os.PathLike[str] | str, mode: str = "r") -> Any:
        if mode != "r":  # a writable map is not shared
            return self.reader_class(path, mode)
        stat = os.stat(path)
        key = (os.path.realpath(path), mode, stat.st_size, stat.st_mtime_ns)
        if key != self._key:
            self._reader, self._key = self.reader_class(path, mode), key
        return self._reader
