"""The report's charts as inline SVG, drawn by matplotlib's Agg/SVG backend.

Text in a chart (account names) is drawn as paths, so nothing a user typed
ends up as SVG text; the XML prologue is dropped so the SVG can sit inline.
"""

from __future__ import annotations

import io
import re
from typing import Any

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["svg.hashsalt"] = "clientnest"  # the same data draws the same SVG
    plt.rcParams["font.size"] = 9
    return plt


def _svg(fig: Any) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return METADATA.sub("", PROLOGUE.sub("", buffer.getvalue(), count=1))


def followers(series: list[dict[str, Any]]) -> str | None:
    if not series:
        return None
    from datetime import date

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 2.8))
    for account in sorted({r["account"] for r in series}):
        rows = [r for r in series if r["account"] == account]
        ax.plot(
            [date.fromisoformat(r["day"]) for r in rows],
            [r["followers"] for r in rows],
            label=account,
        )
    ax.set_ylabel("followers")
    ax.legend(loc="upper left", fontsize=7)
    fig.autofmt_xdate()
    return _svg(fig)


def weekly(rows: list[dict[str, Any]]) -> str | None:
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 2.8))
    labels = [r["period"][5:] for r in rows]
    values = [(r["engagement_rate"] or 0) * 100 for r in rows]
    ax.bar(labels, values, color="#3b7dd8")
    ax.set_ylabel("engagement rate (%)")
    ax.set_xlabel("week starting")
    return _svg(fig)


def posts_per_platform(platforms: list[dict[str, Any]]) -> str | None:
    if not platforms:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 2.4))
    names = [p["platform"] for p in platforms]
    ax.barh(names, [p["posts"] for p in platforms], color="#4a9d5b", label="this period")
    ax.barh(
        names,
        [p["previous"]["posts"] for p in platforms],
        color="none",
        edgecolor="#333",
        label="period before",
    )
    ax.set_xlabel("posts")
    ax.legend(loc="lower right", fontsize=7)
    return _svg(fig)


def heatmap(cells: list[dict[str, Any]]) -> str | None:
    if not cells:
        return None
    plt = _pyplot()
    grid = [[float("nan")] * 24 for _ in range(7)]
    for c in cells:
        grid[c["weekday"]][c["hour"]] = c["lift"]
    fig, ax = plt.subplots(figsize=(7, 2.4))
    image = ax.imshow(grid, aspect="auto", cmap="YlGn")
    ax.set_yticks(range(7), DAYS)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}h" for h in range(0, 24, 3)])
    fig.colorbar(image, ax=ax, label="lift")
    return _svg(fig)
