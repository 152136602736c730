"""keyrings.cryptfile with its Argon2 key derived once per process, not once per call.

CryptFileKeyring derives an AES key from the passphrase with Argon2id (about a
second, by design) for every read and write, using a fresh salt each time. A
daemon reading a hundred accounts' tokens would spend minutes on it. This
subclass keeps the file format (any CryptFileKeyring reads it) and the KDF
cost, but remembers derived keys by salt and writes with one salt per
process; every entry still gets its own random nonce, so AES-GCM stays sound.
"""

from __future__ import annotations

import json
import os
import threading
from base64 import decodebytes, encodebytes
from typing import Any

from keyrings.cryptfile.cryptfile import CryptFileKeyring

_KEYS: dict[tuple[str, bytes], bytes] = {}
_LOCK = threading.Lock()


class CachedCryptFileKeyring(CryptFileKeyring):
    _salt: bytes | None = None

    def _derive(self, password: str, salt: bytes) -> bytes:
        from argon2.low_level import Type, hash_secret_raw

        with _LOCK:
            key = _KEYS.get((password, salt))
            if key is None:
                key = hash_secret_raw(
                    secret=password.encode(self.password_encoding),
                    salt=salt,
                    time_cost=self.time_cost,
                    memory_cost=self.memory_cost,
                    parallelism=self.parallelism,
                    hash_len=16,
                    type=Type.ID,
                )
                _KEYS[(password, salt)] = key
            return key

    def _create_cipher(self, password: str, salt: bytes, nonce: bytes | None = None) -> Any:
        from Crypto.Cipher import AES

        mode = self._get_mode(self.aesmode)
        if mode is None:
            raise ValueError(f"invalid AES mode: {self.aesmode}")
        return AES.new(self._derive(password, salt), mode, nonce)

    def encrypt(self, password: bytes, assoc: bytes | None = None) -> bytes:
        if CachedCryptFileKeyring._salt is None:
            CachedCryptFileKeyring._salt = os.urandom(16)
        salt = CachedCryptFileKeyring._salt
        cipher = self._create_cipher(self.keyring_key, salt)
        if assoc is not None:
            cipher.update(assoc)
        data, mac = cipher.encrypt_and_digest(password)
        fields = {"salt": salt, "data": data, "mac": mac, "nonce": cipher.nonce}
        return json.dumps({k: encodebytes(v).decode()[:-1] for k, v in fields.items()}).encode()

    def decrypt(self, password_encrypted: bytes, assoc: bytes | None = None) -> bytes:
        data = {
            k: decodebytes(v.encode()) for k, v in json.loads(password_encrypted.decode()).items()
        }
        cipher = self._create_cipher(self.keyring_key, data["salt"], data["nonce"])
        if assoc is not None:
            cipher.update(assoc)
        return cipher.decrypt_and_verify(data["data"], data["mac"])
