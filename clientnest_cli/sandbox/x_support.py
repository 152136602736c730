"""Pieces of the X emulator that are not endpoints.

Weighted text length (counted here, independently of ``domain/``), problem+json
bodies, rate-limit windows, timestamps and image sniffing (multipart bodies are
read by ``http_helpers.read_body``).
"""

from __future__ import annotations

import math
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import regex
from starlette.responses import JSONResponse

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
PROBLEM_BASE = "https://api.twitter.com/2/problems/"

# Code points that weigh 1; everything else weighs 2 (twitter-text v3 ranges).
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_GTLDS = "com|org|net|edu|gov|info|dev|app|xyz|blog|shop"
_CCTLDS = "io|co|ly|me|ai|uk|de|fr|tv|gg|us|ca"  # bare ccTLD domains link only with a path
_DOMAIN = r"\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
_URL = regex.compile(
    r"(?i)(?:\bhttps?://[^\s]+?"
    rf"|{_DOMAIN}(?:{_GTLDS})\b(?:/[^\s]*?)?"
    rf"|{_DOMAIN}(?:{_CCTLDS})/[^\s]*?)"
    r"(?=[.,;:!?)\]'\"]*(?:\s|$))"
)
_CLUSTER = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]")


def _code_point_weight(char: str) -> int:
    cp = ord(char)
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES) else 2


def _weigh_plain(text: str) -> int:
    total = 0
    for cluster in _CLUSTER.findall(text):
        if _EMOJI.search(cluster):
            total += 2  # an emoji sequence (ZWJ, skin tone, flag) counts once, as 2
        else:
            total += sum(_code_point_weight(c) for c in cluster)
    return total


def weighted_length(text: str) -> int:
    """X's weighted length: NFC first, every URL 23, light code points 1, others 2."""
    text = unicodedata.normalize("NFC", text)
    total, pos = 0, 0
    for match in _URL.finditer(text):
        total += _weigh_plain(text[pos : match.start()]) + URL_WEIGHT
        pos = match.end()
    return total + _weigh_plain(text[pos:])


# --- problem+json ------------------------------------------------------------


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"title": title, "detail": detail, "type": type_, "status": status}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def invalid_request(message: str, parameters: dict[str, list[str]] | None = None) -> JSONResponse:
    """400 Invalid Request, X's shape for a bad parameter or body."""
    return problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        type_=PROBLEM_BASE + "invalid-request",
        errors=[{"message": message, "parameters": parameters or {}}],
    )


def not_found_error(resource_type: str, parameter: str, value: str) -> dict[str, Any]:
    """One entry of the ``errors`` array of a partial (200) lookup answer."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEM_BASE + "resource-not-found",
    }


# --- rate limits -------------------------------------------------------------

WINDOW_S = 15 * 60

# requests per 15-minute window per user (generous; the fault switch throttles)
LIMITS: dict[str, int] = {
    "tweets:create": 300,
    "tweets:delete": 50,
    "tweets:lookup": 900,
    "users:tweets": 900,
    "users:me": 900,
    "search": 450,
    "media": 900,
    "oauth": 600,
}


@dataclass
class RateWindow:
    limit: int
    remaining: int
    reset_at: int  # epoch seconds

    @classmethod
    def fresh(cls, limit: int) -> RateWindow:
        return cls(limit, limit, int(time.time()) + WINDOW_S)

    def expired(self) -> bool:
        return time.time() >= self.reset_at

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(max(0, self.remaining)),
            "x-rate-limit-reset": str(self.reset_at),
        }


def reset_in(seconds: float) -> int:
    """An epoch-seconds reset that is at least ``seconds`` away."""
    return math.ceil(time.time() + seconds)


# --- time ----------------------------------------------------------------------


def iso(epoch: float) -> str:
    """X's timestamp format: 2024-05-01T12:00:00.000Z."""
    stamp = datetime.fromtimestamp(epoch, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes really are (X checks content, not names)."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
