"""Byte counts for people, written one way everywhere: files in GB (10^9 bytes, as file
managers and model hubs count them), memory in GiB (2^30 bytes, as a machine's memory is
counted: 16 GiB of RAM reads 16.0, not 17.2 GB)."""

from __future__ import annotations

GB = 10**9
GIB = 2**30


def file_size(size: float, digits: int = 1) -> str:
    """'0.49 GB' (digits=2) for a file, a download or free disk space."""
    return f"{size / GB:.{digits}f} GB"


def memory(size: float) -> str:
    """'15.5 GiB' for RAM or GPU memory."""
    return f"{size / GIB:.1f} GiB"
