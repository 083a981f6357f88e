"""What the window says about an exception: the shared wording (core.errors.describe), and for
a bug its traceback in the log, whose path the message names."""

from __future__ import annotations

import logging

from desktop_app.core import log_files
from desktop_app.core.errors import BUG_MESSAGE, describe, is_bug

log = logging.getLogger(__name__)


def user_message(exc: BaseException, doing: str = "a background job") -> str:
    """The one sentence to show for `exc`; a bug is logged with its traceback first."""
    if is_bug(exc):
        log.error("%s failed", doing, exc_info=exc, extra=log_files.SHOWN)
    else:
        log.info("%s: %s", doing, exc)
    return describe(exc, log_files.main_log())


def is_bug_message(message: str) -> bool:
    """True for the message user_message gives a bug: the window offers to open the log."""
    return message.startswith(BUG_MESSAGE)
