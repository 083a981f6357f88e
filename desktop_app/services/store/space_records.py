"""What the catalog records about each vector space (services.store.vector_spaces): the model,
the weights its vectors were made with, the Chroma collection holding them, and whether they
are complete. Kept as JSON in the catalog's meta table, so that the catalog stays the one
source of truth about the library."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from desktop_app.services.embeddings import Embedder
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.vector_store import LEGACY_COLLECTION

log = logging.getLogger(__name__)

_SPACES_KEY = "vector_spaces"
_LEGACY_MODEL_KEY = "embedding_model"  # the one model's fingerprint, before vector spaces


@dataclass(slots=True)
class SpaceRecord:
    model: str  # the model's key (core.embedding_models)
    fingerprint: str  # the weights the vectors were made with
    collection: str
    complete: bool
    # Every passage has its sentence vectors (models with sentence_scoring). False in records
    # written before sentence vectors were stored: services.store.sentence_backfill adds them.
    sentences: bool = False


def same_weights(fingerprint: str, other: str) -> bool:
    """Fingerprints are "name:digest"; the name is the model folder's and differs between an
    installed and a packaged copy of the same weights, so only the digest counts."""
    return fingerprint.rsplit(":", 1)[-1] == other.rsplit(":", 1)[-1]


def collection_name(model: str, fingerprint: str) -> str:
    """A Chroma collection name ([a-zA-Z0-9._-], 3-512 characters) for a model's vectors."""
    slug = "".join(c if c.isalnum() else "-" for c in model.lower())[-24:].strip("-") or "model"
    return f"{slug}-{hashlib.sha1(fingerprint.encode()).hexdigest()[:10]}"


def read_records(catalog: Catalog, embedders: Mapping[str, Embedder]) -> list[SpaceRecord]:
    raw = catalog.meta.get(_SPACES_KEY)
    if raw:
        try:
            return [SpaceRecord(**item) for item in json.loads(raw)]
        except (ValueError, TypeError) as exc:
            log.warning("unreadable vector space records (%s): rebuilding them", exc)
            return []
    legacy = catalog.meta.get(_LEGACY_MODEL_KEY)
    if legacy is None:
        return []
    # A library from before vector spaces: one complete collection of one model.
    # (VectorSpaces.choose() renames it to whichever chosen model has the same weights.)
    model = next(
        (k for k, e in embedders.items() if same_weights(e.fingerprint, legacy)),
        legacy.split(":")[0],
    )
    return [SpaceRecord(model, legacy, LEGACY_COLLECTION, True)]


def write_records(catalog: Catalog, records: list[SpaceRecord]) -> None:
    written = json.dumps([asdict(r) for r in records])
    if catalog.meta.get(_SPACES_KEY) != written:  # opening a library writes nothing
        catalog.meta.set(_SPACES_KEY, written)
