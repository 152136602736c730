"""ClientNest's encrypted secrets file, format ``clientnest-secrets/1``.

Used where there is no OS keychain (``CLIENTNEST_SECRETS_PASSPHRASE`` set).
The file is UTF-8 JSON, mode 0600, replaced atomically on every write::

    {
      "format": "clientnest-secrets/1",
      "kdf": {"alg": "argon2id", "salt": B64(16 random bytes),
              "time_cost": 2, "memory_cost": 19456, "parallelism": 1},
      "check": B64(nonce || AES-256-GCM(key, "clientnest-secrets/1", aad="check")),
      "entries": {SERVICE: {NAME: B64(nonce || AES-256-GCM(key, value, aad))}}
    }

- ``key`` = Argon2id(passphrase as UTF-8, salt, time_cost, memory_cost KiB,
  parallelism, 32 bytes): one AES-256 key for the whole file, so a process
  derives it once (0.03 s of CPU, 0.06-0.1 s wall here) however many entries it reads or writes,
  and entries written by other processes need no new derivation. The
  parameters are OWASP's first recommended Argon2id configuration (19 MiB,
  2 passes, 1 lane); they are read from the file, so a file made with
  stronger ones keeps them.
- Every entry has its own random 96-bit nonce; its ``aad`` is
  ``b"clientnest-secrets/1\\0" + SERVICE + b"\\0" + NAME`` (UTF-8), so an entry
  copied under another name does not decrypt. Values are UTF-8 text.
- ``check`` proves the passphrase before anything is read or written.
- Writers take an exclusive ``flock`` on ``<file>.lock``, re-read the file,
  change one entry and ``os.replace`` a fsynced temporary copy, so two
  processes never lose each other's writes; readers need no lock.

A file in the old keyrings.cryptfile format (``secrets.cfg`` next to it) is
read once (see ``legacy.py``), written in this format and renamed
``secrets.cfg.migrated``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clientnest_cli.errors import SecretsError

FORMAT = "clientnest-secrets/1"
PASSPHRASE_ENV = "CLIENTNEST_SECRETS_PASSPHRASE"
# OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1 (its first option).
KDF_PARAMS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_CHECK = FORMAT.encode()

_KEYS: dict[tuple[str, bytes, int, int, int], bytes] = {}
_KEYS_LOCK = threading.Lock()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive_key(
    passphrase: str, salt: bytes, time_cost: int, memory_cost: int, parallelism: int
) -> bytes:
    """Argon2id → 32 bytes. The one expensive step; call through ``file_key``."""
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=32,
        type=Type.ID,
    )


def file_key(passphrase: str, kdf: dict[str, Any]) -> bytes:
    """The file's AES key, derived once per process per (passphrase, salt, parameters)."""
    salt = unb64(kdf["salt"])
    params = (int(kdf["time_cost"]), int(kdf["memory_cost"]), int(kdf["parallelism"]))
    cache_key = (passphrase, salt, *params)
    with _KEYS_LOCK:
        key = _KEYS.get(cache_key)
        if key is None:
            key = derive_key(passphrase, salt, *params)
            _KEYS[cache_key] = key
        return key


def forget_keys() -> None:
    """Drop the derived keys (tests: start as a fresh process would)."""
    with _KEYS_LOCK:
        _KEYS.clear()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return b64(nonce + AESGCM(key).encrypt(nonce, plaintext, aad))


def unseal(key: bytes, sealed: str, aad: bytes) -> bytes:
    """Decrypt; raises ``cryptography.exceptions.InvalidTag`` on a wrong key or tampering."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = unb64(sealed)
    return AESGCM(key).decrypt(raw[:12], raw[12:], aad)


def _aad(service: str, name: str) -> bytes:
    return f"{FORMAT}\0{service}\0{name}".encode()


class SecretFile:
    """get/set/delete over one ``clientnest-secrets/1`` file (keyring-like names)."""

    def __init__(self, path: Path, passphrase: str, legacy: Path | None = None) -> None:
        self.path = path
        self._passphrase = passphrase
        self._legacy = legacy
        self._lock = threading.RLock()
        with self._locked():
            doc = self._read()
            if doc is None:
                doc = self._create()
            self._key(doc)  # proves the passphrase now, not at the first read

    @property
    def description(self) -> str:
        doc = self._read() or {"kdf": KDF_PARAMS}
        k = doc["kdf"]
        return (
            f"encrypted file {self.path} ({FORMAT}: AES-256-GCM, Argon2id "
            f"m={k['memory_cost']} KiB t={k['time_cost']} p={k['parallelism']})"
        )

    # --- the document ------------------------------------------------------
    def _read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT:
                raise ValueError(doc.get("format"))
        except (ValueError, AttributeError) as exc:
            raise SecretsError(
                f"{self.path} is not a {FORMAT} secrets file",
                hint="move it away; ClientNest makes a new one",
            ) from exc
        return doc

    def _key(self, doc: dict[str, Any]) -> bytes:
        from cryptography.exceptions import InvalidTag

        key = file_key(self._passphrase, doc["kdf"])
        try:
            if unseal(key, doc["check"], b"check") != _CHECK:
                raise InvalidTag
        except InvalidTag:
            raise SecretsError(
                f"the passphrase does not open the secrets file {self.path}",
                hint=f"check {PASSPHRASE_ENV}",
            ) from None
        return key

    def _create(self) -> dict[str, Any]:
        kdf = {"alg": "argon2id", "salt": b64(os.urandom(16)), **KDF_PARAMS}
        key = file_key(self._passphrase, kdf)
        doc: dict[str, Any] = {
            "format": FORMAT,
            "kdf": kdf,
            "check": seal(key, _CHECK, b"check"),
            "entries": {},
        }
        migrated = self._legacy_entries()
        for (service, name), value in migrated.items():
            doc["entries"].setdefault(service, {})[name] = seal(
                key, value.encode(), _aad(service, name)
            )
        self._write(doc)
        if migrated or (self._legacy is not None and self._legacy.exists()):
            assert self._legacy is not None
            os.replace(self._legacy, self._legacy.with_name(self._legacy.name + ".migrated"))
        return doc

    def _legacy_entries(self) -> dict[tuple[str, str], str]:
        if self._legacy is None or not self._legacy.exists():
            return {}
        from clientnest_cli.security.legacy import read_cryptfile

        return read_cryptfile(self._legacy, self._passphrase)

    def _write(self, doc: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".secrets.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(doc, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This thread and, through flock, every other process, one writer at a time."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(
                self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600
            )
            try:
                try:
                    import fcntl
                except ImportError:  # pragma: no cover - Windows: one process at a time
                    yield
                    return
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    # --- keyring-like operations --------------------------------------------
    def get_password(self, service: str, name: str) -> str | None:
        from cryptography.exceptions import InvalidTag

        doc = self._read()
        if doc is None:
            return None
        sealed = doc["entries"].get(service, {}).get(name)
        if sealed is None:
            return None
        try:
            return unseal(self._key(doc), sealed, _aad(service, name)).decode("utf-8")
        except InvalidTag:
            raise SecretsError(
                f"the secret {name} in {self.path} was altered or damaged",
                hint="store it again (reconnect the account)",
            ) from None

    def set_password(self, service: str, name: str, value: str) -> None:
        with self._locked():
            doc = self._read() or self._create()
            sealed = seal(self._key(doc), value.encode("utf-8"), _aad(service, name))
            doc["entries"].setdefault(service, {})[name] = sealed
            self._write(doc)

    def delete_password(self, service: str, name: str) -> None:
        """Remove an entry; raises keyring's PasswordDeleteError when it is not there."""
        from keyring.errors import PasswordDeleteError

        with self._locked():
            doc = self._read()
            entries = (doc or {}).get("entries", {}).get(service, {})
            if doc is None or name not in entries:
                raise PasswordDeleteError(name)
            del entries[name]
            self._write(doc)
