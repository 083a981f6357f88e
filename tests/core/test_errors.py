"""The one wording of errors for every front end: user errors as written, bugs to the log."""

from __future__ import annotations

import errno
from pathlib import Path

from desktop_app.core.errors import BUG_MESSAGE, LibrarianError, UsageError, describe, is_bug


def test_an_error_written_for_the_user_is_shown_as_it_is():
    exc = UsageError("-k must be at least 1\nsecond line")
    assert not is_bug(exc)
    assert describe(exc) == "-k must be at least 1"


def test_every_service_error_is_a_librarian_error():
    from desktop_app.services.embeddings import EmbeddingModelError
    from desktop_app.services.ingestion.extraction import SkipFile
    from desktop_app.services.llm import LlmError
    from desktop_app.services.store.catalog import CatalogError
    from desktop_app.services.store.conversations import ConversationNotFound
    from desktop_app.services.store.instance_lock import DataDirInUse
    from desktop_app.services.store.vector_index import VectorStoreError

    for kind in (
        CatalogError,
        ConversationNotFound,
        EmbeddingModelError,
        SkipFile,
        DataDirInUse,
        LlmError,
        VectorStoreError,
    ):
        assert issubclass(kind, LibrarianError), kind


def test_the_machines_own_conditions_are_sentences_not_bugs():
    full = OSError(errno.ENOSPC, "No space left on device")
    assert not is_bug(full) and describe(full).startswith("The disk is full")
    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/library")
    assert not is_bug(denied) and describe(denied) == "Permission denied: /srv/library"
    not_a_folder = NotADirectoryError(errno.ENOTDIR, "Not a directory", "/tmp/a-file/x")
    assert not is_bug(not_a_folder)
    assert describe(not_a_folder) == "Not a directory: /tmp/a-file/x"


def test_a_bug_points_to_the_log_instead_of_a_python_message(tmp_path: Path):
    log = tmp_path / "logs" / "librarian.log"
    for exc in (TypeError("'NoneType' object is not subscriptable"), BrokenPipeError()):
        assert is_bug(exc)
        message = describe(exc, log)
        assert message.startswith(BUG_MESSAGE) and str(log) in message
        assert "NoneType" not in message


def test_a_full_disk_is_a_sentence_not_an_errno():
    message = describe(OSError(errno.ENOSPC, "No space left on device"))
    assert message.startswith("The disk is full") and "kept" in message
