from pathlib import Path

import pytest

from desktop_app.core.paths import resolve_data_dir
from desktop_app.core.settings import DEFAULTS, Settings, limits


def test_round_trip(tmp_path: Path):
    path = tmp_path / "settings.json"
    Settings(search_results=9, exclude_patterns=["x/"]).save(path)
    loaded = Settings.load(path)
    assert loaded.search_results == 9 and loaded.exclude_patterns == ["x/"]


def test_damaged_file_gives_defaults_and_is_kept(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert Settings.load(path) == Settings()
    assert (tmp_path / "settings.json.broken").exists()


def test_unknown_keys_are_ignored(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_text('{"search_results": 3, "from_the_future": true}')
    assert Settings.load(path).search_results == 3


def test_data_dir_precedence(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LIBRARIAN_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == (tmp_path / "env").resolve()
    assert resolve_data_dir(tmp_path / "flag") == (tmp_path / "flag").resolve()
    monkeypatch.delenv("LIBRARIAN_DATA_DIR")
    assert resolve_data_dir().name == "Librarian"


def test_a_wrong_type_keeps_that_settings_default_only_and_says_so(tmp_path: Path):
    import json

    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "context_size": "big",  # wrong
                "temperature": 1,  # an int where a float goes: fine
                "lora_scale": True,  # a bool is no number
                "watched_folders": ["/docs", 3],  # not all strings
                "embedding_scripts": None,  # optional
                "model_path": "/models/qwen.gguf",
                "search_results": 7,
            }
        ),
        encoding="utf-8",
    )
    problems: list[str] = []
    settings = Settings.load(path, problems)
    assert (settings.model_path, settings.search_results) == ("/models/qwen.gguf", 7)
    assert settings.temperature == 1.0 and isinstance(settings.temperature, float)
    assert settings.context_size == Settings().context_size
    assert settings.lora_scale == 1.0 and settings.watched_folders == []
    assert len(problems) == 3 and any("context_size" in p and "'big'" in p for p in problems)


def test_every_setting_has_a_type_the_loader_checks():
    from dataclasses import fields

    from desktop_app.core.settings import _checked

    for spec in fields(Settings):
        _checked(getattr(Settings(), spec.name), str(spec.type))  # raises for an unknown type


def test_the_languages_a_model_writes_are_a_checked_mapping(tmp_path: Path):
    import json

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"writer_languages": {"m.gguf": ["en", "ru"]}}), encoding="utf-8")
    assert Settings.load(path).writer_languages == {"m.gguf": ["en", "ru"]}
    path.write_text(json.dumps({"writer_languages": {"m.gguf": "ru"}}), encoding="utf-8")
    problems: list[str] = []
    assert Settings.load(path, problems).writer_languages == {} and problems


def test_a_value_out_of_its_range_keeps_the_default_and_says_so(tmp_path: Path):
    import json

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"search_results": 500, "threads": 4, "context_size": 128}))
    problems: list[str] = []
    settings = Settings.load(path, problems)
    assert settings.threads == 4
    assert settings.search_results == DEFAULTS.search_results
    assert settings.context_size == DEFAULTS.context_size
    assert len(problems) == 2 and any("from 1 to 20" in p for p in problems), problems


def test_every_number_the_user_sets_has_a_range_holding_its_default():
    from dataclasses import fields

    numbers = [s.name for s in fields(Settings) if str(s.type) in ("int", "float")]
    assert set(numbers) - {"seed"} == {
        "embedding_batch_size", "chunk_max_tokens", "chunk_overlap_tokens", "max_file_mb",
        "parse_timeout_s", "search_results", "lora_scale", "context_size",
        "max_answer_tokens", "temperature", "threads", "gpu_layers",
    }  # fmt: skip
    for name in set(numbers) - {"seed"}:
        assert limits(name).holds(getattr(DEFAULTS, name)), name
    with pytest.raises(KeyError):
        limits("seed")


def test_the_services_defaults_are_the_settings_defaults():
    from desktop_app.core.chunking import ChunkingOptions
    from desktop_app.services.llm.config import LlmConfig

    config = LlmConfig("model.gguf")
    assert (config.context_size, config.threads, config.gpu_layers, config.lora_scale) == (
        DEFAULTS.context_size, DEFAULTS.threads, DEFAULTS.gpu_layers, DEFAULTS.lora_scale,
    )  # fmt: skip
    assert ChunkingOptions().max_tokens == DEFAULTS.chunk_max_tokens
