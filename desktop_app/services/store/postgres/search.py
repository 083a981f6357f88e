"""A team library searched: by words (BM25, computed as the local library's FTS5 computes it,
from the same stems) and by meaning (pgvector), in all documents or in a scope of some.

BM25 here is FTS5's: k1 = 1.2, b = 0.75, a term's weight log((N - n + 0.5) / (n + 0.5)) (at
least 1e-6), passage lengths in terms; N, n, the lengths and each term's frequency in each
passage (the postings table, read only for the question's terms) are what each document's
transaction keeps (services.store.postgres.documents). As locally, the question's terms are
taken rarest first while their passages add up to POSTINGS_BUDGET.

Every value is a parameter; table names come from the `spaces` table and are quoted as
identifiers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from desktop_app.services.store.lexical_search import POSTINGS_BUDGET
from desktop_app.services.store.postgres.documents import tokens, vector_text

if TYPE_CHECKING:
    import psycopg

K1, B = 1.2, 0.75

_BM25 = """
SELECT t.passage_id, sum(w.idf * t.frequency * (%(k1)s + 1)
       / (t.frequency + %(k1)s * (1 - %(b)s + %(b)s * t.length / %(average)s))) AS score
FROM librarian.postings t
JOIN unnest(%(terms)s::text[], %(idf)s::float8[]) AS w(term, idf) ON w.term = t.term
WHERE t.term = ANY(%(terms)s::text[]) {scope}
GROUP BY t.passage_id ORDER BY score DESC, t.passage_id LIMIT %(limit)s
"""


def lexical(
    connection: psycopg.Connection[tuple[Any, ...]],
    terms: Sequence[str],
    limit: int,
    documents: Sequence[int] | None = None,
) -> list[tuple[str, float]]:
    """(passage id, BM25 score), best first, within `documents` when given."""
    terms = list(dict.fromkeys(t for term in terms for t in tokens(term)))
    if not terms or documents == []:
        return []
    totals = connection.execute("SELECT passages, length FROM librarian.totals").fetchone()
    assert totals is not None
    passages, length = int(totals[0]), int(totals[1])
    if passages == 0:
        return []
    rows = connection.execute(
        "SELECT term, passages FROM librarian.terms WHERE term = ANY(%s)", (list(terms),)
    ).fetchall()
    counts = {str(term): int(n) for term, n in rows}
    kept = _affordable(counts, documents is None)
    if not kept:
        return []
    idf = [max(math.log((passages - counts[t] + 0.5) / (counts[t] + 0.5)), 1e-6) for t in kept]
    from psycopg import sql

    scope = sql.SQL("AND t.document_id = ANY(%(documents)s)" if documents is not None else "")
    ranked = connection.execute(
        sql.SQL(_BM25).format(scope=scope),
        {
            "k1": K1, "b": B, "average": length / passages, "terms": kept, "idf": idf,
            "limit": limit, "documents": list(documents or ()),
        },
    ).fetchall()  # fmt: skip
    return [(str(r[0]), float(r[1])) for r in ranked]


def dense(
    connection: psycopg.Connection[tuple[Any, ...]],
    model: str,
    vector: Sequence[float],
    limit: int,
    documents: Sequence[int] | None = None,
) -> list[tuple[str, float]]:
    """(passage id, cosine similarity), best first: by the HNSW index over the whole library,
    exactly within a scope (an index scan filtered afterwards could return fewer than `limit`)."""
    from psycopg import sql

    if documents == []:
        return []
    row = connection.execute("SELECT vectors FROM librarian.spaces WHERE model = %s", (model,))
    found = row.fetchone()
    if found is None:
        return []
    table = sql.Identifier("librarian", str(found[0]))
    wanted = vector_text(vector)
    with connection.transaction():
        connection.execute(
            sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(max(40, 2 * limit)))
        )
        if documents is None:
            query = sql.SQL(
                "SELECT passage_id, 1 - (embedding <=> %s) FROM {} "
                "ORDER BY embedding <=> %s LIMIT %s"
            ).format(table)
            rows = connection.execute(query, (wanted, wanted, limit)).fetchall()
        else:
            # "+ 0": an ordering the index cannot serve, so every passage in scope is compared
            query = sql.SQL(
                "SELECT v.passage_id, 1 - (v.embedding <=> %s) FROM {} v "
                "JOIN librarian.passages p ON p.id = v.passage_id "
                "WHERE p.document_id = ANY(%s) ORDER BY (v.embedding <=> %s) + 0 LIMIT %s"
            ).format(table)
            rows = connection.execute(query, (wanted, list(documents), wanted, limit)).fetchall()
    return [(str(r[0]), float(r[1])) for r in rows]


def _affordable(counts: dict[str, int], whole_library: bool) -> list[str]:
    """The terms present, rarest first, while their passages add up to the budget (the rarest
    always); within a scope every term."""
    ordered = sorted(counts, key=lambda t: (counts[t], t))
    if not whole_library:
        return ordered
    kept: list[str] = []
    spent = 0
    for term in ordered:
        if kept and spent + counts[term] > POSTINGS_BUDGET:
            break
        kept.append(term)
        spent += counts[term]
    return kept

