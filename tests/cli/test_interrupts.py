"""Ctrl+C in a long command (cli.interrupts), with real SIGINTs sent to this process."""

from __future__ import annotations

import signal

import pytest

from desktop_app.cli.interrupts import cancel_on_ctrl_c
from desktop_app.core.cancel import CancelToken


def test_the_first_ctrl_c_cancels_with_a_notice_and_the_second_aborts(capsys):
    before = signal.getsignal(signal.SIGINT)
    notice = "stopping after the current batch"
    with pytest.raises(KeyboardInterrupt), cancel_on_ctrl_c(CancelToken(), notice) as cancel:
        signal.raise_signal(signal.SIGINT)
        assert cancel.cancelled
        assert f"{notice} (Ctrl+C again to abort)" in capsys.readouterr().err
        signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before  # the previous handler is back


def test_without_a_notice_ctrl_c_only_cancels(capsys):
    before = signal.getsignal(signal.SIGINT)
    with cancel_on_ctrl_c(CancelToken()) as cancel:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        assert cancel.cancelled
    assert capsys.readouterr().err == ""
    assert signal.getsignal(signal.SIGINT) is before
