"""The GGUF header reader behind the offload estimate and the adapter check, checked against
the `gguf` package."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.services.llm import LlmError, default_llm_path
from desktop_app.services.llm.gguf_info import model_footprint, read_header


def test_tensor_sizes_shapes_and_places_match_the_gguf_package() -> None:
    from gguf import GGUFReader

    path = default_llm_path()
    assert path is not None
    header = read_header(path)
    reference = GGUFReader(path)
    assert len(header.tensor_bytes) == len(reference.tensors)
    for tensor in reference.tensors:
        # Ours is the distance to the next tensor: the data plus its alignment padding.
        assert 0 <= header.tensor_bytes[tensor.name] - int(tensor.n_bytes) < 32, tensor.name
        ours = header.tensors[tensor.name]
        assert ours.shape == tuple(int(n) for n in tensor.shape), tensor.name
        assert (ours.kind, ours.start) == (int(tensor.tensor_type), int(tensor.data_offset))
    assert header.file_size == path.stat().st_size
    assert header.metadata["general.architecture"] == "llama"
    assert header.metadata["llama.block_count"] == 30
    assert header.metadata["tokenizer.ggml.tokens"] == 49152  # an array: its length


def test_truncated_model_is_a_clear_error(tmp_path: Path) -> None:
    path = default_llm_path()
    assert path is not None
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(path.read_bytes()[:200_000])  # the header is whole, the weights are not
    with pytest.raises(LlmError, match="damaged or truncated"):
        model_footprint(cut, 4096)
    header_only = tmp_path / "header.gguf"
    header_only.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(LlmError, match="damaged or truncated"):
        model_footprint(header_only, 4096)
