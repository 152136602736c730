"""Rich-text helpers: Bluesky facets and LinkedIn "little" text escaping.

Bluesky mention facets cannot carry a DID offline, so a mention facet's feature is
``{"$type": "app.bsky.richtext.facet#mention", "handle": "alice.bsky.social"}``.
The Bluesky adapter must resolve each handle
(``com.atproto.identity.resolveHandle``) and replace ``"handle"`` with ``"did"``
before sending; a handle that does not resolve should have its facet dropped.
"""

from __future__ import annotations

from typing import Any

import regex

from clientnest_cli.domain.urls import find_urls

FACET_LINK = "app.bsky.richtext.facet#link"
FACET_MENTION = "app.bsky.richtext.facet#mention"
FACET_TAG = "app.bsky.richtext.facet#tag"
MAX_TAG_LENGTH = 64

# After the official client (@atproto/api detectFacets).
_MENTION = regex.compile(
    r"(?:^|(?<=[\s(]))@(?P<handle>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?![a-zA-Z0-9-]|\.[a-zA-Z0-9])"
)
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_HASHTAG = regex.compile(
    r"(?:^|(?<=\s))[#＃](?P<tag>(?!\ufe0f)[^\s" + _INVISIBLE + r"]*"
    r"[^\d\s\p{P}" + _INVISIBLE + r"]+[^\s" + _INVISIBLE + r"]*)"
)
_TRAILING_PUNCT = regex.compile(r"\p{P}+$")

LINKEDIN_RESERVED = frozenset("\\|{}@[]()<>#*_~")


def _byte_index(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    return {"index": _byte_index(text, start, end), "features": [feature]}


def _link_facets(text: str) -> list[tuple[int, int, dict[str, str]]]:
    found = []
    for start, end, url in find_urls(text):
        uri = url if regex.match(r"(?i)https?://", url) else "https://" + url
        found.append((start, end, {"$type": FACET_LINK, "uri": uri}))
    return found


def _mention_facets(text: str) -> list[tuple[int, int, dict[str, str]]]:
    return [
        (m.start(), m.end(), {"$type": FACET_MENTION, "handle": m.group("handle").lower()})
        for m in _MENTION.finditer(text)
    ]


def _tag_facets(text: str) -> list[tuple[int, int, dict[str, str]]]:
    found = []
    for match in _HASHTAG.finditer(text):
        tag = _TRAILING_PUNCT.sub("", match.group("tag"))
        if not tag or len(tag) > MAX_TAG_LENGTH:
            continue
        start = match.start()
        found.append((start, start + 1 + len(tag), {"$type": FACET_TAG, "tag": tag}))
    return found


def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """Link, mention and hashtag facets with UTF-8 byte offsets, in text order.

    Where two candidates overlap the earlier one wins (links are found first).
    Mention features hold ``handle``, not ``did`` — see the module docstring.
    """
    candidates = _link_facets(text) + _mention_facets(text) + _tag_facets(text)
    chosen: list[tuple[int, int, dict[str, str]]] = []
    for start, end, feature in candidates:
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, feature))
    chosen.sort(key=lambda item: item[0])
    return [_facet(text, start, end, feature) for start, end, feature in chosen]


def linkedin_escape(text: str) -> str:
    """Backslash-escape LinkedIn "little" format reserved characters (apply at send time)."""
    return "".join("\\" + char if char in LINKEDIN_RESERVED else char for char in text)
