"""Paths of indexing requests that have not run to the end, kept in the catalog: a window
closed (or a process killed) mid-run resumes them at the next start."""

from __future__ import annotations

import json
from collections.abc import Sequence

from desktop_app.services.store.catalog import Catalog

_KEY = "pending_index"


class PendingIndex:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def paths(self) -> list[str]:
        raw = self._catalog.meta.get(_KEY)
        try:
            value = json.loads(raw) if raw else []
        except ValueError:
            return []
        return [str(p) for p in value] if isinstance(value, list) else []

    def forget(self) -> None:
        """The user cancelled on purpose: nothing is resumed at the next start."""
        self.set([])

    def set(self, paths: Sequence[str]) -> None:
        unique = list(dict.fromkeys(paths))
        self._catalog.meta.set(_KEY, json.dumps(unique, ensure_ascii=False))
