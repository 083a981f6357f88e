"""Secrets (a team library's password) in the OS keyring, or in a file only the user can read.

The keyring is the system's own: Keychain on macOS, Credential Manager on Windows, the Secret
Service (GNOME Keyring, KWallet) on Linux. A bare Linux session has none: then the secret goes
into a file of mode 0600 in the data directory, and `where()` says so, so the front ends can
tell the user. `keyring` is imported on first use (0.4 s here).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SERVICE = "Librarian team library"


class SecretStore:
    """Secrets by name: the keyring where the system has one, else `fallback` (mode 0600)."""

    def __init__(self, fallback: Path) -> None:
        self.fallback = fallback

    def where(self) -> str:
        backend = _keyring()
        if backend is not None:
            return f"the system's keyring ({type(backend).__name__})"
        return f"{self.fallback}, readable by you only (this system has no keyring)"

    def put(self, name: str, secret: str) -> None:
        backend = _keyring()
        if backend is not None:
            backend.set_password(SERVICE, name, secret)
            return
        secrets = self._read()
        secrets[name] = secret
        self._write(secrets)

    def get(self, name: str) -> str | None:
        backend = _keyring()
        if backend is not None:
            found = backend.get_password(SERVICE, name)
            if found is not None:
                return str(found)
        return self._read().get(name)  # kept there before a keyring was installed

    def delete(self, name: str) -> None:
        backend = _keyring()
        if backend is not None:
            import keyring.errors

            try:
                backend.delete_password(SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                pass  # not there: nothing to delete
        secrets = self._read()
        if secrets.pop(name, None) is not None:
            self._write(secrets)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.fallback.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("the secrets file %s cannot be read: %s", self.fallback, exc)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, secrets: dict[str, str]) -> None:
        self.fallback.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.fallback.with_suffix(".tmp")
        # Created 0600, and set to 0600 should an earlier file have been wider.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            if hasattr(os, "fchmod"):  # not on Windows, which always has a keyring
                os.fchmod(out.fileno(), 0o600)
            json.dump(secrets, out)
        os.replace(temporary, self.fallback)


def _keyring() -> Any | None:
    """The system's keyring, or None where there is none (keyring's `fail` back-end)."""
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    return None if isinstance(backend, (fail.Keyring, null.Keyring)) else backend
