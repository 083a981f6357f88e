"""Secrets in the keyring where there is one, else in a file only the user can read."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop_app.services.credentials import SERVICE, SecretStore


class MemoryKeyring(KeyringBackend):
    """A keyring in memory: the logic around a system keyring, without the user's own."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.kept.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def system_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(fail.Keyring())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_a_keyring_secrets_go_to_a_file_only_the_user_can_read(tmp_path: Path):
    store = SecretStore(tmp_path / "team-secrets.json")
    assert "readable by you only (this system has no keyring)" in store.where()
    store.put("lab", "s3cret")
    store.put("desk", "other")
    assert mode(store.fallback) == 0o600
    assert store.get("lab") == "s3cret" and store.get("nobody") is None
    store.delete("lab")
    assert store.get("lab") is None and store.get("desk") == "other"


def test_a_secrets_file_made_readable_by_others_is_made_private_again(tmp_path: Path):
    path = tmp_path / "team-secrets.json"
    path.write_text("{}")
    path.chmod(0o644)
    SecretStore(path).put("lab", "s3cret")
    assert mode(path) == 0o600


def test_with_a_keyring_nothing_is_written_to_the_data_directory(
    tmp_path: Path, system_keyring: MemoryKeyring
):
    store = SecretStore(tmp_path / "team-secrets.json")
    assert store.where() == "the system's keyring (MemoryKeyring)"
    store.put("lab", "s3cret")
    assert system_keyring.kept == {(SERVICE, "lab"): "s3cret"}
    assert not store.fallback.exists() and store.get("lab") == "s3cret"
    store.delete("lab")
    store.delete("lab")  # twice: nothing there, no error
    assert system_keyring.kept == {}


def test_a_secret_kept_in_the_file_before_a_keyring_was_installed_is_still_found(
    tmp_path: Path,
):
    store = SecretStore(tmp_path / "team-secrets.json")
    store.put("lab", "from-before")
    keyring.set_keyring(MemoryKeyring())
    try:
        assert store.get("lab") == "from-before"
        store.delete("lab")
        assert store.get("lab") is None
    finally:
        keyring.set_keyring(fail.Keyring())
