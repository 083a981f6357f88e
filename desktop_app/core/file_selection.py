"""Which files an indexing run looks at: supported formats, minus .gitignore-style excludes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

SUPPORTED_SUFFIXES = {
    ".pdf": "pdf",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    # Images are read by OCR (scans, photographed pages); a TIFF's pages are its pages.
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}


def file_dialog_filter() -> str:
    """The file dialog's filter, from the same list indexing uses."""
    patterns = " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
    return f"Documents ({patterns});;All files (*)"


def file_format(path: Path) -> str | None:
    return SUPPORTED_SUFFIXES.get(path.suffix.lower())


class FileSelector:
    """Expands files and folders into the supported files to index, honouring exclude patterns.

    Patterns use .gitignore syntax and are matched against the path relative to the folder that
    was added (so "drafts/" excludes every folder named drafts below it).
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        import pathspec  # here, not at the top: the window imports this module at start-up

        self._spec = pathspec.PathSpec.from_lines("gitignore", patterns)

    def excluded(self, relative: str, is_dir: bool) -> bool:
        return self._spec.match_file(relative + "/" if is_dir else relative)

    def expand(self, roots: Iterable[Path]) -> Iterator[Path]:
        seen: set[Path] = set()
        for root in roots:
            root = root.expanduser().resolve()
            if root.is_file():
                # A file named explicitly is indexed even if a pattern would exclude it.
                if file_format(root) and root not in seen:
                    seen.add(root)
                    yield root
                continue
            for path in self._walk(root):
                if path not in seen:
                    seen.add(path)
                    yield path

    def _walk(self, root: Path) -> Iterator[Path]:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            rel_dir = here.relative_to(root).as_posix()
            prefix = "" if rel_dir == "." else rel_dir + "/"
            dirnames[:] = sorted(d for d in dirnames if not self.excluded(prefix + d, True))
            for name in sorted(filenames):
                path = here / name
                if file_format(path) and not self.excluded(prefix + name, False):
                    yield path
