"""The figures of a client report: one client (or one account) over one period.

Everything comes from the analytics services, so the summary is exactly what
`analytics overview --json` says for the same scope and period. The result is
plain JSON-able data; ``clientnest_cli.reports`` turns it into HTML or Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from clientnest_cli.errors import BadInput, NotFound

if TYPE_CHECKING:
    from clientnest_cli.services.analytics_scope import Scope
    from clientnest_cli.services.context import AppContext

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TOP_POSTS = 5
HEATMAPS = 4  # best-times maps drawn (the accounts with most posts)
SCHEDULE_DAYS = 28


@dataclass
class Period:
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware
    label: str


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"cannot read {option} '{text}'", hint="use a date like 2026-11-01"
        ) from None


def period(
    tz: str, month: str | None = None, start: str | None = None, end: str | None = None
) -> Period:
    """A calendar month (YYYY-MM) or --from/--to days (both included), in the user's zone."""
    if month and (start or end):
        raise BadInput("give --month or --from/--to, not both")
    if month:
        found = MONTH.match(month.strip())
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise BadInput(f"cannot read the month '{month}'", hint="use YYYY-MM, e.g. 2026-11")
        year, number = int(found.group(1)), int(found.group(2))
        first = date(year, number, 1)
        following = date(year + number // 12, number % 12 + 1, 1)
        return Period(
            _local_midnight(first, tz), _local_midnight(following, tz), first.strftime("%B %Y")
        )
    if not (start and end):
        raise BadInput("say which period", hint="use --month YYYY-MM, or --from and --to")
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise BadInput(
            f"the date range runs backwards ({first} is after {last})",
            hint="--from must come before --to",
        )
    return Period(
        _local_midnight(first, tz),
        _local_midnight(last + timedelta(days=1), tz),
        f"{first:%d %b %Y} – {last:%d %b %Y}",
    )


def report_scope(
    ctx: AppContext, per: Period, client: str | None = None, account: str | None = None
) -> Scope:
    from clientnest_cli.services.analytics import scope

    sc = scope(
        ctx,
        client=client,
        accounts=[account] if account else None,
        since=per.start.isoformat(),
        until=per.end.isoformat(),
    )
    if not sc.account_ids:
        raise NotFound(
            f"client '{client}' has no accounts",
            hint="attach one with `clientnest accounts` first",
        )
    return sc


def gather(
    ctx: AppContext,
    client: str | None = None,
    account: str | None = None,
    month: str | None = None,
    start: str | None = None,
    end: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Every figure the report shows. Bad input raises BadInput (exit 2)."""
    from clientnest_cli.services import analytics
    from clientnest_cli.services.analytics_scope import acting_timezone

    tz = acting_timezone(ctx)
    per = period(tz, month, start, end)
    sc = report_scope(ctx, per, client, account)
    overview = analytics.overview(ctx, sc)
    followers = analytics.growth(ctx, sc)
    posts = sum(a["posts"] for a in overview["accounts"])
    if not posts and followers.empty:
        name = client or account
        raise BadInput(
            f"nothing to report for {name} in {per.label}: no published posts and no "
            "follower counts",
            hint="pick a period with activity, or run `clientnest accounts backfill` first",
        )
    weekly = analytics.performance(ctx, sc, "week")
    return {
        "title": client or account,
        "client": client or _client_of(sc),
        "agency": _agency(ctx),
        "timezone": tz,
        "period": {
            "label": per.label,
            "since": sc.start.isoformat(),
            "until": sc.end.isoformat(),
            "previous_since": overview["previous_since"].isoformat(),
        },
        "accounts": overview["accounts"],
        "platforms": overview["platforms"],
        "total": _total(overview),
        "followers": [
            {"account": r.account, "day": r.day, "followers": int(r.followers)}
            for r in followers.itertuples(index=False)
        ],
        "weekly": [_plain(r) for r in weekly.to_dict("records")],
        "best_times": _best_times(ctx, sc, overview["accounts"]),
        "top_posts": _with_sentiment(_top_posts(ctx, sc), overview["accounts"]),
        "sentiment": _sentiment(overview["accounts"]),
        "schedule": _schedule(ctx, sc, max(sc.end, now or datetime.now(UTC))),
        "recommendations": _recommendations(ctx, sc),
    }


def _recommendations(ctx: AppContext, sc: Scope, per_account: int = 3) -> list[dict[str, Any]]:
    """What to try next: Insight II's findings from each account's own history, only
    those whose interval excludes "no difference", in plain words with their evidence."""
    from clientnest_cli.analytics.effects import in_words
    from clientnest_cli.services.insight import recommend

    found = []
    for account_id in sc.account_ids:
        ref = sc.labels[account_id]["account"]
        for block in recommend(ctx, ref):
            for finding in block["advice"][:per_account]:
                text, evidence = in_words(finding)
                found.append({"account": ref, "text": f"{ref} — {text}", "evidence": evidence})
    return found + _ab_results(ctx, sc)


def _ab_results(ctx: AppContext, sc: Scope) -> list[dict[str, Any]]:
    """A/B tests with a variant published in the period: the same words as `ab conclude`."""
    from clientnest_cli.services import abtests

    results = []
    for group in abtests.tests_published(ctx, sc.account_ids, sc.start, sc.end):
        data = abtests.status(ctx, group)
        rates = "; ".join(
            f"{v['variant']}: {v['interactions']:,} interactions over {v['exposures']:,} "
            f"{v['exposure']}"
            for v in data["variants"]
        )
        p_value = getattr(data["test"], "p_value", None)
        evidence = rates + (f"; p = {p_value:.3g}" if p_value is not None else "")
        results.append(
            {
                "account": "",
                "text": f"A/B test {group}: {abtests.conclusion(data)}",
                "evidence": evidence,
            }
        )
    return results


def _client_of(sc: Scope) -> str | None:
    names = {v["client"] for v in sc.labels.values() if v["client"]}
    return names.pop() if len(names) == 1 else None


def _agency(ctx: AppContext) -> dict[str, Any]:
    settings = ctx.settings.report
    logo = Path(settings.logo).expanduser() if settings.logo else None
    if logo is not None and not logo.is_file():
        raise BadInput(f"the report logo {logo} is not a file", hint="fix [report] logo in config")
    return {"name": settings.agency_name, "logo": str(logo) if logo else None}


def _total(overview: dict[str, Any]) -> dict[str, Any] | None:
    clients = overview["clients"]
    if len(clients) == 1:
        return clients[0]
    if len(overview["accounts"]) == 1:
        return overview["accounts"][0]
    return None


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    import math

    def fix(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        return value.item() if hasattr(value, "item") else value

    return {k: fix(v) for k, v in row.items()}


def _best_times(ctx: AppContext, sc: Scope, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from clientnest_cli.services import analytics

    busiest = sorted(accounts, key=lambda a: -a["posts"])[:HEATMAPS]
    maps = []
    for block in busiest:
        if not block["posts"]:
            continue
        data = analytics.best_times(ctx, block["account"], 3, until=sc.end.isoformat())
        maps.append(data)
    return maps


POST_INFO_SQL = """
SELECT p.id AS post_id, p.content, p.platform_url, m.file, m.media_type AS mime, m.alt_text
FROM post p LEFT JOIN postmedia m ON m.post_id = p.id AND m.position = (
    SELECT min(n.position) FROM postmedia n WHERE n.post_id = p.id)
WHERE p.id IN :ids
"""


def _top_posts(ctx: AppContext, sc: Scope) -> list[dict[str, Any]]:
    from clientnest_cli.analytics.series import top_posts
    from clientnest_cli.services.analytics import _read, post_frame

    frame = top_posts(post_frame(ctx, sc), "engagement", TOP_POSTS)
    if frame.empty:
        return []
    info = _read(ctx, POST_INFO_SQL, ids=[int(i) for i in frame["post_id"]])
    by_id = {int(r["post_id"]): r for r in info.to_dict("records")}
    media_dir = ctx.paths.media_dir
    out = []
    for row in frame.to_dict("records"):
        extra = by_id.get(int(row["post_id"]), {})
        image = None
        mime = extra.get("mime") or ""
        if extra.get("file") and str(mime).startswith("image/"):
            path = media_dir / Path(str(extra["file"])).name
            if path.is_file():
                image = {"path": str(path), "mime": mime, "alt": extra.get("alt_text") or ""}
        out.append(
            {
                "id": int(row["post_id"]),
                "account": row["account"],
                "platform": row["platform"],
                "published_at": row["published_at"].isoformat(),
                "text": extra.get("content") or "",
                "url": extra.get("platform_url") or "",
                "image": image,
                **{
                    k: _plain({"v": row.get(k)})["v"]
                    for k in ("likes", "comments", "shares", "impressions", "interactions")
                },
                "engagement_rate": _plain({"v": row.get("engagement_rate")})["v"],
            }
        )
    return out


def _with_sentiment(
    posts: list[dict[str, Any]], accounts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each top post gets its comments' label counts (None when it has no comments)."""
    per_post = {
        int(p["post_id"]): p
        for block in accounts
        for p in (block.get("sentiment") or {}).get("posts", [])
    }
    for post in posts:
        found = per_post.get(post["id"])
        post["sentiment"] = (
            {k: int(found.get(k) or 0) for k in ("positive", "neutral", "negative", "unscored")}
            if found
            else None
        )
    return posts


def _sentiment(accounts: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {"positive": 0, "neutral": 0, "negative": 0, "unscored": 0}
    for block in accounts:
        summary = block.get("sentiment") or {}
        for key in totals:
            totals[key] += int(summary.get(key) or 0)
    return {**totals, "comments": sum(totals.values())}


SCHEDULE_SQL = """
SELECT p.id, p.account_id, p.scheduled_at, p.content FROM post p
WHERE p.status = 'scheduled' AND p.scheduled_at >= :start AND p.scheduled_at < :end
  AND p.account_id IN :ids ORDER BY p.scheduled_at, p.id
"""


def _schedule(ctx: AppContext, sc: Scope, start: datetime) -> list[dict[str, Any]]:
    import pandas as pd

    from clientnest_cli.services.analytics import _read

    frame = _read(
        ctx,
        SCHEDULE_SQL,
        start=start,
        end=start + timedelta(days=SCHEDULE_DAYS),
        ids=sc.account_ids or [-1],
    )
    frame["scheduled_at"] = pd.to_datetime(frame["scheduled_at"], utc=True, format="ISO8601")
    return [
        {
            "id": int(r.id),
            "account": sc.labels[int(r.account_id)]["account"],
            "scheduled_at": r.scheduled_at.tz_convert(sc.timezone).isoformat(),
            "text": r.content or "",
        }
        for r in frame.itertuples(index=False)
    ]


FORMATS = ("html", "md", "pdf")


def default_name(data: dict[str, Any], fmt: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", str(data["title"]).lower()).strip("-") or "report"
    stamp = data["period"]["since"][:10]
    return Path(f"report-{slug}-{stamp}.{fmt}")


def write(data: dict[str, Any], fmt: str, output: Path | None = None) -> list[Path]:
    """Render the report to ``output`` (default: report-NAME-DATE.FMT here); the files written."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown report format '{fmt}'", hint="use html, md or pdf")
    target = output or default_name(data, fmt)
    if target.parent and not target.parent.is_dir():
        raise BadInput(f"the folder {target.parent} does not exist")
    if fmt == "md":
        from clientnest_cli.reports.markdown import render as markdown

        return markdown(data, target)
    from clientnest_cli.reports.html import render

    page = render(data)
    if fmt == "html":
        target.write_text(page, encoding="utf-8")
        return [target]
    import tempfile

    from clientnest_cli.reports.browser import print_pdf

    with tempfile.TemporaryDirectory(prefix="clientnest-report-") as folder:
        source = Path(folder) / "report.html"
        source.write_text(page, encoding="utf-8")
        print_pdf(source, target)
    return [target]
