"""The posts detail pane's lower half: each target's metrics over time and its comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from clientnest_cli.tui.text import local, plain, spark

if TYPE_CHECKING:
    from clientnest_cli.services.post_activity import TargetActivity

SHOWN_SNAPSHOTS = 5
SENTIMENT_STYLE = {"positive": "green", "negative": "red", "neutral": "dim"}
COLUMNS = (("likes", 7), ("comments", 9), ("shares", 7), ("views", 8))


def _figure(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def render_activity(targets: list[TargetActivity], tz_name: str) -> Text:
    out = Text()
    for target in targets:
        out.append(f"\n{plain(target.target, 60)} #{target.post_id}", style="bold")
        out.append(f" ({target.status})\n", style="dim")
        _metrics(out, target, tz_name)
        _comments(out, target, tz_name)
    return out


def _metrics(out: Text, target: TargetActivity, tz_name: str) -> None:
    rows = target.snapshots
    if not rows:
        out.append("  no metrics yet (`clientnest metrics sync` fetches them)\n", style="dim")
        return
    likes = [float(r.likes or 0) for r in rows]
    out.append(f"  likes {spark(likes)} {_figure(rows[0].likes)} → {_figure(rows[-1].likes)}")
    out.append(f"  ({len(rows)} snapshots)\n", style="dim")
    out.append(
        "  " + "when".ljust(13) + "".join(n.rjust(w) for n, w in COLUMNS) + "\n", style="dim"
    )
    for row in rows[-SHOWN_SNAPSHOTS:]:
        figures = "".join(_figure(getattr(row, name)).rjust(width) for name, width in COLUMNS)
        out.append(f"  {local(row.captured_at, tz_name, '%d %b %H:%M'):<13}{figures}\n")


def _comments(out: Text, target: TargetActivity, tz_name: str) -> None:
    if not target.comments:
        out.append("  no comments fetched\n", style="dim")
        return
    out.append(f"  comments ({len(target.comments)} newest)\n", style="dim")
    for comment in target.comments:
        label = comment.sentiment_label or "unscored"
        score = f" {comment.sentiment:+.2f}" if comment.sentiment is not None else ""
        out.append(f"  {label}{score}".ljust(20), style=SENTIMENT_STYLE.get(label, "dim"))
        when = local(comment.created_at or comment.fetched_at, tz_name, "%d %b")
        out.append(f" {when} {plain(comment.author, 40)}: ", style="bold")
        out.append(plain(comment.text, 200) + "\n")
