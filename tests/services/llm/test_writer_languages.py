"""What an answering model writes: the user's setting, the bundled model, the catalogue, the
GGUF's own metadata (read from a real file written with the `gguf` package)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.model_catalogue import load_catalogue
from desktop_app.services.llm import default_llm_path
from desktop_app.services.llm.languages import writer_languages


def gguf_with(path: Path, languages: list[str] | None) -> Path:
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "llama")
    if languages is not None:
        writer.add_array("general.languages", languages)
    writer.add_block_count(1)
    writer.add_tensor("output.weight", np.zeros(32, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_the_bundled_model_writes_english_only():
    bundled = default_llm_path()
    assert bundled is not None
    writer = writer_languages(bundled)
    assert writer.codes == ("en",) and not writer.writes("ru")


def test_the_users_setting_wins():
    bundled = default_llm_path()
    assert bundled is not None
    writer = writer_languages(bundled, {bundled.name: ["en", "ru"]})
    assert writer.codes == ("en", "ru") and writer.source == "your setting"


def test_a_catalogue_models_languages_come_from_the_catalogue(tmp_path: Path):
    entry = next(e for e in load_catalogue() if e.name == "llama3.2-3b")
    writer = writer_languages(tmp_path / entry.file)  # not even downloaded
    assert writer.codes == entry.languages and not writer.writes("ru")


def test_a_model_file_that_says_what_it_writes_and_one_that_does_not(tmp_path: Path):
    said = writer_languages(gguf_with(tmp_path / "said.gguf", ["en", "RU "]))
    assert said.codes == ("en", "ru") and said.source == "the model file"
    silent = writer_languages(gguf_with(tmp_path / "silent.gguf", None))
    assert silent.codes is None and silent.writes("ru")
    assert writer_languages(tmp_path / "missing.gguf").codes is None
