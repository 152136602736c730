"""Length as each platform counts it.

* X: twitter-text v3 weighting after NFC — most Latin/general punctuation code
  points weigh 1, everything else 2, every link 23. As on X itself (twitter-text
  ``emojiParsingEnabled``), an emoji *sequence* (ZWJ family, flag, skin tone,
  keycap, variation selector) weighs 2 in total, not 2 per code point.
* Bluesky: extended grapheme clusters and UTF-8 bytes of the text as written.
* Mastodon: grapheme clusters, every http(s) link counts as ``url_length``
  characters, and ``@user@domain`` counts as ``@user``.
"""

from __future__ import annotations

import unicodedata

import regex

from clientnest_cli.domain.urls import find_urls

X_URL_WEIGHT = 23
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

_X_HEAVY = regex.compile(
    "[^" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _X_LIGHT_RANGES) + "]"
)
_GRAPHEME = regex.compile(r"\X")
_EMOJI_PART = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")
# Mastodon's MENTION_RE (app/models/account.rb), case-insensitive.
_MASTODON_MENTION = regex.compile(
    r"(?<![=/\w])@((?P<user>[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?)",
    regex.IGNORECASE,
)


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text`` (what a reader sees as characters)."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    return len(graphemes(text))


def _x_code_point_weights(text: str) -> int:
    """Sum of per-code-point weights: 1 each, plus 1 for every heavy code point."""
    return len(text) + len(_X_HEAVY.findall(text))


def _x_plain_weight(text: str) -> int:
    total = _x_code_point_weights(text)
    if not _EMOJI_PART.search(text):
        return total
    for cluster in graphemes(text):
        if len(cluster) > 1 and _EMOJI_PART.search(cluster):
            total += 2 - _x_code_point_weights(cluster)  # one emoji sequence weighs 2
    return total


def x_weighted_length(text: str) -> int:
    """X's weighted length (limit 280)."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for start, end, _url in find_urls(text):
        total += _x_plain_weight(text[position:start]) + X_URL_WEIGHT
        position = end
    return total + _x_plain_weight(text[position:])


def bluesky_graphemes(text: str) -> int:
    """Bluesky's character count: extended grapheme clusters (limit 300)."""
    return grapheme_count(text)


def bluesky_bytes(text: str) -> int:
    """Bluesky's byte count: UTF-8 bytes (limit 3000)."""
    return len(text.encode("utf-8"))


def _mastodon_countable(text: str, url_length: int) -> str:
    """The text Mastodon counts: links replaced by placeholders, remote mentions shortened."""
    pieces, position = [], 0
    for start, end, _url in find_urls(text, bare_domains=False):
        pieces.append(_shorten_mentions(text[position:start]))
        pieces.append("x" * url_length)
        position = end
    pieces.append(_shorten_mentions(text[position:]))
    return "".join(pieces)


def _shorten_mentions(text: str) -> str:
    return _MASTODON_MENTION.sub(lambda m: "@" + m.group("user"), text)


def mastodon_length(text: str, url_length: int = 23) -> int:
    """Mastodon's count: graphemes, each link = ``url_length``, ``@user@domain`` = ``@user``."""
    return grapheme_count(_mastodon_countable(text, url_length))
