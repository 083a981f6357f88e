"""Pure-Python domain code: data types, text handling, chunking, ranking maths.

Nothing here imports Qt or a heavy library (torch, chromadb, pypdf, ...); an import-linter
contract in pyproject.toml enforces it, so the core stays fast to import and easy to test.
"""
