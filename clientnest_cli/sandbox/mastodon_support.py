"""Pieces of the Mastodon emulator that are not HTTP: counting and rendering text.

Counted the way Mastodon's StatusLengthValidator does, written here from the
platform's documentation and independently of ``domain.rules``: grapheme
clusters, every http(s) URL counts as ``characters_reserved_per_url``, and a
mention ``@user@domain`` counts as ``@user``. Content is rendered to the HTML
Mastodon returns (paragraphs, ``<br />``, links with invisible spans, h-card
mentions that show ``@user`` only), so a client has to strip HTML to match.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import regex

URL_WEIGHT = 23
MAX_MEDIA = 4
INVALID_TOKEN = "The access token is invalid"
NOT_FOUND = "Record not found"


def iso(ts: float) -> str:
    """Mastodon's timestamps: ISO 8601, milliseconds, Z."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


URL_RE = regex.compile(r"https?://[^\s<>\"]+")
MENTION_RE = regex.compile(
    r"(?<![\w@/])@([A-Za-z0-9_]+)(?:@([A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?))?"
)
HASHTAG_RE = regex.compile(r"(?<![\w#&/])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)")
TRAILING_PUNCTUATION = ".,:;!?'\")]}"


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in URL_RE.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in TRAILING_PUNCTUATION:
            end -= 1
        spans.append((match.start(), end))
    return spans


def _entities(text: str) -> list[tuple[int, int, str, Any]]:
    """URLs, mentions and hashtags as (start, end, kind, match), without overlaps."""
    found: list[tuple[int, int, str, Any]] = [(s, e, "url", None) for s, e in _url_spans(text)]
    found += [(m.start(), m.end(), "mention", m) for m in MENTION_RE.finditer(text)]
    found += [(m.start(), m.end(), "tag", m) for m in HASHTAG_RE.finditer(text)]
    found.sort(key=lambda item: (item[0], -item[1]))
    kept: list[tuple[int, int, str, Any]] = []
    for entity in found:
        if kept and entity[0] < kept[-1][1]:
            continue
        kept.append(entity)
    return kept


def _rewrite(
    text: str, replace: Callable[[str, str, Any], str], plain: Callable[[str], str]
) -> str:
    out, pos = [], 0
    for start, end, kind, match in _entities(text):
        out.append(plain(text[pos:start]))
        out.append(replace(kind, text[start:end], match))
        pos = end
    out.append(plain(text[pos:]))
    return "".join(out)


def countable_length(text: str, url_weight: int = 23) -> int:
    """Mastodon's length of a status text."""

    def replace(kind: str, raw: str, match: Any) -> str:
        if kind == "url":
            return "x" * url_weight
        if kind == "mention":
            return "@" + match.group(1)
        return raw

    countable = _rewrite(text, replace, lambda s: s)
    return len(regex.findall(r"\X", countable))


def render_content(text: str, base_url: str) -> str:
    """The HTML ``content`` Mastodon gives back for a plain-text status."""

    def replace(kind: str, raw: str, match: Any) -> str:
        if kind == "url":
            return _link_html(raw)
        if kind == "mention":
            user, domain = match.group(1), match.group(2)
            href = f"https://{domain}/@{user}" if domain else f"{base_url}/@{user}"
            return (
                f'<span class="h-card" translate="no"><a href="{html.escape(href)}" '
                f'class="u-url mention">@<span>{html.escape(user)}</span></a></span>'
            )
        tag = match.group(1)
        return (
            f'<a href="{html.escape(base_url)}/tags/{html.escape(tag.lower())}" '
            f'class="mention hashtag" rel="tag">#<span>{html.escape(tag)}</span></a>'
        )

    paragraphs = [p for p in regex.split(r"\n{2,}", text.strip()) if p]
    rendered = []
    for paragraph in paragraphs:
        body = _rewrite(paragraph, replace, lambda s: html.escape(s, quote=False))
        rendered.append("<p>" + body.replace("\n", "<br />") + "</p>")
    return "".join(rendered)


def _link_html(url: str) -> str:
    scheme, _, rest = url.partition("://")
    visible, hidden = rest[:30], rest[30:]
    ellipsis = ' class="ellipsis"' if hidden else ' class=""'
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
        f'translate="no"><span class="invisible">{html.escape(scheme)}://</span>'
        f"<span{ellipsis}>{html.escape(visible)}</span>"
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )
