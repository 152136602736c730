"""A/B tests: two to five variants of one message, published at comparable times or places.

No table of its own: a test is the posts sharing one ``group_id`` (``ab-…``),
each with its ``variant`` label (A, B, C …). Splits:

- ``time``: every account gets every variant at equivalent slots — the same
  weekday and hour a week apart (A first, then B …), so the hour-of-week
  effect is equal;
- ``accounts``: the accounts in as many even groups as variants (A to the
  first group …), at once.

Status reads the newest snapshot of every published lead post; each variant is
compared with A (the control), Holm-adjusted when there are more than two (the
statistics are in ``analytics/abtest.py``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.analytics import _read

if TYPE_CHECKING:
    from clientnest_cli.services.ai_content import GenerateRequest, GenerateResult
    from clientnest_cli.services.context import AppContext

LABELS = ("A", "B", "C", "D", "E")
MAX_VARIANTS = len(LABELS)
WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}

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

    split, start = check(ctx, refs, len(variants), at, split)
    groups = _groups(refs, len(variants))
    written = []
    for index, text in enumerate(variants):
        if split == "time":
            targets, when = refs, start + timedelta(weeks=index)
        else:
            targets, when = groups[index], start
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


def from_ai(
    ctx: AppContext, req: GenerateRequest, at: str | None, split: str | None
) -> tuple[GenerateResult, dict[str, Any]]:
    """``ai generate --variants N --ab``: N AI drafts made into one test, the same way
    as ``create``. Everything is checked before the AI is asked (the test's input,
    and that the budget covers all N drafts); the posts exist only once all N do."""
    from dataclasses import replace

    from clientnest_cli.services.ai_content import generate

    if req.save_draft:
        raise BadInput("--ab schedules the variants itself; drop --save-draft")
    check(ctx, req.targets, req.variants, at, split)
    result = generate(ctx, replace(req, whole=True))
    return result, create(ctx, req.targets, [d.text for d in result.variants], at, split)


def check(
    ctx: AppContext, refs: list[str], count: int, at: str | None, split: str | None
) -> tuple[str, Any]:
    """The split and the start of a test of ``count`` variants; BadInput otherwise
    (``ai generate --ab`` calls this before it asks the AI for anything)."""
    from clientnest_cli.services.timeparse import parse_when

    if not 2 <= count <= MAX_VARIANTS:
        raise BadInput(
            f"an A/B test has two to {WORDS[MAX_VARIANTS]} variants, not {count}",
            hint='give --variant "…" once per variant',
        )
    if not refs:
        raise BadInput("say where the test runs", hint="add --to PLATFORM:HANDLE")
    split = split or ("accounts" if len(refs) >= count else "time")
    if split not in ("time", "accounts"):
        raise BadInput(f"unknown split '{split}'", hint="use time or accounts")
    if split == "accounts" and len(refs) < count:
        raise BadInput(
            f"a split by accounts needs {WORDS[count]} or more --to accounts "
            f"(one group per variant), not {len(refs)}",
            hint="add accounts, or use --split time",
        )
    if not at:
        raise BadInput("say when the test starts", hint="add --at (e.g. 'tomorrow 9am')")
    with ctx.store.session(readonly=True) as session:
        tz = ctx.actor(session).timezone or "UTC"
    return split, parse_when(at, tz)


def _groups(refs: list[str], count: int) -> list[list[str]]:
    """``refs`` in ``count`` consecutive groups as even as can be (the first ones larger)."""
    size, extra = divmod(len(refs), count)
    groups, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        groups.append(refs[start:end])
        start = end
    return groups


def _label(ctx: AppContext, group: str, labelled: list[tuple[str, list[int]]]) -> None:
    from sqlalchemy import update

    from clientnest_cli.store.models import Post

    table = Post.__table__  # type: ignore[attr-defined]
    with ctx.store.session() as session:
        for label, ids in labelled:
            session.execute(
                update(table).where(table.c.id.in_(ids)).values(group_id=group, variant=label)
            )


def _measured(mine: Any) -> list[dict[str, Any]]:
    """A variant's published lead posts with figures: interactions, impressions, followers."""
    got = []
    for r in mine.to_dict("records"):
        parts = [r[k] for k in ("likes", "comments", "shares") if r[k] == r[k]]
        if r["status"] != "published" or not parts:
            continue
        impressions = r["impressions"] if r["impressions"] == r["impressions"] else None
        followers = r["followers_at_post"]
        followers = followers if followers == followers and followers else None
        got.append(
            {"interactions": float(sum(parts)), "impressions": impressions}
            | {"followers": followers}
        )
    return got


def _row(label: str, posts: int, got: list[dict[str, Any]]) -> dict[str, Any]:
    with_impr = all(m["impressions"] for m in got) and bool(got)
    exposures = sum((m["impressions"] if with_impr else m["followers"] or 0) for m in got)
    interactions = sum(m["interactions"] for m in got)
    return {
        "variant": label,
        "posts": posts,
        "measured": len(got),
        "exposures": int(exposures),
        "exposure": "impressions" if with_impr else "followers",
        "interactions": int(interactions),
        "rate": interactions / exposures if exposures else None,
    }


def _compare(a: list[dict[str, Any]], b: list[dict[str, Any]], alpha: float) -> Any:
    """Variant b against the control a: Result, or None when it cannot be told yet."""
    from clientnest_cli.analytics.abtest import rank_test, two_proportion

    if not a or not b:
        return None
    if all(m["impressions"] for m in a + b):
        return two_proportion(
            round(sum(m["interactions"] for m in a)),
            round(sum(m["impressions"] for m in a)),
            round(sum(m["interactions"] for m in b)),
            round(sum(m["impressions"] for m in b)),
            alpha,
        )
    if all(m["followers"] for m in a + b) and len(a) + len(b) >= 3:
        return rank_test(
            [m["interactions"] / m["followers"] for m in a],
            [m["interactions"] / m["followers"] for m in b],
        )
    return None


def status(ctx: AppContext, group: str) -> dict[str, Any]:
    """Per variant its figures; ``comparisons``: each variant against A (Holm-adjusted
    when more than one); ``test``: B against A (the two-variant answer, kept as it was)."""
    from clientnest_cli.analytics.abtest import ALPHA, adjust

    frame = _read(ctx, STATUS_SQL, group=group)
    frame = frame[frame["variant"].isin(LABELS)]
    if frame.empty:
        raise NotFound(f"no A/B test '{group}'", hint="the id `ab create` printed (ab-…)")
    labels = [label for label in LABELS if (frame["variant"] == label).any()]
    measured = {label: _measured(frame[frame["variant"] == label]) for label in labels}
    rows = [
        _row(label, int((frame["variant"] == label).sum()), measured[label]) for label in labels
    ]
    others = labels[1:]
    alpha = ALPHA / max(1, len(others))
    found = {label: _compare(measured[labels[0]], measured[label], alpha) for label in others}
    comparisons = adjust({label: r for label, r in found.items() if r is not None})
    return {
        "id": group,
        "variants": rows,
        "control": labels[0],
        "test": comparisons.get("B"),
        "comparisons": comparisons,
    }


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
    from clientnest_cli.analytics.abtest import conclude_many

    comparisons = data["comparisons"]
    if len(comparisons) < len(data["variants"]) - 1 or not comparisons:
        which = "both variants" if len(data["variants"]) <= 2 else "the variants"
        return f"no winner yet — {which} need published posts with figures"
    exposures = {r["variant"]: r["exposures"] for r in data["variants"]}
    return conclude_many(comparisons, exposures, data["control"])
