"""Secrets over keyring, under a key the database row names.

Backends, in order: ClientNest's encrypted file (``secretfile.py``:
AES-256-GCM under one Argon2id key per process) when ``secrets.backend =
"file"`` or ``CLIENTNEST_SECRETS_PASSPHRASE`` is set; otherwise the system
keychain keyring finds (Secret Service, macOS Keychain, Windows Credential
Locker). Where neither is usable we say exactly how to enable the encrypted
file, and never fall back to plain text. ``delete(key)`` is the one way to
remove a secret (a missing one is not an error).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from clientnest_cli.errors import SecretsError
from clientnest_cli.security.secretfile import PASSPHRASE_ENV

SERVICE = "clientnest"
LEGACY_FILE = "secrets.cfg"  # keyrings.cryptfile's format, migrated on first use
ENABLE_HINT = (
    f"no usable keychain here: set {PASSPHRASE_ENV} to a passphrase to use the encrypted file "
    "backend (AES-256-GCM), or start a Secret Service (gnome-keyring)"
)
# Backends that store secrets readable by anyone who can read the file.
_PLAINTEXT = ("PlaintextKeyring", "fail.Keyring", "null.Keyring")
# File backends that prompt for a passphrase: only used when chosen explicitly.
_PROMPTING = ("cryptfile", "keyrings.alt")


class Secrets:
    """Set, get and delete secrets under named keys."""

    def __init__(self, backend: str = "auto", secrets_file: Path | None = None) -> None:
        self._choice = backend
        self._file = secrets_file
        self._keyring: Any = None
        # Keyring backends are not all thread-safe (an encrypted file rewritten
        # by two threads at once would lose one write): one call at a time.
        self._lock = threading.RLock()

    # --- backend selection -------------------------------------------------
    def _file_backend(self) -> Any:
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if not passphrase:
            raise SecretsError(
                "the encrypted secrets file needs a passphrase",
                hint=f"set {PASSPHRASE_ENV}",
            )
        from clientnest_cli.paths import resolve_paths
        from clientnest_cli.security.secretfile import SecretFile

        path = self._file or resolve_paths().secrets_file
        return SecretFile(path, passphrase, legacy=path.with_name(LEGACY_FILE))

    def _system(self) -> Any:
        """The best system keychain, never a plain-text, prompting or chained one."""
        return _native() or _scanned()

    @property
    def keyring(self) -> Any:
        with self._lock:
            return self._backend()

    def _backend(self) -> Any:
        if self._keyring is None:
            use_file = self._choice in ("file", "cryptfile") or (
                self._choice == "auto" and os.environ.get(PASSPHRASE_ENV)
            )
            self._keyring = self._file_backend() if use_file else self._system()
        return self._keyring

    @property
    def backend_name(self) -> str:
        ring = self.keyring
        description = getattr(ring, "description", None)
        return description or f"{type(ring).__module__}.{type(ring).__name__}"

    # --- operations --------------------------------------------------------
    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            with self._lock:
                return fn(*args)
        except Exception as exc:
            # Only a loaded keyring can raise its errors: the encrypted file
            # backend never needs `keyring` imported (~0.3x `import typer`).
            errors = sys.modules.get("keyring.errors")
            if errors is None or not isinstance(exc, errors.KeyringError):
                raise
            raise SecretsError(
                f"the keyring could not {what} a secret: {exc}", hint=ENABLE_HINT
            ) from exc

    def set(self, key: str, value: str) -> None:
        self._call("store", self.keyring.set_password, SERVICE, key, value)

    def get(self, key: str) -> str | None:
        return self._call("read", self.keyring.get_password, SERVICE, key)

    def delete(self, key: str) -> None:
        """Remove a secret; a secret that is already gone is not an error."""
        from keyring.errors import PasswordDeleteError

        try:
            self._call("delete", self.keyring.delete_password, SERVICE, key)
        except SecretsError as exc:
            if not isinstance(exc.__cause__, PasswordDeleteError):
                raise

    def set_json(self, key: str, value: dict[str, Any]) -> None:
        self.set(key, json.dumps(value, separators=(",", ":")))

    def get_json(self, key: str) -> dict[str, Any] | None:
        raw = self.get(key)
        return json.loads(raw) if raw else None

    def check(self) -> str:
        """Round-trip a probe value; return the backend's name."""
        probe = "doctor:probe"
        self.set(probe, "ok")
        try:
            if self.get(probe) != "ok":
                raise SecretsError("the keyring did not return what was stored", hint=ENABLE_HINT)
        finally:
            self.delete(probe)
        return self.backend_name


# The platform's own keychain by module: keyring ranks it first (priority 5) wherever
# it works, unless KWallet runs on a KDE desktop (5.1). Trying it first skips keyring's
# plugin scan, which imports every backend (macOS's over ctypes on Linux too) and costs
# about twice `import typer`; wherever it might not be first, the scan decides.
_NATIVE = {
    "linux": "keyring.backends.SecretService",
    "darwin": "keyring.backends.macOS",
    "win32": "keyring.backends.Windows",
}


def _native() -> Any | None:
    """The platform's keychain when it works and nothing built in outranks it."""
    import importlib

    module = _NATIVE.get(sys.platform)
    if module is None or "KDE" in os.getenv("XDG_CURRENT_DESKTOP", "").split(":"):
        return None
    try:
        ring = importlib.import_module(module).Keyring
        if not ring.priority > 0:  # some backends raise when they cannot work
            return None
        return ring()
    except Exception:
        return None


def _usable(ring: Any) -> bool:
    name = f"{type(ring).__module__}.{type(ring).__name__}"
    skip = _PLAINTEXT + _PROMPTING + ("chainer",)
    if any(bad in name for bad in skip):
        return False
    try:
        return ring.priority > 0  # type: ignore[no-any-return]
    except Exception:
        return False


def _scanned() -> Any:
    """The highest-priority usable backend among all that keyring finds."""
    from keyring.backend import get_all_keyring

    candidates = sorted(
        (r for r in get_all_keyring() if _usable(r)), key=lambda r: r.priority, reverse=True
    )
    if not candidates:
        raise SecretsError("no usable keyring backend", hint=ENABLE_HINT)
    return candidates[0]
