"""The core and the CLI entry must stay light: heavy libraries are imported lazily."""

import subprocess
import sys

HEAVY = [
    "torch",
    "sentence_transformers",
    "onnxruntime",
    "chromadb",
    "llama_cpp",
    "pypdf",
    "PySide6",
    "numpy",
]


def imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_imports_nothing_heavy():
    modules = imported_after(
        "import desktop_app.core.chunking, desktop_app.core.fusion, desktop_app.core.records"
    )
    assert not modules & set(HEAVY)


def test_opening_a_library_imports_nothing_heavy():
    modules = imported_after("import desktop_app.cli.main, desktop_app.application")
    assert not modules & set(HEAVY)
