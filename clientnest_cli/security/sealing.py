"""Sealing secrets for the store (team mode) and one-time enrolment codes.

- A *data key* is 32 random bytes. Each daemon host keeps it in its own
  keyring (or encrypted file) under ``store-data-key:<id>``; the store keeps
  only its id and a *verifier* (a constant sealed under it), so a host can tell
  a wrong key from a damaged secret.
- A stored secret is ``B64(nonce(12) || AES-256-GCM(data key, value, aad))``
  with ``aad = b"clientnest-store/1\\0" + <secret name>``: a sealed value moved
  to another row does not open.
- An enrolment code is 20 random bytes (160 bits) shown as base32 in groups
  of four. The store keeps ``SHA-256("clientnest-enrol/1" || code)`` to find
  the offer and the data key sealed under ``HKDF-SHA256(code, info=
  "clientnest-enrol/1")``. The code is random, not a password, so no slow KDF
  is needed; it is used once and expires.
"""

from __future__ import annotations

import base64
import hashlib
import os

from clientnest_cli.errors import BadInput
from clientnest_cli.security.secretfile import b64, seal, unb64, unseal

STORE_FORMAT = b"clientnest-store/1"
ENROL_INFO = b"clientnest-enrol/1"
DATA_KEY_ENTRY = "store-data-key:"


def new_data_key() -> tuple[str, bytes]:
    return os.urandom(8).hex(), os.urandom(32)


def verifier(key_id: str, key: bytes) -> str:
    return seal(key, STORE_FORMAT, b"verifier:" + key_id.encode())


def verifies(key_id: str, key: bytes, sealed: str) -> bool:
    from cryptography.exceptions import InvalidTag

    try:
        return unseal(key, sealed, b"verifier:" + key_id.encode()) == STORE_FORMAT
    except (InvalidTag, ValueError):
        return False


def _aad(name: str) -> bytes:
    return STORE_FORMAT + b"\0" + name.encode()


def seal_secret(key: bytes, name: str, value: str) -> str:
    return seal(key, value.encode("utf-8"), _aad(name))


def open_secret(key: bytes, name: str, sealed: str) -> str:
    """Raises ``cryptography.exceptions.InvalidTag`` when key or row do not match."""
    return unseal(key, sealed, _aad(name)).decode("utf-8")


def encode_key(key: bytes) -> str:
    return b64(key)


def decode_key(text: str) -> bytes:
    return unb64(text)


# --- one-time enrolment codes ------------------------------------------------
def new_code() -> tuple[str, bytes]:
    raw = os.urandom(20)
    text = base64.b32encode(raw).decode("ascii")  # 32 characters, no padding
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4)), raw


def parse_code(text: str) -> bytes:
    cleaned = "".join(text.split()).replace("-", "").upper()
    try:
        raw = base64.b32decode(cleaned)
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise BadInput(
            "that is not an enrolment code",
            hint="paste the code `clientnest secrets enrol` printed on an enrolled host",
        )
    return raw


def code_hash(raw: bytes) -> str:
    return hashlib.sha256(ENROL_INFO + raw).hexdigest()


def _code_key(raw: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ENROL_INFO).derive(raw)


def wrap_for_code(raw: bytes, key_id: str, data_key: bytes) -> str:
    return seal(_code_key(raw), data_key, b"enrol:" + key_id.encode())


def unwrap_with_code(raw: bytes, key_id: str, wrapped: str) -> bytes:
    return unseal(_code_key(raw), wrapped, b"enrol:" + key_id.encode())
