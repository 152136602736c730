"""`ab create/status/conclude` on seeded variant figures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.helpers import cli, init_store, ok, seed_account


def _publish(test: dict, rates: dict[str, float], impressions: int, seed: int) -> None:
    """Mark the test's posts published and give them seeded figures (binomial draws)."""
    from sqlalchemy import update

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, PostMetricsSnapshot

    rng = random.Random(seed)
    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            for p in test["posts"]:
                when = datetime(2026, 10, 1, 9, tzinfo=UTC)
                conn.execute(
                    update(Post.__table__)  # type: ignore[arg-type]
                    .where(Post.__table__.c.id == p["id"])  # type: ignore[attr-defined]
                    .values(status="published", published_at=when, followers_at_post=5000)
                )
                rate = rates[p["variant"]]
                hits = round(
                    rng.gauss(impressions * rate, (impressions * rate * (1 - rate)) ** 0.5)
                )
                conn.execute(
                    PostMetricsSnapshot.__table__.insert(),  # type: ignore[attr-defined]
                    {
                        "post_id": p["id"], "likes": hits, "comments": 0, "shares": 0,
                        "views": impressions, "impressions": impressions,
                        "engagement_rate": hits / impressions, "rate_basis": "impressions",
                        "captured_at": when + timedelta(days=1),
                    },
                )  # fmt: skip
    finally:
        ctx.close()


def _create(*refs: str, split: str | None = None) -> dict:
    args = ["ab", "create", "--variant", "Fresh roast, 20% off", "--variant", "New roast is in"]
    for ref in refs:
        args += ["--to", ref]
    args += ["--at", "2030-01-07T09:00", "--json"] + (["--split", split] if split else [])
    return ok(*args).json()


def test_a_real_difference_is_significant(home: Path) -> None:
    init_store()
    seed_account("x", "acme")
    seed_account("x", "acme2")
    test = _create("x:acme", "x:acme2", split="time")
    assert test["split"] == "time" and len(test["posts"]) == 4
    a_times = {p["at"] for p in test["posts"] if p["variant"] == "A"}
    b_times = {p["at"] for p in test["posts"] if p["variant"] == "B"}
    assert len(a_times) == len(b_times) == 1  # one week apart, same weekday and hour
    _publish(test, {"A": 0.04, "B": 0.05}, 20_000, seed=1)
    data = ok("ab", "status", test["id"], "--json").json()
    assert data["test"]["significant"] and data["test"]["p_value"] < 0.01
    assert [v["variant"] for v in data["variants"]] == ["A", "B"]
    assert data["variants"][0]["exposures"] == 40_000
    assert ok("ab", "conclude", test["id"]).stdout.startswith("B wins")
    b_post = next(p for p in test["posts"] if p["variant"] == "B")
    assert ok("post", "show", str(b_post["id"]), "--json").json()["variant"] == "B"
    assert "(variant B)" in ok("post", "show", str(b_post["id"])).stdout


def test_equal_variants_have_no_winner_yet(home: Path) -> None:
    init_store()
    seed_account("x", "acme")
    seed_account("x", "acme2")
    test = _create("x:acme", "x:acme2")
    assert test["split"] == "accounts" and len({p["at"] for p in test["posts"]}) == 1
    _publish(test, {"A": 0.04, "B": 0.04}, 3_000, seed=3)
    data = ok("ab", "status", test["id"], "--json").json()
    assert not data["test"]["significant"], data
    said = ok("ab", "conclude", test["id"]).stdout
    assert "no winner yet" in said and "more impressions per variant" in said


def test_bad_input(home: Path) -> None:
    init_store()
    seed_account("x", "acme")
    for args, message in (
        (["ab", "create", "--to", "x:acme", "--variant", "only one", "--at", "tomorrow"], "two"),
        (["ab", "create", "--variant", "a", "--variant", "b", "--at", "tomorrow"], "--to"),
        (
            [
                *("ab", "create", "--to", "x:acme", "--variant", "a", "--variant", "b"),
                *("--at", "tomorrow 9am", "--split", "accounts"),
            ],
            "two or more",
        ),
        (["ab", "status", "ab-nothing"], "no A/B test"),
    ):
        run = cli(*args)
        assert run.exit_code == 2 and message in run.stderr, (args, run.stderr)
