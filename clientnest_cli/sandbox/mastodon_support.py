"""Pieces of the Mastodon emulator that are not HTTP: text and request bodies.

Counted the way Mastodon's StatusLengthValidator does, written here from the
platform's documentation and independently of ``domain.rules``: grapheme
clusters, every http(s) URL counts as ``characters_reserved_per_url``, and a
mention ``@user@domain`` counts as ``@user``. Content is rendered to the HTML
Mastodon returns (paragraphs, ``<br />``, links with invisible spans, h-card
mentions that show ``@user`` only), so a client has to strip HTML to match.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

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


# --- request bodies -----------------------------------------------------------


class UploadedFile:
    def __init__(self, filename: str, content_type: str, data: bytes) -> None:
        self.filename = filename
        self.content_type = content_type
        self.data = data


class FormData:
    """Parsed fields of a form, multipart or JSON body; repeated keys kept."""

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}
        self.files: dict[str, UploadedFile] = {}

    def add(self, key: str, value: Any) -> None:
        self.fields.setdefault(key, []).append(value)

    def get(self, key: str, default: Any = None) -> Any:
        values = self.fields.get(key)
        return values[0] if values else default

    def get_list(self, key: str) -> list[Any]:
        """``media_ids[]`` from a form, or ``media_ids`` as a JSON array."""
        values: list[Any] = []
        for name in (key, key + "[]"):
            for value in self.fields.get(name, []):
                values.extend(value if isinstance(value, list) else [value])
        return values


class BadBody(ValueError):
    """The request body could not be parsed."""


def parse_body(content_type: str, body: bytes) -> FormData:
    """JSON, urlencoded or multipart/form-data into one ``FormData``."""
    form = FormData()
    media_type = content_type.split(";")[0].strip().lower()
    if not body:
        return form
    if media_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise BadBody("invalid JSON") from exc
        if not isinstance(data, dict):
            raise BadBody("JSON body must be an object")
        for key, value in data.items():
            form.add(key, value)
    elif media_type == "multipart/form-data":
        _parse_multipart(content_type, body, form)
    else:  # urlencoded, or no content type at all (curl's default)
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            form.add(key, value)
    return form


def _header_params(value: str) -> dict[str, str]:
    params = {}
    for piece in value.split(";")[1:]:
        key, _, raw = piece.strip().partition("=")
        params[key.lower()] = raw.strip().strip('"')
    return params


def _parse_multipart(content_type: str, body: bytes, form: FormData) -> None:
    boundary = _header_params(content_type).get("boundary")
    if not boundary:
        raise BadBody("multipart body without boundary")
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = _header_params(headers.get("content-disposition", ""))
        name = params.get("name", "")
        if "filename" in params:
            ctype = headers.get("content-type", "application/octet-stream")
            form.files[name] = UploadedFile(params["filename"], ctype, data)
        else:
            form.add(name, data.decode("utf-8", "replace"))
