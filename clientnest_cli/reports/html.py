"""One self-contained HTML page: inline CSS, inline SVG charts, images as data: URIs.

Jinja2 with autoescape on: every text from the store is escaped; only the SVG
charts (drawn by us, text as paths) are trusted markup. Links are kept only
when they are http(s); images only of a known image type.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from clientnest_cli.reports import charts
from clientnest_cli.reports.template import TEMPLATE

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host, else None (javascript:, data:, …)."""
    if not url:
        return None
    text = str(url).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def data_uri(path: str | None, mime: str | None = None) -> str | None:
    """A file as a base64 data: URI, only for image types we know."""
    if not path:
        return None
    file = Path(path)
    kind = mime if mime in IMAGE_TYPES.values() else IMAGE_TYPES.get(file.suffix.lower())
    if not kind or not file.is_file():
        return None
    return f"data:{kind};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def num(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def delta(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def rate(block: dict[str, Any]) -> Any:
    """A formatter of the block's engagement rate that says what it is a share of."""
    basis = block.get("rate_basis")
    return lambda value: pct(value) + (f" of {basis}" if basis and value is not None else "")


def chart_set(data: dict[str, Any]) -> dict[str, Any]:
    """Every chart of the report as SVG text (None where there is nothing to draw)."""
    return {
        "followers": charts.followers(data["followers"]),
        "weekly": charts.weekly(data["weekly"]),
        "platforms": charts.posts_per_platform(data["platforms"]),
        "heatmaps": [
            {
                "account": m["account"],
                "timezone": m["timezone"],
                "svg": charts.heatmap(m["cells"]),
                "slots": m["slots"],
                "enough_data": m["enough_data"],
            }
            for m in data["best_times"]
        ],
    }


def render(data: dict[str, Any]) -> str:
    """The report page."""
    from jinja2 import Environment
    from markupsafe import Markup

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=pct, num=num, delta=delta, safe_url=safe_url)
    env.globals.update(pct=pct, num=num, rate=rate)
    drawn = chart_set(data)
    svg = {k: Markup(v) if isinstance(v, str) else v for k, v in drawn.items() if k != "heatmaps"}
    heatmaps = [{**h, "svg": Markup(h["svg"]) if h["svg"] else None} for h in drawn["heatmaps"]]
    posts = [
        {
            **p,
            "href": safe_url(p["url"]),
            "src": data_uri(p["image"]["path"], p["image"]["mime"]) if p["image"] else None,
        }
        for p in data["top_posts"]
    ]
    return env.from_string(TEMPLATE).render(
        r=data,
        charts=svg,
        heatmaps=heatmaps,
        posts=posts,
        logo=data_uri(data["agency"]["logo"]),
        days=charts.DAYS,
    )
