"""The log files: each process its own rotating file, tracebacks of bugs, native crashes."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

from desktop_app.core import log_files
from tests.conftest import REPO


def test_records_go_to_the_file_and_shutdown_gives_everything_back(tmp_path: Path):
    hooks = (sys.excepthook, threading.excepthook)
    path = log_files.setup(tmp_path / "logs", hooks=True)
    try:
        assert path == tmp_path / "logs" / "librarian.log" == log_files.main_log()
        assert log_files.child_config() == log_files.LogConfig(tmp_path / "logs", False)
        logging.getLogger("desktop_app.test").info("indexing finished: %d files", 3)
        logging.getLogger("desktop_app.test").debug("only with --verbose")
        try:
            raise TypeError("a bug")
        except TypeError as exc:
            logging.getLogger("desktop_app.test").error("job failed", exc_info=exc)
    finally:
        log_files.shutdown()
    text = path.read_text(encoding="utf-8")
    assert "indexing finished: 3 files" in text and "only with --verbose" not in text
    assert "Traceback" in text and "TypeError: a bug" in text
    assert (sys.excepthook, threading.excepthook) == hooks
    assert log_files.main_log() is None and log_files.child_config() is None


def test_an_unusable_folder_leaves_logging_on_stderr_only(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    try:
        assert log_files.setup(blocker / "logs") is None
        assert log_files.main_log() is None
    finally:
        log_files.shutdown()


def test_a_native_crash_and_an_uncaught_thread_exception_are_written_down(tmp_path: Path):
    code = (
        "import faulthandler, threading, sys\n"
        "from pathlib import Path\n"
        "from desktop_app.core import log_files\n"
        f"log_files.setup(Path({str(tmp_path / 'logs')!r}), hooks=True)\n"
        "t = threading.Thread(target=lambda: 1 / 0, name='loader'); t.start(); t.join()\n"
        "faulthandler._sigsegv()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    crashes = (tmp_path / "logs" / "crashes.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in crashes
    log = (tmp_path / "logs" / "librarian.log").read_text(encoding="utf-8")
    assert "uncaught exception in thread loader" in log and "ZeroDivisionError" in log
