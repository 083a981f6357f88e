"""chromadb builds its components from dotted names in its settings (importlib at run time) and
reads its SQL migrations from files: neither is visible to PyInstaller's import analysis."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata


def _used(name: str) -> bool:
    # The HTTP server, the CLI, the test suite and the third-party embedding functions (which
    # would pull in onnxruntime and a dozen cloud SDKs) are never used: Librarian embeds itself.
    unused = (
        "chromadb.server",
        "chromadb.cli",
        "chromadb.test",
        "chromadb.utils.embedding_functions.",
    )
    return not name.startswith(unused)


hiddenimports = collect_submodules("chromadb", filter=_used)
datas = collect_data_files("chromadb", excludes=["**/test/**"]) + copy_metadata("chromadb")
