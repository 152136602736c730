"""Pure checks of the TikTok emulator: PKCE, chunk layout, Content-Range, formats.

Kept apart from the request handlers so each rule reads on its own; written
from PLATFORMS.md and TikTok's published upload rules, not from ClientNest's
domain code.
"""

from __future__ import annotations

import base64
import hashlib
import re

MB = 1024 * 1024
MIN_CHUNK = 5 * MB
MAX_CHUNK = 64 * MB
MAX_LAST_CHUNK = 128 * MB
MAX_CHUNKS = 1000
MAX_VIDEO = 4 * 1024 * MB
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
PHOTO_TYPES = ("image/jpeg", "image/webp")
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")


def pkce_matches(verifier: str, challenge: str) -> bool:
    """S256 as in RFC 7636 (base64url) or TikTok's desktop variant (hex digest)."""
    if not verifier or not challenge:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return challenge in {b64, digest.hex()}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def chunk_layout_error(video_size: object, chunk_size: object, total: object) -> str:
    """Why a FILE_UPLOAD source_info is refused, or "" when it is fine."""
    if not all(
        isinstance(v, int) and not isinstance(v, bool) for v in (video_size, chunk_size, total)
    ):
        return "video_size, chunk_size and total_chunk_count must be integers"
    assert isinstance(video_size, int) and isinstance(chunk_size, int) and isinstance(total, int)
    if not 0 < video_size <= MAX_VIDEO:
        return "video_size must be between 1 byte and 4 GB"
    if total == 1:
        if chunk_size != video_size:
            return "a single-chunk upload needs chunk_size equal to video_size"
        if video_size > MAX_CHUNK:
            return "videos over 64 MB must be uploaded in several chunks"
        return ""
    if video_size < MIN_CHUNK:
        return "videos under 5 MB must be uploaded as a single chunk"
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        return "chunk_size must be between 5 MB and 64 MB"
    if total != video_size // chunk_size:
        return "total_chunk_count must be video_size divided by chunk_size, rounded down"
    if total > MAX_CHUNKS:
        return "at most 1000 chunks"
    if video_size - chunk_size * (total - 1) > MAX_LAST_CHUNK:
        return "the last chunk may be at most 128 MB"
    return ""


def expected_chunks(video_size: int, chunk_size: int, total: int) -> list[tuple[int, int]]:
    """(first, last) byte of each chunk; the last chunk takes the remainder."""
    spans = [(i * chunk_size, (i + 1) * chunk_size - 1) for i in range(total - 1)]
    spans.append(((total - 1) * chunk_size, video_size - 1))
    return spans


def parse_content_range(header: str | None) -> tuple[int, int, int] | None:
    match = CONTENT_RANGE.match((header or "").strip())
    if not match:
        return None
    first, last, total = (int(g) for g in match.groups())
    return first, last, total


def looks_like_video(head: bytes) -> bool:
    """ISO media (mp4/mov: 'ftyp' at byte 4) or Matroska/WebM (EBML magic)."""
    return head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3"
