"""Read an old keyrings.cryptfile file (1.3.x, AES-GCM) once, to migrate it.

That format, as keyrings.cryptfile writes it: an INI file whose sections are
services and options are names, both escaped (every byte outside [A-Za-z0-9]
as ``_XX`` hex). Each value is base64 of JSON ``{"salt", "data", "mac",
"nonce"}`` (each base64): AES-128-GCM under Argon2id(passphrase, salt, t=15,
m=64 MiB, p=2, 16 bytes), with associated data ``escaped(service) + "\\0" +
escaped(name)`` (or none, for very old entries). The section
``keyring-setting`` holds the scheme and a "password reference" entry that
proves the passphrase. INI option names were lower-cased by that format
(ClientNest's names are lower-case). Salts differ per entry (per process for files
ClientNest wrote), so this costs about a second per distinct salt: paid once.
"""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path

from clientnest_cli.errors import SecretsError
from clientnest_cli.security.secretfile import PASSPHRASE_ENV

_TIME, _MEMORY, _LANES = 15, 2**16, 2


def _escape(value: str) -> str:
    return "".join(
        chr(b) if chr(b).isascii() and chr(b).isalnum() else f"_{b:02X}"
        for b in value.encode("utf-8")
    )


def _unescape(value: str) -> str:
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), value.encode())
    return raw.decode("utf-8")


class _Reader:
    def __init__(self, passphrase: str) -> None:
        self.passphrase = passphrase
        self.keys: dict[bytes, bytes] = {}

    def decrypt(self, stored: str, service: str, name: str) -> str:
        import base64

        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        fields = {k: base64.b64decode(v) for k, v in json.loads(base64.b64decode(stored)).items()}
        salt = fields["salt"]
        if salt not in self.keys:
            self.keys[salt] = _derive16(self.passphrase, salt)
        aes = AESGCM(self.keys[salt])
        assoc = (_escape(service) + "\0" + _escape(name)).encode()
        for aad in (assoc, None):
            try:
                return aes.decrypt(fields["nonce"], fields["data"] + fields["mac"], aad).decode()
            except InvalidTag:
                continue
        raise InvalidTag


def _derive16(passphrase: str, salt: bytes) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(passphrase.encode(), salt, _TIME, _MEMORY, _LANES, 16, Type.ID)


SETTINGS = _escape("keyring-setting")


def read_cryptfile(path: Path, passphrase: str) -> dict[tuple[str, str], str]:
    """Every (service, name) → value in the old file; SecretsError on a wrong passphrase."""
    from cryptography.exceptions import InvalidTag

    config = configparser.RawConfigParser()
    config.read(path, encoding="utf-8")
    scheme = config.get(SETTINGS, "scheme", fallback="")
    if scheme and not scheme.endswith("GCM"):
        raise SecretsError(
            f"{path} uses {scheme}, which ClientNest cannot migrate",
            hint="re-save it with keyrings.cryptfile's default GCM mode, or reconnect the accounts",
        )
    reader = _Reader(passphrase)
    out: dict[tuple[str, str], str] = {}
    try:
        reference = config.get(SETTINGS, _escape("password reference"), fallback=None)
        if reference is not None:
            reader.decrypt(reference, "keyring-setting", "password reference")
        for section in config.sections():
            if section == SETTINGS:
                continue
            service = _unescape(section)
            for option, stored in config.items(section):
                name = _unescape(option)
                out[(service, name)] = reader.decrypt(stored, service, name)
    except InvalidTag:
        raise SecretsError(
            f"the passphrase does not open the old secrets file {path}",
            hint=f"check {PASSPHRASE_ENV}",
        ) from None
    return out
