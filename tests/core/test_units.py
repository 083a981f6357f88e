"""Byte counts written one way: files in GB, memory in GiB."""

from desktop_app.core.units import GIB, file_size, memory


def test_files_count_in_gb_and_memory_in_gib():
    assert file_size(491_400_032, 2) == "0.49 GB"
    assert file_size(4_920_000_000) == "4.9 GB"
    assert memory(16 * GIB) == "16.0 GiB"  # not "17.2 GB"
    assert memory(1.5 * GIB) == "1.5 GiB"
