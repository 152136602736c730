"""Load analysis frames from the store (one query each) and run `analytics/` on them.

Each frame is one ``pandas.read_sql`` on the engine's connection; the newest
snapshot of every post is picked in SQL. The results go to the CLI (and later
the TUI) as plain dicts/frames.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput
from clientnest_cli.services.analytics_scope import (  # noqa: F401 - re-exported
    PERIOD,
    Scope,
    _rows,
    parse_period,
    scope,
    since_value,
)

if TYPE_CHECKING:
    import pandas as pd

    from clientnest_cli.services.context import AppContext

# --- frames --------------------------------------------------------------------

POST_COLUMNS = (
    "p.id AS post_id", "p.account_id", "p.published_at", "p.media_type", "p.imported",
    "p.followers_at_post", "s.likes", "s.comments", "s.shares", "s.views", "s.impressions",
    "s.reach", "s.clicks", "s.saves", "s.quotes", "s.engagement_rate", "s.rate_basis",
    "s.captured_at",
)  # fmt: skip
# what the overview reads: a third fewer columns to fetch and convert (BENCH.md B6)
OVERVIEW_COLUMNS = (
    "p.id AS post_id", "p.account_id", "p.published_at", "s.likes", "s.comments",
    "s.shares", "s.impressions", "s.engagement_rate", "s.rate_basis",
)  # fmt: skip
POSTS_SQL = """
SELECT {columns}
FROM post p
LEFT JOIN (
    SELECT m.post_id, max(m.captured_at) AS at FROM postmetricssnapshot m GROUP BY m.post_id
) newest ON newest.post_id = p.id
LEFT JOIN postmetricssnapshot s ON s.post_id = newest.post_id AND s.captured_at = newest.at
WHERE p.status = 'published' AND p.published_at >= :start AND p.published_at < :end
  AND p.account_id IN :ids
"""


def posts_sql(columns: tuple[str, ...] = POST_COLUMNS) -> str:
    """The post frame's query (newest snapshot per post in SQL) for these columns."""
    return POSTS_SQL.format(columns=", ".join(columns))


def _statement(sql: str, params: dict[str, Any]) -> Any:
    from sqlalchemy import bindparam, text

    from clientnest_cli.store.types import UTCDateTime

    binds = []
    for name, value in params.items():
        if isinstance(value, datetime):
            binds.append(bindparam(name, value, type_=UTCDateTime()))
        elif isinstance(value, list):
            binds.append(bindparam(name, value, expanding=True))
        else:
            binds.append(bindparam(name, value))
    return text(sql).bindparams(*binds)


def _read(ctx: AppContext, sql: str, **params: Any) -> pd.DataFrame:
    """One query into a frame: on SQLite pandas reads the thin store's sqlite3
    connection (no SQLAlchemy, whose result rows also cost a second per 100,000
    posts); elsewhere it reads through the engine."""
    import pandas as pd

    reader = ctx.sqlite_reader()
    if reader is not None:
        from clientnest_cli.store.sqlite_reader import bind

        text, values = bind(sql, params)
        return pd.read_sql(text, reader, params=values)
    with ctx.store.read_engine.connect() as conn:
        return pd.read_sql(_statement(sql, params), conn)


def post_frame(
    ctx: AppContext,
    sc: Scope,
    start: datetime | None = None,
    rows: pd.DataFrame | None = None,
    columns: tuple[str, ...] = POST_COLUMNS,
) -> pd.DataFrame:
    """One row per published post of the scope in [start or sc.start, sc.end)
    (``rows``: the posts_sql() result, when it was fetched already; ``columns``:
    only these of the frame's columns)."""
    from clientnest_cli.analytics.frames import prepare

    if rows is None:
        rows = _read(ctx, posts_sql(columns), **_post_params(sc, start))
    frame = rows.drop_duplicates("post_id", keep="last")
    frame = prepare(frame)
    frame["account"] = frame["account_id"].map({i: v["account"] for i, v in sc.labels.items()})
    frame["platform"] = frame["account_id"].map({i: v["platform"] for i, v in sc.labels.items()})
    return frame


def _post_params(sc: Scope, start: datetime | None) -> dict[str, Any]:
    return {"start": start or sc.start, "end": sc.end, "ids": sc.account_ids or [-1]}


def stats_frame(ctx: AppContext, sc: Scope, end: datetime | None = None) -> pd.DataFrame:
    """Follower snapshots of the scope's accounts up to the end, oldest first."""
    import pandas as pd

    frame = _read(
        ctx,
        "SELECT account_id, captured_at, followers, following, post_count "
        "FROM accountstatssnapshot WHERE account_id IN :ids AND captured_at < :end "
        "ORDER BY captured_at",
        ids=sc.account_ids or [-1],
        end=end or sc.end,
    )
    frame["captured_at"] = pd.to_datetime(frame["captured_at"], utc=True, format="ISO8601")
    return frame


def accounts_frame(sc: Scope) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            {"account_id": i, "account": v["account"], "platform": v["platform"]}
            | {"client": v["client"]}
            for i, v in sc.labels.items()
        ],
        columns=["account_id", "account", "platform", "client"],
    )


# --- commands ---------------------------------------------------------------------


def overview(ctx: AppContext, sc: Scope) -> dict[str, Any]:
    from clientnest_cli.analytics.overview import overview as compute

    previous_start = sc.start - sc.length
    posts = post_frame(ctx, sc, start=previous_start, columns=OVERVIEW_COLUMNS)
    stats = stats_frame(ctx, sc)
    result = compute(posts, stats, accounts_frame(sc), previous_start, sc.start, sc.end)
    _add_sentiment(ctx, sc, result["accounts"])
    return {
        "since": sc.start,
        "until": sc.end,
        "previous_since": previous_start,
        **result,
    }


def best_times(ctx: AppContext, ref: str, slots: int = 5, **options: Any) -> dict[str, Any]:
    """The hour × weekday map of one account, in the account's zone.

    ``options`` are scope()'s time options. Thin history leans on the user's
    other accounts on the same platform, else on common posting times.
    """
    from clientnest_cli.analytics.best_times import best_times as compute

    options.setdefault("default_period", "365d")
    own = scope(ctx, accounts=[ref], **options)
    account_id = own.account_ids[0]
    label = own.labels[account_id]
    tz = label["timezone"]
    frame = post_frame(ctx, own)
    frame = frame[frame["interactions"].notna()]
    pool = scope(ctx, platform=label["platform"], **options)
    others = [i for i in pool.account_ids if i != account_id]
    prior_frame = None
    if others:
        pool = Scope(others, pool.start, pool.end, pool.timezone, pool.labels)
        prior_frame = post_frame(ctx, pool)
        prior_frame = prior_frame[prior_frame["interactions"].notna()]
    result = compute(
        frame,
        tz,
        prior_frame=prior_frame,
        prior_label=f"your other {label['platform']} accounts",
        slots=slots,
    )

    def cell(row: Any) -> dict[str, Any]:
        return {
            "weekday": int(row.weekday),
            "hour": int(row.hour),
            "lift": round(float(row.lift), 3),
            "low": round(float(row.low), 3),
            "high": round(float(row.high), 3),
            "posts": int(row.posts),
        }

    return {
        "account": ref,
        "timezone": tz,
        "enough_data": result.enough_data,
        "posts": result.posts,
        "prior": result.prior or None,
        "slots": [cell(r) for r in result.slots.itertuples(index=False)],
        "cells": [cell(r) for r in result.cells.itertuples(index=False)],
    }


def performance(ctx: AppContext, sc: Scope, by: str) -> pd.DataFrame:
    from clientnest_cli.analytics.series import FREQ
    from clientnest_cli.analytics.series import performance as compute

    if by not in FREQ:
        raise BadInput(f"cannot group by '{by}'", hint="use day, week or month")
    return compute(post_frame(ctx, sc), by, sc.timezone)


def top(ctx: AppContext, sc: Scope, by: str, limit: int) -> pd.DataFrame:
    from clientnest_cli.analytics.series import TOP_BY, top_posts

    if by not in TOP_BY:
        raise BadInput(f"cannot rank by '{by}'", hint="use engagement, rate or impressions")
    frame = top_posts(post_frame(ctx, sc), by, limit)
    if frame.empty:
        return frame
    texts = _read(
        ctx,
        "SELECT id AS post_id, content FROM post WHERE id IN :ids",
        ids=[int(i) for i in frame["post_id"]],
    )
    return frame.merge(texts, on="post_id", how="left")


def growth(ctx: AppContext, sc: Scope) -> pd.DataFrame:
    from clientnest_cli.analytics.series import growth as compute

    stats = stats_frame(ctx, sc)
    stats = stats[stats["captured_at"] >= sc.start]
    frame = compute(stats, sc.timezone)
    frame["account"] = frame["account_id"].map(lambda a: sc.labels[int(a)]["account"])
    return frame


def export_frame(ctx: AppContext, sc: Scope) -> pd.DataFrame:
    """The per-post frame with features, for notebooks: one row per post."""
    frame = post_frame(ctx, sc)
    local = frame["published_at"].dt.tz_convert(sc.timezone)
    frame["weekday"] = local.dt.day_of_week
    frame["hour"] = local.dt.hour
    frame["client"] = frame["account_id"].map(lambda a: sc.labels[int(a)]["client"])
    texts = _read(
        ctx,
        "SELECT id AS post_id, content, category FROM post WHERE account_id IN :ids",
        ids=sc.account_ids or [-1],
    )
    frame = frame.merge(texts, on="post_id", how="left")
    frame["length"] = frame["content"].fillna("").str.len()
    return frame.sort_values("published_at")


def health(ctx: AppContext, sc: Scope, now: datetime | None = None) -> list[Any]:
    """AccountHealth of every account in scope (history: the 12 weeks before now)."""
    import pandas as pd

    from clientnest_cli.analytics.health import assess
    from clientnest_cli.services.account_refs import CANNOT_REFRESH

    now = now or sc.end
    window = Scope(sc.account_ids, now - timedelta(weeks=26), now, sc.timezone, sc.labels)
    posts = post_frame(ctx, window)
    stats = stats_frame(ctx, window)
    info = _read(
        ctx,
        "SELECT id AS account_id, status, status_reason, token_expires_at FROM socialaccount "
        "WHERE id IN :ids",
        ids=sc.account_ids or [-1],
    )
    info["token_expires_at"] = pd.to_datetime(info["token_expires_at"], utc=True, format="ISO8601")
    failed = _read(
        ctx,
        "SELECT account_id, count(*) AS n FROM post WHERE status = 'failed' "
        "AND updated_at >= :since AND account_id IN :ids GROUP BY account_id",
        since=now - timedelta(days=14),
        ids=sc.account_ids or [-1],
    )
    failures = {int(a): int(n) for a, n in failed.itertuples(index=False)}
    from clientnest_cli.analytics.health import negative_replies

    _score_pending(ctx)
    comments = _read(
        ctx,
        "SELECT c.post_id, p.account_id, p.published_at, c.sentiment_label FROM comment c "
        "JOIN post p ON p.id = c.post_id WHERE p.account_id IN :ids AND p.published_at >= :since",
        ids=sc.account_ids or [-1],
        since=window.start,
    )
    comments["published_at"] = pd.to_datetime(comments["published_at"], utc=True, format="ISO8601")
    results = []
    for row in info.itertuples(index=False):
        account_id = int(row.account_id)
        expires = row.token_expires_at
        account = {
            "account_id": account_id,
            "account": sc.labels[account_id]["account"],
            "status": row.status,
            "status_reason": row.status_reason,
            "token_expires_at": None if pd.isna(expires) else expires.to_pydatetime(),
            "refreshable": sc.labels[account_id]["platform"] not in CANNOT_REFRESH,
        }
        health = assess(
            account,
            posts[posts["account_id"] == account_id],
            stats[stats["account_id"] == account_id],
            failures.get(account_id, 0),
            now,
        )
        mine = comments[comments["account_id"] == account_id]
        for alert in negative_replies(mine, account["account"], now):
            health.add(alert)
        results.append(health)
    return sorted(results, key=lambda h: h.account)


# "+c.post_id": SQLite walks the comments and looks their posts up by key, instead
# of probing the comment index for each of 100,000 posts (0.3 s with no comments)
COMMENTS_SQL = """
SELECT c.post_id, p.account_id, c.sentiment, c.sentiment_label
FROM comment c JOIN post p ON p.id = +c.post_id
WHERE p.published_at >= :start AND p.published_at < :end AND p.account_id IN :ids
"""


def _add_sentiment(ctx: AppContext, sc: Scope, blocks: list[dict[str, Any]]) -> None:
    """Each account block gets ``sentiment``: label counts, the mean, and per post."""
    from clientnest_cli.analytics.sentiment import summarise

    _score_pending(ctx)
    frame = _read(ctx, COMMENTS_SQL, start=sc.start, end=sc.end, ids=sc.account_ids or [-1])
    by_ref = {v["account"]: i for i, v in sc.labels.items()}
    per_account = {int(a): group for a, group in frame.groupby("account_id")}
    for block in blocks:
        mine = per_account.get(by_ref[block["account"]], frame.iloc[0:0])
        summary = summarise(mine)
        summary["posts"] = [
            {"post_id": int(post_id), **summarise(group)}
            for post_id, group in mine.groupby("post_id")
        ]
        summary["posts"].sort(key=lambda p: (-p["negative"], p["post_id"]))
        block["sentiment"] = summary


UNSCORED_SQL = (
    "SELECT count(*) FROM comment WHERE sentiment_label = '' AND language = '' "
    "AND sentiment IS NULL"
)


def _score_pending(ctx: AppContext) -> None:
    """Score comments stored before scoring existed (only then is the ORM loaded)."""
    pending = _rows(ctx, UNSCORED_SQL)[0][0]
    if pending:
        from clientnest_cli.services.metrics_sync import score_pending

        score_pending(ctx)
