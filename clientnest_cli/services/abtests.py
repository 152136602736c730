"""A/B tests: two variants of one message, published at comparable times or places.

No table of its own: a test is the posts sharing one ``group_id`` (``ab-…``),
each with its ``variant`` label (A, B). Splits:

- ``time``: every account gets both variants at equivalent slots — the same
  weekday and hour a week apart (A first), so the hour-of-week effect is equal;
- ``accounts``: variant A to the first account(s), B to the others, at once.

Status reads the newest snapshot of every published lead post; the statistics
are in ``analytics/abtest.py``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.analytics import _read

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

LABELS = ("A", "B")

STATUS_SQL = """
SELECT p.id AS post_id, p.variant, p.status, p.account_id, p.followers_at_post,
       s.likes, s.comments, s.shares, s.impressions
FROM post p
LEFT JOIN (
    SELECT m.post_id, max(m.captured_at) AS at FROM postmetricssnapshot m GROUP BY m.post_id
) newest ON newest.post_id = p.id
LEFT JOIN postmetricssnapshot s ON s.post_id = newest.post_id AND s.captured_at = newest.at
WHERE p.group_id = :group AND p.thread_parent_id IS NULL
"""


def create(
    ctx: AppContext, refs: list[str], variants: list[str], at: str | None, split: str | None
) -> dict[str, Any]:
    from clientnest_cli.services.posts import ComposeRequest, create_posts
    from clientnest_cli.services.timeparse import parse_when

    if len(variants) != 2:
        raise BadInput("an A/B test has two variants", hint='give --variant "…" twice')
    if not refs:
        raise BadInput("say where the test runs", hint="add --to PLATFORM:HANDLE")
    split = split or ("accounts" if len(refs) >= 2 else "time")
    if split not in ("time", "accounts"):
        raise BadInput(f"unknown split '{split}'", hint="use time or accounts")
    if split == "accounts" and len(refs) < 2:
        raise BadInput("a split by accounts needs two or more --to accounts")
    if not at:
        raise BadInput("say when the test starts", hint="add --at (e.g. 'tomorrow 9am')")
    with ctx.store.session(readonly=True) as session:
        tz = ctx.actor(session).timezone or "UTC"
    start = parse_when(at, tz)
    written = []
    for index, text in enumerate(variants):
        if split == "time":
            targets, when = refs, start + timedelta(weeks=index)
        else:
            half = (len(refs) + 1) // 2
            targets, when = (refs[:half] if index == 0 else refs[half:]), start
        draft = ComposeRequest(text=text, targets=list(targets), at=when.isoformat())
        written.append((LABELS[index], create_posts(ctx, draft)))
    group = "ab-" + uuid.uuid4().hex[:8]
    _label(ctx, group, [(label, [p.id or 0 for p in posts]) for label, posts in written])
    return {
        "id": group,
        "split": split,
        "posts": [
            {"id": p.id, "variant": label, "account_id": p.account_id, "at": p.scheduled_at}
            for label, posts in written
            for p in posts
            if p.thread_parent_id is None
        ],
    }


def _label(ctx: AppContext, group: str, labelled: list[tuple[str, list[int]]]) -> None:
    from sqlalchemy import update

    from clientnest_cli.store.models import Post

    table = Post.__table__  # type: ignore[attr-defined]
    with ctx.store.session() as session:
        for label, ids in labelled:
            session.execute(
                update(table).where(table.c.id.in_(ids)).values(group_id=group, variant=label)
            )


def status(ctx: AppContext, group: str) -> dict[str, Any]:
    from clientnest_cli.analytics.abtest import rank_test, two_proportion

    frame = _read(ctx, STATUS_SQL, group=group)
    frame = frame[frame["variant"].isin(LABELS)]
    if frame.empty:
        raise NotFound(f"no A/B test '{group}'", hint="the id `ab create` printed (ab-…)")
    rows = []
    measured: dict[str, list[dict[str, Any]]] = {label: [] for label in LABELS}
    for label in LABELS:
        mine = frame[frame["variant"] == label]
        for r in mine.to_dict("records"):
            parts = [r[k] for k in ("likes", "comments", "shares") if r[k] == r[k]]
            if r["status"] != "published" or not parts:
                continue
            impressions = r["impressions"] if r["impressions"] == r["impressions"] else None
            followers = r["followers_at_post"]
            followers = followers if followers == followers and followers else None
            measured[label].append(
                {"interactions": float(sum(parts)), "impressions": impressions}
                | {"followers": followers}
            )
        got = measured[label]
        with_impr = all(m["impressions"] for m in got) and bool(got)
        exposures = sum((m["impressions"] if with_impr else m["followers"] or 0) for m in got)
        interactions = sum(m["interactions"] for m in got)
        rows.append(
            {
                "variant": label,
                "posts": len(mine),
                "measured": len(got),
                "exposures": int(exposures),
                "exposure": "impressions" if with_impr else "followers",
                "interactions": int(interactions),
                "rate": interactions / exposures if exposures else None,
            }
        )
    result = None
    a, b = measured["A"], measured["B"]
    if a and b:
        if all(m["impressions"] for m in a + b):
            result = two_proportion(
                round(sum(m["interactions"] for m in a)),
                round(sum(m["impressions"] for m in a)),
                round(sum(m["interactions"] for m in b)),
                round(sum(m["impressions"] for m in b)),
            )
        elif all(m["followers"] for m in a + b) and len(a) + len(b) >= 3:
            result = rank_test(
                [m["interactions"] / m["followers"] for m in a],
                [m["interactions"] / m["followers"] for m in b],
            )
    return {"id": group, "variants": rows, "test": result}


TESTS_SQL = """
SELECT DISTINCT p.group_id FROM post p
WHERE p.group_id LIKE 'ab-%' AND p.account_id IN :ids
  AND p.published_at >= :start AND p.published_at < :end
ORDER BY p.group_id
"""


def tests_published(ctx: AppContext, account_ids: list[int], start: Any, end: Any) -> list[str]:
    """The A/B tests with a variant published by these accounts in [start, end)."""
    frame = _read(ctx, TESTS_SQL, ids=list(account_ids), start=start, end=end)
    return [str(g) for g in frame["group_id"]]


def conclusion(data: dict[str, Any]) -> str:
    from clientnest_cli.analytics.abtest import conclude

    result = data["test"]
    if result is None:
        return "no winner yet — both variants need published posts with figures"
    exposures = tuple(r["exposures"] for r in data["variants"])
    return conclude(result, (exposures[0], exposures[1]), LABELS)
