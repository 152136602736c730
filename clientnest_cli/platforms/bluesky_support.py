"""Pure helpers for the Bluesky adapter: record keys, image sizes, token expiry.

Record keys (idempotency)
-------------------------
A post's record key is a TID (atproto spec: a 64-bit integer whose top bit is
0, then 53 bits of microseconds since the UNIX epoch, then a 10-bit clock id,
written as 13 characters of base32-sortable ``234567a-z``). We derive it from
the post alone so every attempt of the same post targets the same
``at://did/app.bsky.feed.post/<rkey>``:

- h = SHA-256 of ``post.idempotency_key`` (made when the post was created,
  never changes);
- microseconds = whole seconds of ``post.created_at`` (UTC; naive = UTC)
  × 1,000,000 + (first 4 bytes of h mod 1,000,000). Only whole seconds come
  from the clock, so a store that drops sub-second precision yields the same
  key. Without ``created_at`` the seconds are 2020-01-01 plus (bytes 4..10 of
  h mod ~4 years), which keeps the key in the past;
- clock id = bytes 10..12 of h, low 10 bits.

Two different posts collide only if they share the second and 30 bits of hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from datetime import UTC, datetime

B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_FALLBACK_BASE_S = 1_577_836_800  # 2020-01-01T00:00:00Z
_FALLBACK_SPAN_S = 4 * 365 * 86400


def encode_tid(micros: int, clock_id: int) -> str:
    """13-character TID for a timestamp (µs since epoch) and a 10-bit clock id."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    return "".join(B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def record_key(idempotency_key: str, created_at: datetime | None) -> str:
    """The stable TID record key for one post (see the module docstring)."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).digest()
    if created_at is not None:
        aware = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        seconds = int(aware.timestamp())
    else:
        seconds = _FALLBACK_BASE_S + int.from_bytes(digest[4:10], "big") % _FALLBACK_SPAN_S
    micros = seconds * 1_000_000 + int.from_bytes(digest[:4], "big") % 1_000_000
    return encode_tid(micros, int.from_bytes(digest[10:12], "big"))


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT, read without verifying (only to plan a refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


# --- image dimensions (for aspectRatio), no imaging library needed ------------


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, JPEG or WebP image, or None if unknown."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _positive(struct.unpack(">II", data[16:24]))
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return _positive(struct.unpack("<HH", data[6:10]))
        if data.startswith(b"\xff\xd8"):
            return _jpeg_size(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
    except struct.error:
        return None
    return None


def _positive(size: tuple[int, int]) -> tuple[int, int] | None:
    width, height = size
    return (width, height) if width > 0 and height > 0 else None


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return _positive((width, height))
        pos += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return _positive((width, height))
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return _positive(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return _positive((width & 0x3FFF, height & 0x3FFF))
    return None
