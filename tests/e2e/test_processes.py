"""Real processes: a run killed with SIGKILL resumes to the same index; a second process on the
same data directory is refused."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.application import Library
from desktop_app.core.settings import Settings
from tests.conftest import DIVERSE_PDFS, Embedders, needs_eval, vectors_match_catalog

pytestmark = pytest.mark.e2e

KILL_CORPUS = [
    "pdfminer_dmca.pdf",
    "pdfminer_naacl06-shinyama.pdf",
    "samplefiles_multicolumn.pdf",
    "samplefiles_pdflatex-4-pages.pdf",
    "docugami_ntsb_20080102X00002.pdf",
    "pypdf_Seige_of_Vicksburg_Sample_OCR.pdf",
    "samplefiles_google-doc-document.pdf",
    "pdfminer_encrypted_aes-256.pdf",
    "ocrmypdf_c02-22_scan.pdf",
]


def librarian(data_dir: Path, *args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def snapshot(data_dir: Path, embedders: Embedders) -> dict[str, object]:
    with Library(data_dir, Settings(), embedders=embedders) as library:
        docs = sorted(
            (d.path, d.status.value, d.reason, d.chunks, d.content_hash)
            for d in library.documents()
        )
        chunk_ids = library.catalog.all_chunk_ids()
        vector_ids = {
            space.record.model: set(library.vectors.ids(space.collection))
            for space in library.spaces.writable()
        }
        searches = {
            q: [(h.path, h.page, h.text) for h in library.search(q, k=3)]
            for q in ("copyright circumvention exemption", "siege of Vicksburg", "Chevroux fog")
        }
    return {"docs": docs, "chunks": chunk_ids, "vectors": vector_ids, "searches": searches}


@pytest.mark.long
@needs_eval
def test_run_killed_midway_then_resumed_equals_an_uninterrupted_run(
    tmp_path: Path, embedders: Embedders
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in KILL_CORPUS:
        shutil.copy(DIVERSE_PDFS / name, corpus / name)

    reference = tmp_path / "reference"
    done = librarian(reference, "index", str(corpus))
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err

    killed = tmp_path / "killed"
    proc = librarian(killed, "index", str(corpus))
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # wait until the first files are committed, then kill mid-run
        seen.append(line)
        if line.startswith("indexed"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # what is left of its output; closes the pipes
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    with Library(killed, Settings(), embedders=embedders) as library:
        partial = len([d for d in library.documents() if d.status.value == "indexed"])
    assert 0 < partial < 7

    resumed = librarian(killed, "index", "--json", str(corpus))
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    statuses = [r["status"] for r in json.loads(out)]
    assert statuses.count("unchanged") == partial  # finished files are not redone

    assert snapshot(killed, embedders) == snapshot(reference, embedders)


@pytest.mark.long
@needs_eval
def test_both_processes_killed_mid_write_leave_a_library_that_repairs_itself(
    tmp_path: Path, embedders: Embedders
):
    """The command and its vector store process die together (a power cut, a desktop crash):
    at the next open the index is checked against the catalog and repaired, and the
    interrupted run resumes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in KILL_CORPUS:
        shutil.copy(DIVERSE_PDFS / name, corpus / name)
    data = tmp_path / "data"
    proc = librarian(data, "index", str(corpus), start_new_session=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("indexed"):
            break
    os.killpg(proc.pid, signal.SIGKILL)  # the command, its vector store and its parser
    proc.communicate(timeout=30)  # what is left of its output; closes the pipes
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    with Library(data, Settings(), embedders=embedders) as library:
        assert library.documents()
        library.embeddings.check()
        library.embeddings.build()
        assert vectors_match_catalog(library) and library.embeddings.check() == []
        assert library.pending.paths() == [str(corpus.resolve())]
        library.index(library.pending.paths())
        assert vectors_match_catalog(library) and library.embeddings.check() == []
        assert len(library.documents()) == len(KILL_CORPUS)
        assert library.search("siege of Vicksburg", k=1, mode="dense")


def test_second_process_on_the_same_data_dir_is_refused(tmp_path: Path, embedders: Embedders):
    data = tmp_path / "data"
    with Library(data, Settings(), embedders=embedders):
        other = librarian(data, "docs")
        _, err = other.communicate(timeout=120)
    assert other.returncode == 1
    assert "another Librarian" in err and "is using the data directory" in err
    assert "Traceback" not in err
    # Once the first one is closed, the data directory is free again.
    again = librarian(data, "docs")
    again.communicate(timeout=120)
    assert again.returncode == 0


def test_environment_is_offline_in_subprocesses():
    code = "import desktop_app.services, os; print(os.environ['HF_HUB_OFFLINE'])"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "1"
