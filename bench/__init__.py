"""Benchmarks: `python -m bench.indexing`, `python -m bench.retrieval DIR`. Not part of CI."""
