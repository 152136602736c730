"""The report as Markdown, with the charts (SVG) and post images as files beside it.

User text is made inert: HTML-special characters become entities and Markdown
link/emphasis syntax is escaped, so a post cannot inject a link or markup.
Links are kept only when they are http(s).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

from clientnest_cli.reports.html import chart_set, delta, num, pct, rate, safe_url

SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def inert(text: Any) -> str:
    """User text safe inside Markdown: escaped HTML, escaped Markdown, one line per line."""
    return SPECIAL.sub(r"\\\1", html.escape(str(text or ""), quote=True))


def _figure(block: dict[str, Any], key: str, fmt: Any) -> str:
    change = block["change"].get(key)
    return fmt(block[key]) + (f" ({delta(change)})" if change is not None else "")


def _row(name: str, block: dict[str, Any]) -> str:
    followers = block["followers_change"]
    cells = [
        inert(name),
        _figure(block, "posts", num),
        _figure(block, "impressions", num),
        _figure(block, "interactions", num),
        _figure(block, "engagement_rate", rate(block)),
        "—" if followers is None else f"{followers:+,}",
    ]
    return "| " + " | ".join(cells) + " |"


def render(data: dict[str, Any], target: Path) -> list[Path]:
    """Write ``target`` (.md) and its files folder; returns every file written."""
    folder = target.with_name(target.stem + "_files")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(name: str, svg: str | None) -> str | None:
        if not svg:
            return None
        path = folder / name
        path.write_text(svg, encoding="utf-8")
        written.append(path)
        return f"{folder.name}/{name}"

    drawn = chart_set(data)
    lines = [
        f"# {inert(data['title'])} — {inert(data['period']['label'])}",
        "",
        f"*{inert(data['agency']['name'] or 'ClientNest')}* · times in {inert(data['timezone'])}",
        "",
        "## Summary",
        "",
        "| | posts | impressions | interactions | engagement | followers |",
        "|---|---:|---:|---:|---:|---:|",
        *[_row(p["platform"], p) for p in data["platforms"]],
        *[_row(a["account"], a) for a in data["accounts"]],
    ]
    if data["total"]:
        lines.append(_row("All accounts", data["total"]))
    for title, key in (
        ("Audience", "followers"),
        ("Engagement per week", "weekly"),
        ("Posts per platform", "platforms"),
    ):
        link = save(f"{key}.svg", drawn[key])
        lines += ["", f"## {title}", "", f"![{title}]({link})" if link else "Nothing to draw."]
    lines += ["", "## Best times to post"]
    for n, h in enumerate(drawn["heatmaps"]):
        link = save(f"best-times-{n + 1}.svg", h["svg"])
        lines += ["", f"### {inert(h['account'])}", ""]
        if link:
            lines.append(f"![best times]({link})")
    lines += ["", "## Top posts", ""]
    for n, p in enumerate(data["top_posts"]):
        lines.append(f"### {n + 1}. {inert(p['account'])} · {p['published_at'][:16]}")
        if p["image"] and Path(p["image"]["path"]).is_file():
            source = Path(p["image"]["path"])
            copy = folder / f"post-{p['id']}{source.suffix.lower()}"
            shutil.copyfile(source, copy)
            written.append(copy)
            lines.append(f"![image]({folder.name}/{copy.name})")
        lines += ["", inert(p["text"]), ""]
        href = safe_url(p["url"])
        if href:
            lines.append(f"[view post](<{href.replace('>', '%3E').replace('<', '%3C')}>)")
        lines += [
            f"{num(p['interactions'])} interactions, engagement {pct(p['engagement_rate'])}",
            "",
        ]
    s = data["sentiment"]
    lines += ["## What people said", ""]
    lines.append(
        f"{s['comments']} comments: {s['positive']} positive, {s['neutral']} neutral, "
        f"{s['negative']} negative."
        if s["comments"]
        else "No comments scored in this period."
    )
    lines += ["", "## Coming up", ""]
    if data["schedule"]:
        lines += ["| when | account | post |", "|---|---|---|"]
        for item in data["schedule"]:
            text = inert(item["text"]).replace("\n", " ")
            lines.append(f"| {item['scheduled_at'][:16]} | {inert(item['account'])} | {text} |")
    else:
        lines.append("Nothing scheduled for the coming weeks.")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [target, *written]
