"""Reading analytics exports into plain rows: the generic CSV, X's and Meta's.

No database here: ``parse`` turns a file's bytes into ``ImportRow`` values and
per-row errors; ``services/metrics_import.py`` writes them. Header names are
matched case-insensitively, in any order; an empty cell is "unknown", never 0.

Generic CSV: ``published_at`` (ISO 8601; a naive time is in the account's zone)
and at least one of ``likes``, ``comments``, ``shares`` are required; optional
``id``, ``text``, ``impressions`` (or ``views``), ``reach``, ``clicks``,
``saves``, ``media_type`` (text, photo, video, link, carousel), ``category``,
``paid`` (0/1), ``url``, ``followers``.

X post analytics (``Tweet id``, ``Tweet permalink``, ``Tweet text``, ``time``,
``impressions``, ``retweets``, ``replies``, ``likes``, ``url clicks``, … and the
newer ``Post id``, ``Date``, ``Post text``, ``Post Link``, ``Reposts``,
``Bookmarks`` …) and Meta Business Suite content exports (``Post ID``,
``Publish time`` as MM/DD/YYYY HH:MM, ``Title``/``Description``, ``Post type``,
``Permalink``, ``Impressions``/``Views``, ``Reach``, ``Reactions``/``Likes``,
``Comments``, ``Shares``, ``Link clicks``, ``Saves``) map onto the same fields.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from clientnest_cli.errors import BadInput

MEDIA_TYPES = ("text", "photo", "video", "link", "carousel")
COUNTS = ("likes", "comments", "shares", "impressions", "reach", "clicks", "saves", "quotes")
COUNTS += ("followers",)
FORMATS = ("auto", "generic", "x", "facebook")

# field → header names (normalised: lower case, single spaces) per format
GENERIC = {
    "id": ("id",),
    "published_at": ("published_at", "published at"),
    "text": ("text",),
    "likes": ("likes",),
    "comments": ("comments",),
    "shares": ("shares",),
    "impressions": ("impressions", "views"),
    "reach": ("reach",),
    "clicks": ("clicks",),
    "saves": ("saves",),
    "quotes": ("quotes",),
    "media_type": ("media_type", "media type"),
    "category": ("category",),
    "paid": ("paid",),
    "url": ("url",),
    "followers": ("followers",),
}
X = {
    "id": ("tweet id", "post id"),
    "published_at": ("time", "date"),
    "text": ("tweet text", "post text"),
    "url": ("tweet permalink", "post link"),
    "likes": ("likes", "favorites"),
    "comments": ("replies",),
    "shares": ("retweets", "reposts"),
    "impressions": ("impressions",),
    "clicks": ("url clicks",),
    "saves": ("bookmarks",),
    "quotes": ("quotes",),
}
FACEBOOK = {
    "id": ("post id",),
    "published_at": ("publish time",),
    "text": ("title", "description"),
    "url": ("permalink",),
    "media_type": ("post type",),
    "likes": ("reactions", "likes"),
    "comments": ("comments",),
    "shares": ("shares",),
    "impressions": ("impressions", "views"),
    "reach": ("reach",),
    "clicks": ("link clicks", "total clicks"),
    "saves": ("saves",),
}
MAPS = {"generic": GENERIC, "x": X, "facebook": FACEBOOK}
META_MEDIA = {
    "photo": "photo",
    "photos": "photo",
    "image": "photo",
    "video": "video",
    "videos": "video",
    "reel": "video",
    "reels": "video",
    "link": "link",
    "links": "link",
    "status": "text",
    "text": "text",
    "carousel": "carousel",
    "album": "carousel",
    "carousel_album": "carousel",
}
TIME_FORMATS = ("%Y-%m-%d %H:%M %z", "%m/%d/%Y %H:%M", "%a, %b %d, %Y", "%Y-%m-%d")


@dataclass
class ImportRow:
    line: int
    published_at: datetime
    platform_post_id: str = ""
    text: str = ""
    media_type: str = ""
    category: str = ""
    paid: bool | None = None
    url: str = ""
    figures: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Parsed:
    format: str
    rows: list[ImportRow]
    errors: list[dict[str, object]]  # {"row": line number, "reason": …}
    total: int


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().lower().split())


def decode(data: bytes, name: str) -> str:
    """The file's text, or BadInput when it is not a text CSV at all."""
    if b"\x00" in data[:4096]:
        raise BadInput(f"{name} is not a CSV file (it is binary)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(f"{name} is not a CSV file (not UTF-8 text)")  # pragma: no cover


def detect(headers: list[str]) -> str:
    names = set(headers)
    if "tweet id" in names or (
        "post id" in names and ("post link" in names or "post text" in names)
    ):
        return "x"
    if "post id" in names and "publish time" in names:
        return "facebook"
    return "generic"


def columns(headers: list[str], fmt: str) -> dict[str, int]:
    """field → column index for the format; BadInput when the required ones are missing."""
    found: dict[str, int] = {}
    for name, aliases in MAPS[fmt].items():
        for alias in aliases:
            if alias in headers:
                found[name] = headers.index(alias)
                break
    counts = [c for c in ("likes", "comments", "shares") if c in found]
    if "published_at" not in found or not counts:
        need = MAPS[fmt]["published_at"][0]
        raise BadInput(
            "the CSV has no usable columns: it needs a "
            f"'{need}' column and at least one of likes, comments, shares",
            hint=f"found: {', '.join(h for h in headers if h) or 'nothing'}",
        )
    return found


def parse(data: bytes, name: str, fmt: str, tz: str) -> Parsed:
    if fmt not in FORMATS:
        raise BadInput(f"unknown format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    text = decode(data, name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(f"{name} is empty") from None
    except csv.Error as exc:
        raise BadInput(f"{name} is not a readable CSV file: {exc}") from None
    headers = [_norm(h) for h in header]
    chosen = detect(headers) if fmt == "auto" else fmt
    where = columns(headers, chosen)
    rows: list[ImportRow] = []
    errors: list[dict[str, object]] = []
    total = 0
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            total += 1
            line = reader.line_num
            try:
                rows.append(_row(cells, where, line, chosen, tz))
            except ValueError as exc:
                errors.append({"row": line, "reason": str(exc)})
    except csv.Error as exc:
        raise BadInput(f"{name} is not a readable CSV file: {exc}") from None
    return Parsed(chosen, rows, errors, total)


def _cell(cells: list[str], where: dict[str, int], name: str) -> str:
    index = where.get(name)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _count(value: str, name: str) -> int | None:
    if value == "":
        return None
    cleaned = value.replace(",", "").replace(" ", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"{name} '{value}' is not a number") from None
    if number < 0 or not number.is_integer():
        raise ValueError(f"{name} '{value}' is not a whole number of 0 or more")
    return int(number)


def parse_time(value: str, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    if not value:
        raise ValueError("published_at is empty")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for pattern in TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"published_at '{value}' is not a date/time (use ISO 8601)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed.astimezone(UTC)


def _row(cells: list[str], where: dict[str, int], line: int, fmt: str, tz: str) -> ImportRow:
    figures = {name: _count(_cell(cells, where, name), name) for name in COUNTS}
    media = _cell(cells, where, "media_type").lower()
    if fmt == "facebook":
        media = META_MEDIA.get(media, "")
    elif media and media not in MEDIA_TYPES:
        raise ValueError(f"media_type '{media}' is not one of {', '.join(MEDIA_TYPES)}")
    paid_text = _cell(cells, where, "paid")
    if paid_text not in ("", "0", "1"):
        raise ValueError(f"paid '{paid_text}' is not 0 or 1")
    if all(figures[c] is None for c in ("likes", "comments", "shares")):
        raise ValueError("likes, comments and shares are all empty")
    return ImportRow(
        line=line,
        published_at=parse_time(_cell(cells, where, "published_at"), tz),
        platform_post_id=_cell(cells, where, "id")[:300],
        text=_cell(cells, where, "text"),
        media_type=media,
        category=_cell(cells, where, "category")[:100],
        paid=None if paid_text == "" else paid_text == "1",
        url=_cell(cells, where, "url")[:1000],
        figures=figures,
    )
