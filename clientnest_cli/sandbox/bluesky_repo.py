"""Pieces of the Bluesky emulator that know AT Protocol data, not HTTP.

Record-key (TID) syntax, content ids, JWT-shaped session tokens, and the
validation of an ``app.bsky.feed.post`` record. Written from PLATFORMS.md and
the public lexicons alone: nothing here is shared with the adapter, so a
counting bug on one side shows up as a failing test instead of hiding.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex

POST_COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_IMAGES = 4
MAX_BLOB_BYTES = 2_000_000

B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
FACET_FEATURES = {
    "app.bsky.richtext.facet#link": "uri",
    "app.bsky.richtext.facet#mention": "did",
    "app.bsky.richtext.facet#tag": "tag",
}


class RecordInvalid(ValueError):
    """A record breaks the lexicon; the message is what the PDS would say."""


@dataclass
class Account:
    did: str
    handle: str
    password: str
    display_name: str
    created: float
    followers: int = 0
    follows: int = 0


@dataclass
class StoredRecord:
    did: str
    rkey: str
    cid: str
    value: dict[str, Any]
    created: float
    indexed_at: str
    blobs: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"at://{self.did}/{POST_COLLECTION}/{self.rkey}"


# --- identifiers -------------------------------------------------------------


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().lower().rstrip("=")


def did_for(handle: str) -> str:
    """A stable did:plc for a handle (24 base32 characters, like the real ones)."""
    return "did:plc:" + _b32(hashlib.sha256(handle.encode()).digest())[:24]


def record_cid(value: dict[str, Any]) -> str:
    """A CIDv1-looking id (dag-cbor, sha-256) of a record's canonical JSON."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    return "bafyrei" + _b32(digest)[:52]


def blob_cid(data: bytes) -> str:
    """A CIDv1-looking id (raw, sha-256) of blob bytes."""
    return "bafkrei" + _b32(hashlib.sha256(data).digest())[:52]


def new_tid(now_us: int | None = None) -> str:
    """A fresh TID: 53 bits of microseconds, 10 bits of clock id, base32-sortable."""
    micros = now_us if now_us is not None else int(time.time() * 1_000_000)
    value = ((micros & ((1 << 53) - 1)) << 10) | secrets.randbelow(1024)
    return "".join(B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def is_tid(rkey: str) -> bool:
    return bool(TID_RE.match(rkey))


def parse_at_uri(uri: str) -> tuple[str, str, str] | None:
    """Split at://repo/collection/rkey; None if it is not that shape."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


# --- session tokens ----------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt_shaped(kind: str, did: str, ttl_s: float | None, audience: str) -> str:
    """An unsigned-looking JWT (three base64url parts); the emulator only looks it up."""
    now = int(time.time())
    header = {"typ": "at+jwt" if kind == "access" else "refresh+jwt", "alg": "ES256K"}
    payload: dict[str, Any] = {
        "scope": "com.atproto.appPass" if kind == "access" else "com.atproto.refresh",
        "sub": did,
        "aud": audience,
        "iat": now,
        "jti": secrets.token_urlsafe(16),
    }
    if ttl_s:
        payload["exp"] = now + int(ttl_s)
    return ".".join(
        [
            _b64url(json.dumps(header).encode()),
            _b64url(json.dumps(payload).encode()),
            _b64url(secrets.token_bytes(64)),
        ]
    )


# --- record validation -------------------------------------------------------


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters, counted with the `regex` module's \\X."""
    return len(regex.findall(r"\X", text))


def _invalid(detail: str) -> RecordInvalid:
    return RecordInvalid(f"Invalid {POST_COLLECTION} record: {detail}")


def _check_datetime(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise _invalid(f"{where} must be a string")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"{where} must be an valid atproto datetime") from exc


def _check_text(record: dict[str, Any]) -> bytes:
    text = record.get("text")
    if not isinstance(text, str):
        raise _invalid('Record must have the property "text"')
    if grapheme_count(text) > MAX_GRAPHEMES:
        raise _invalid(f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes")
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_BYTES:
        raise _invalid(f"Record/text must not be longer than {MAX_BYTES} characters")
    return encoded


def _check_facets(facets: Any, text_len: int) -> None:
    if not isinstance(facets, list):
        raise _invalid("Record/facets must be an array")
    for i, facet in enumerate(facets):
        where = f"Record/facets/{i}"
        index = facet.get("index") if isinstance(facet, dict) else None
        if not isinstance(index, dict):
            raise _invalid(f'{where} must have the property "index"')
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int):
            raise _invalid(f"{where}/index must have integer byteStart and byteEnd")
        if not 0 <= start < end <= text_len:
            raise _invalid(f"{where}/index byte range {start}..{end} lies outside the text")
        features = facet.get("features")
        if not isinstance(features, list) or not features:
            raise _invalid(f'{where} must have the property "features"')
        for feature in features:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            key = FACET_FEATURES.get(kind or "")
            if key is None or not isinstance(feature.get(key), str) or not feature[key]:
                raise _invalid(f"{where}/features has an unknown or incomplete feature")
            if key == "did" and not feature["did"].startswith("did:"):
                raise _invalid(f"{where}/features mention did must be a DID")


def _check_strong_ref(ref: Any, where: str) -> tuple[str, str]:
    if not isinstance(ref, dict) or not isinstance(ref.get("uri"), str):
        raise _invalid(f'{where} must have the property "uri"')
    if not isinstance(ref.get("cid"), str):
        raise _invalid(f'{where} must have the property "cid"')
    return ref["uri"], ref["cid"]


def reply_refs(record: dict[str, Any]) -> list[tuple[str, str]]:
    """[(uri, cid) of root, (uri, cid) of parent], checked for shape only."""
    reply = record["reply"]
    if not isinstance(reply, dict):
        raise _invalid("Record/reply must be an object")
    return [
        _check_strong_ref(reply.get("root"), "Record/reply/root"),
        _check_strong_ref(reply.get("parent"), "Record/reply/parent"),
    ]


def image_blob_cids(embed: Any) -> list[str]:
    """The blob cids an images embed references, after checking its shape."""
    if not isinstance(embed, dict) or embed.get("$type") != "app.bsky.embed.images":
        raise _invalid("Record/embed must be app.bsky.embed.images in the sandbox")
    images = embed.get("images")
    if not isinstance(images, list) or not images:
        raise _invalid('Record/embed must have the property "images"')
    if len(images) > MAX_IMAGES:
        raise _invalid(f"Record/embed/images must not have more than {MAX_IMAGES} elements")
    cids = []
    for i, image in enumerate(images):
        where = f"Record/embed/images/{i}"
        if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
            raise _invalid(f'{where} must have the property "alt"')
        blob = image.get("image")
        ref = blob.get("ref") if isinstance(blob, dict) else None
        if not isinstance(ref, dict) or not isinstance(ref.get("$link"), str):
            raise _invalid(f"{where}/image should be a blob ref")
        ratio = image.get("aspectRatio")
        if ratio is not None and not (
            isinstance(ratio, dict)
            and all(isinstance(ratio.get(k), int) and ratio[k] > 0 for k in ("width", "height"))
        ):
            raise _invalid(f"{where}/aspectRatio must have positive width and height")
        cids.append(ref["$link"])
    return cids


def check_post_record(record: Any) -> None:
    """Lexicon checks that need no repository state."""
    if not isinstance(record, dict):
        raise _invalid("Record must be an object")
    if record.get("$type") != POST_COLLECTION:
        raise _invalid(f'Record/$type must be "{POST_COLLECTION}"')
    encoded = _check_text(record)
    if "createdAt" not in record:
        raise _invalid('Record must have the property "createdAt"')
    _check_datetime(record["createdAt"], "Record/createdAt")
    if "facets" in record:
        _check_facets(record["facets"], len(encoded))
    langs = record.get("langs")
    if langs is not None and (
        not isinstance(langs, list) or len(langs) > 3 or not all(isinstance(x, str) for x in langs)
    ):
        raise _invalid("Record/langs must be an array of at most 3 language tags")
