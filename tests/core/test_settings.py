from pathlib import Path

from desktop_app.core.paths import resolve_data_dir
from desktop_app.core.settings import Settings


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
