"""Shared fixtures. Every test runs with its own data directory and settings (napari style);
the real embedding model is loaded once per session because loading costs seconds."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

# No test opens a real window: Qt draws offscreen (test_installed_app.py's app gets Xvfb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.application import Library
from desktop_app.core.embedding_models import E5, MINILM, USE_M3
from desktop_app.core.settings import Settings
from desktop_app.services.embeddings import Embedder, make_embedder
from desktop_app.services.llm import LlmEngine, default_llm_path
from tests.hf_server import FILE, REPO_ID, HubServer

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("LIBRARIAN_EVAL_DIR", REPO.parent / "shared" / "eval"))
DIVERSE_PDFS = EVAL_DIR / "pdfs" / "diverse"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Every skip for missing evaluation data names the folder, so that CI, which sets
# LIBRARIAN_EVAL=required, turns those skips into failures: a machine without the data must not
# pass by testing less.
EVAL_ABSENT = "../shared/eval"
EVAL_REQUIRED = os.environ.get("LIBRARIAN_EVAL") == "required"

needs_eval = pytest.mark.skipif(
    not DIVERSE_PDFS.is_dir(), reason=f"the shared evaluation documents ({EVAL_ABSENT}) are absent"
)


def pytest_configure(config: pytest.Config) -> None:
    """With LIBRARIAN_TEST_PIN=1, each pytest-xdist worker runs on its own share of the CPUs,
    and so do its children (the parser, the vector store, a `librarian` started by a test):
    each sizes its threads to that share (core.cpus). Unpinned, two workers on 2 cores each
    run llama.cpp, ONNX Runtime and torch with 2 threads, 4 busy threads on 2 cores: a test
    took up to 2.6 times its time alone. Not the default: in one pinned run the full-disk
    window test left Chroma's delete waiting after the disk had room again (README, Tests).

    No test reads or writes the keyring of the person running them (nor does a `librarian`
    they start): team-library passwords go to the data directory's file, as on a system with
    no keyring, unless a test sets a keyring of its own (tests/services/test_credentials.py)."""
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1...
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if not worker or workers < 2 or os.environ.get("LIBRARIAN_TEST_PIN") != "1":
        return
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        share = cpus[int(worker.removeprefix("gw")) % workers :: workers]
        if share:
            os.sched_setaffinity(0, share)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if EVAL_REQUIRED and report.skipped and EVAL_ABSENT in str(report.longrepr):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"LIBRARIAN_EVAL=required, but {reason}"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "default-data"
    monkeypatch.setenv("LIBRARIAN_DATA_DIR", str(data))
    return data


Embedders = Mapping[str, Embedder]


@pytest.fixture(scope="session")
def embedders() -> Embedders:
    """The built-in embedding models (the default library uses e5 and USE-m3; the earlier
    default, USE-m3 and MiniLM, is the fallback and a choice), loaded once."""
    models = {key: make_embedder(key) for key in (E5, USE_M3, MINILM)}
    for model in models.values():
        model.load()
    return models


@pytest.fixture
def loaded_models(monkeypatch: pytest.MonkeyPatch, embedders: Embedders) -> None:
    """The command line run in this process (main([...])) uses the session's embedding
    models, the real ones, already loaded, instead of loading them for every command (seconds
    each): for tests of the command line. Those that run `librarian` in a process of its own
    still load them as a user's command does."""
    opened, loaded = Library.__init__, embedders

    def with_loaded_models(
        self: Library,
        data_dir: str | Path | None = None,
        settings: Settings | None = None,
        embedders: Mapping[str, Embedder] | None = None,
        team_or_local: bool = False,
    ) -> None:
        chosen = embedders if embedders is not None else loaded
        opened(self, data_dir, settings, chosen, team_or_local)

    monkeypatch.setattr(Library, "__init__", with_loaded_models)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The admin's URL of a real PostgreSQL 16 server with pgvector, one per test worker."""
    from bench.postgres_server import postgres_server

    with postgres_server(tmp_path_factory.mktemp("postgres")) as admin_url:
        yield admin_url


@pytest.fixture
def team_database(postgres: str, request: pytest.FixtureRequest) -> str:
    """The admin's URL of a new, empty database for this test (its roles named after it)."""
    from bench.postgres_server import new_database

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40]
    return new_database(postgres, name)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """A loopback stand-in for Hugging Face serving the bundled model as REPO_ID/FILE
    (tests/hf_server.py); downloads go to it."""
    model = default_llm_path()
    assert model is not None
    with HubServer({f"{REPO_ID}/{FILE}": model}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)  # a download's child process inherits it
        yield server


@pytest.fixture
def library(tmp_path: Path, embedders: Embedders) -> Iterator[Library]:
    with Library(tmp_path / "library", Settings(), embedders=embedders) as lib:
        yield lib


def vectors_match_catalog(library: Library) -> bool:
    """Every chosen model's vector space holds exactly one vector per passage."""
    counts = library.spaces.counts()
    chunks = library.catalog.chunk_count()
    return bool(counts) and all(counts[m] == chunks for m in library.spaces.chosen)


@pytest.fixture
def engine() -> Iterator[LlmEngine]:
    """An LLM engine (nothing loaded yet), closed after the test."""
    model = LlmEngine()
    yield model
    model.close()
