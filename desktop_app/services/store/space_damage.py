"""How a complete vector space differs from the catalog (the source of truth), found by
reading both: passages without a vector, vectors of no passage, an index a search cannot reach,
passages without their sentence vectors."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.core.embedding_models import describe
from desktop_app.core.log_files import SHOWN
from desktop_app.services.store.catalog import Catalog
from desktop_app.services.store.space_records import SpaceRecord
from desktop_app.services.store.vector_index import VectorIndex

log = logging.getLogger(__name__)

_MINOR_MISSING = 50  # passages without a vector that a model's ranking may miss meanwhile


@dataclass(frozen=True, slots=True)
class Damage:
    """How a complete space differs from the catalog."""

    model: str
    missing: int  # passages without a vector
    extra: int  # vectors of passages the catalog does not have
    unreachable: bool  # vectors counted but not found by a search (index files lost)
    passages: int = 0  # in the catalog
    unsentenced: int = 0  # passages without their sentence vectors (a model that scores them)

    @property
    def major(self) -> bool:
        """Too much is missing for this model's ranking to be fair (its vectors lost, or
        being rebuilt): search leaves it out until the repair is done, and goes by words
        and the other models meanwhile."""
        return self.unreachable or self.missing > max(_MINOR_MISSING, self.passages // 50)

    def describe(self) -> str:
        if self.unreachable:
            what = "its search index files are missing or damaged"
        else:
            parts = [f"{self.missing:,} passages have no vector"] if self.missing else []
            parts += [f"{self.extra:,} vectors belong to no passage"] if self.extra else []
            if self.unsentenced:
                parts.append(f"{self.unsentenced:,} passages have no sentence vectors")
            what = " and ".join(parts)
        return f"The index of {describe(self.model).label} needs repair: {what}"


def find_damage(
    catalog: Catalog, store: VectorIndex, records: Sequence[SpaceRecord]
) -> dict[str, Damage]:
    """The damage of each of these (complete) spaces, by collection; reads only."""
    stored = catalog.all_chunk_ids()
    found: dict[str, Damage] = {}
    for record in records:
        have = set(store.ids(record.collection))
        reachable = store.reachable(record.collection)
        missing, extra = len(stored - have), len(have - stored)
        unsentenced = 0
        if record.sentences and describe(record.model).sentence_scoring:
            # A damaged sentence file is set aside and starts empty: counted here.
            unsentenced = len((stored & have) - store.sentence_ids(record.collection))
        if missing or extra or not reachable or unsentenced:
            damage = Damage(record.model, missing, extra, not reachable, len(stored), unsentenced)
            log.warning(
                "%s", damage.describe(), extra=SHOWN
            )  # EmbeddingIndex.check's callers say it
            found[record.collection] = damage
    return found
