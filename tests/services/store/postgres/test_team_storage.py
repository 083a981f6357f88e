"""A team library searched by the app's own retriever: the same real files, parsed, embedded
by the real models and written to a real PostgreSQL server, are found as the local library
finds them (hybrid: BM25 in SQL, pgvector, fused as locally)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings.passage_vectors import embed_passages
from desktop_app.services.ingestion.parsing import ParseOptions, Parser, ParseRequest
from desktop_app.services.search.retrieval import EmptyScopeError, Retriever
from desktop_app.services.store.postgres.connection import connect
from desktop_app.services.store.postgres.documents import put_document
from desktop_app.services.store.postgres.team_init import TeamUrls, init_team_library
from desktop_app.services.store.postgres.team_storage import TeamCatalog, TeamSpaces
from tests.conftest import Embedders
from tests.e2e.faults import write_notes

pytestmark = pytest.mark.e2e

QUESTIONS = [
    "When does the ferry leave Porto?",
    "Where can I get fresh loaves in Galway?",
    "Туман над заливом",
    "Какая погода была ночью?",
    "lowest cloud condition and visibility at the accident site",
]


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory, embedders: Embedders, postgres: str
) -> Iterator[tuple[Library, Retriever, Path]]:
    """The same notes in a local library and in a team library; the team one searched by a
    retriever over its PostgreSQL storage, with the models the local library chose."""
    from bench.postgres_server import new_database

    root = tmp_path_factory.mktemp("both")
    write_notes(root / "docs", ["Cadiz", "Galway", "Porto", "Riga"])  # 24 notes, a PDF, Russian
    team: TeamUrls = init_team_library(new_database(postgres, "t_team_storage"))
    with Library(root / "local", Settings(), embedders=embedders) as library:
        library.index([root / "docs"])
        chosen = {s.info.key: s for s in library.spaces.searchable()}
        parser = Parser(ParseOptions())
        with connect(team.editor_url, autocommit=True) as editor:
            for path in sorted((root / "docs").iterdir()):
                parsed = parser.parse(ParseRequest(str(path)))
                texts = [chunk.text for chunk in parsed.chunks]
                vectors = {
                    space.embedder.fingerprint: embed_passages(
                        space.embedder, texts, space.info.sentence_scoring
                    )
                    for space in chosen.values()
                }
                put_document(editor, parsed, path.read_bytes(), vectors)
        with connect(team.member_url, autocommit=True) as member:
            catalog = TeamCatalog(member)
            spaces = TeamSpaces(catalog, {key: s.embedder for key, s in chosen.items()})
            retriever = Retriever(catalog, spaces)
            yield library, retriever, root / "docs"
            retriever.close()


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_team_library_finds_what_the_local_library_finds(both, question: str):
    library, team, _ = both
    here = library.search(question, k=3)
    there = team.search(question, k=3)
    # the same passage first (its text may take in other neighbours: fusion merges them)
    where = [(hits[0].path, hits[0].page, hits[0].start) for hits in (here, there)]
    assert where[0] == where[1], question
    assert there[0].dense  # ranked by meaning too


def test_every_model_the_local_library_searches_with_searches_the_team_library(both):
    library, team, _ = both
    local = sorted(s.info.key for s in library.spaces.searchable())
    assert sorted(s.info.key for s in team.spaces.searchable()) == local


def test_a_scoped_team_search_stays_in_its_documents(both):
    _, team, docs = both
    galway = [str(p) for p in docs.iterdir() if p.name.startswith("galway")]
    hits = team.search("When does the ferry leave?", k=5, within=galway)
    assert hits and all(h.path in galway for h in hits)
    with pytest.raises(EmptyScopeError):
        team.search("ferry", within=[str(docs / "not-indexed.txt")])
