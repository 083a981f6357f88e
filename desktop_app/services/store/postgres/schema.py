"""The team library's tables in PostgreSQL (schema `librarian`), and who may do what there.

Three roles: the admin who ran `librarian team init` owns everything; **editors** add, re-index
and remove documents; **members** search, ask and open documents. Neither can change a table:
a new embedding model's vector table is made by `librarian.create_space`, a function that runs
with the owner's rights and makes nothing else. What a member or an editor may not do is refused
by the database itself, whatever a client sends.

The statements are fixed text; the only names put into them (the roles', the vector extension's
schema) are quoted as identifiers by psycopg.sql, never pasted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

SCHEMA = "librarian"
VERSION = 2  # 2: BM25 from a postings table

TABLES = """
CREATE SCHEMA librarian;
CREATE TABLE librarian.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE librarian.documents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash text NOT NULL UNIQUE,  -- the same file added twice is stored once
    path text NOT NULL,  -- where the editor had it: the name every citation shows
    title text NOT NULL DEFAULT '',
    format text NOT NULL,
    pages integer,
    passages integer NOT NULL DEFAULT 0,
    size bigint NOT NULL,
    status text NOT NULL,
    reason text,
    original bytea,  -- the file itself: any member opens the cited page
    added_by text NOT NULL DEFAULT current_user,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE librarian.passages (
    id text PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES librarian.documents ON DELETE CASCADE,
    ordinal integer NOT NULL,
    page integer,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    text text NOT NULL,
    terms tsvector NOT NULL,  -- the app's own stems (core.lexical), with their positions
    length integer NOT NULL  -- its number of terms: BM25's passage length
);
CREATE INDEX documents_by_path ON librarian.documents (path text_pattern_ops);
CREATE INDEX passages_of_document ON librarian.passages (document_id);
-- BM25's postings, FTS5's own index as a table: how often each term occurs in each passage,
-- with what BM25 needs of the passage beside it, so that ranking reads only the postings of
-- the question's terms (unnesting each matching passage's tsvector cost 5x more at p95).
CREATE TABLE librarian.postings (
    term text NOT NULL,
    passage_id text NOT NULL,
    document_id bigint NOT NULL REFERENCES librarian.documents ON DELETE CASCADE,
    frequency integer NOT NULL,
    length integer NOT NULL,  -- the passage's, in terms
    -- what BM25 reads rides in the index: a term's postings are read from it alone
    PRIMARY KEY (term, passage_id) INCLUDE (frequency, length, document_id)
);
CREATE INDEX postings_of_document ON librarian.postings (document_id);
-- BM25's statistics, kept in step by each document's transaction (as FTS5 keeps its own):
-- how many passages hold each term, and how many passages and terms there are in all.
CREATE TABLE librarian.terms (term text PRIMARY KEY, passages integer NOT NULL);
CREATE TABLE librarian.totals (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    passages bigint NOT NULL,
    length bigint NOT NULL
);
INSERT INTO librarian.totals VALUES (true, 0, 0);
CREATE TABLE librarian.pages (  -- pages read by OCR: their text and word boxes
    document_id bigint NOT NULL REFERENCES librarian.documents ON DELETE CASCADE,
    number integer NOT NULL,
    text text NOT NULL,
    words bytea NOT NULL,  -- core.ocr_layout.pack_words, as the local catalog keeps them
    PRIMARY KEY (document_id, number)
);
CREATE TABLE librarian.spaces (  -- one per embedding model: the table of its vectors
    model text PRIMARY KEY,
    dimensions integer NOT NULL CHECK (dimensions BETWEEN 1 AND 2000),
    vectors text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""

# {vector}: the schema holding pgvector's type. The table name comes from the model's hash, and
# the dimensions are checked: nothing a caller sends becomes SQL text.
CREATE_SPACE = """
CREATE FUNCTION librarian.create_space(model text, dimensions integer) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    name text := 'vectors_' || substr(md5(model), 1, 16);
    found text;
BEGIN
    IF dimensions IS NULL OR dimensions NOT BETWEEN 1 AND 2000 THEN
        RAISE EXCEPTION 'a vector space has 1 to 2000 dimensions, not %', dimensions;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('librarian.create_space'));
    SELECT s.vectors INTO found FROM librarian.spaces s WHERE s.model = create_space.model;
    IF found IS NOT NULL THEN
        RETURN found;
    END IF;
    EXECUTE format(
        'CREATE TABLE librarian.%I (passage_id text PRIMARY KEY REFERENCES librarian.passages '
        'ON DELETE CASCADE, embedding {vector}.vector(%s) NOT NULL, sentences bytea)',
        name, dimensions);
    EXECUTE format(
        'CREATE INDEX ON librarian.%I USING hnsw (embedding {vector}.vector_cosine_ops)', name);
    INSERT INTO librarian.spaces (model, dimensions, vectors)
        VALUES (create_space.model, dimensions, name);
    RETURN name;
END
$body$;
"""

GRANTS = """
REVOKE ALL ON SCHEMA librarian FROM PUBLIC;
REVOKE ALL ON FUNCTION librarian.create_space(text, integer) FROM PUBLIC;
GRANT USAGE ON SCHEMA librarian TO {member}, {editor};
GRANT SELECT ON ALL TABLES IN SCHEMA librarian TO {member}, {editor};
GRANT INSERT, UPDATE, DELETE ON librarian.documents, librarian.passages, librarian.pages,
    librarian.terms, librarian.postings TO {editor};
GRANT UPDATE ON librarian.totals TO {editor};
GRANT EXECUTE ON FUNCTION librarian.create_space(text, integer) TO {editor};
ALTER DEFAULT PRIVILEGES IN SCHEMA librarian GRANT SELECT ON TABLES TO {member}, {editor};
ALTER DEFAULT PRIVILEGES IN SCHEMA librarian GRANT INSERT, UPDATE, DELETE ON TABLES TO {editor};
"""


def create(cursor: psycopg.Cursor[tuple[Any, ...]], member: str, editor: str) -> None:
    """The schema, its function and the roles' rights, in the cursor's transaction."""
    from psycopg import sql

    cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
    row = cursor.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'vector'"
    ).fetchone()
    assert row is not None  # made just above
    vector = sql.Identifier(str(row[0]))
    cursor.execute(TABLES)
    cursor.execute(sql.SQL(CREATE_SPACE).format(vector=vector))  # type: ignore[arg-type]
    roles = {"member": sql.Identifier(member), "editor": sql.Identifier(editor)}
    cursor.execute(sql.SQL(GRANTS).format(**roles))  # type: ignore[arg-type]
    cursor.execute(
        "INSERT INTO librarian.meta VALUES ('schema_version', %s), ('member_role', %s), "
        "('editor_role', %s)",
        (str(VERSION), member, editor),
    )
