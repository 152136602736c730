"""A/B tests of more than two variants (Holm-adjusted against A), and `ai generate --ab`."""

from __future__ import annotations

import random
from typing import Any

import pytest

from clientnest_cli.analytics.abtest import adjust, conclude_many, holm, two_proportion
from tests.analytics.test_ab_cli import _publish
from tests.cli.ai_helpers import posts
from tests.helpers import cli, init_store, ok, seed_account

pytest_plugins = ["tests.cli.ai_fixtures"]

AT = "2030-01-07T09:00"


def test_holm_matches_the_textbook_steps() -> None:
    # m = 3, sorted 0.01, 0.03, 0.04: 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.2]) == [0.2] and holm([0.6, 0.6]) == [1.0, 1.0]


def test_equal_variants_rarely_yield_a_winner_over_many_seeds() -> None:
    runs, n, rate, wins = 500, 4_000, 0.04, 0
    for seed in range(runs):
        rng = random.Random(seed)
        hits = [round(rng.gauss(n * rate, (n * rate * (1 - rate)) ** 0.5)) for _ in range(5)]
        results = adjust(
            {v: two_proportion(hits[0], n, h, n) for v, h in zip("BCDE", hits[1:], strict=True)}
        )
        wins += any(r.significant for r in results.values())
    assert 0.01 <= wins / runs <= 0.07  # family-wise, not 4 × 5%


def test_three_variants_the_real_winner_is_named_after_adjustment(home: Any) -> None:
    init_store()
    for handle in ("acme", "acme2"):
        seed_account("x", handle)
    args = ["ab", "create", "--to", "x:acme", "--to", "x:acme2", "--at", AT, "--json"]
    for text in ("Fresh roast", "New roast is in", "Roast day: 20% off"):
        args += ["--variant", text]
    test = ok(*args).json()
    assert test["split"] == "time" and len(test["posts"]) == 6  # 2 accounts < 3 variants
    weeks = sorted({p["at"] for p in test["posts"]})
    assert len(weeks) == 3
    _publish(test, {"A": 0.04, "B": 0.04, "C": 0.05}, 20_000, seed=1)
    data = ok("ab", "status", test["id"], "--json").json()
    assert [v["variant"] for v in data["variants"]] == ["A", "B", "C"]
    compared = {c["variant"]: c for c in data["comparisons"]}
    assert set(compared) == {"B", "C"} and compared["C"]["significant"]
    assert not compared["B"]["significant"]
    for c in compared.values():
        assert c["against"] == "A" and c["p_adjusted"] >= c["p_value"]
    assert data["test"]["p_adjusted"] == compared["B"]["p_adjusted"]  # `test` is still B vs A
    said = ok("ab", "conclude", test["id"]).stdout
    assert said.startswith("C wins") and "Holm" in said
    assert "Holm-adjusted" in ok("ab", "status", test["id"]).stdout


def test_generate_ab_makes_a_test_from_ai_drafts(ai: Any) -> None:
    for handle in ("acme", "acme2", "acme3"):
        seed_account("x", handle)
    made = ok(
        "ai", "generate", "--topic", "spring menu", "--variants", "3", "--ab",
        "--to", "x:acme", "--to", "x:acme2", "--to", "x:acme3", "--at", AT, "--json",
    ).json()  # fmt: skip
    assert made["id"].startswith("ab-") and made["split"] == "accounts"
    assert len(ai.snapshot()["requests"]) == 3
    texts = {chr(ord("A") + i): v["text"] for i, v in enumerate(made["variants"])}
    saved = {p.id: p for p in posts()}
    for p in made["posts"]:
        post = saved[p["id"]]
        assert post.variant == p["variant"] and post.group_id == made["id"]
        assert post.content == texts[p["variant"]] and post.status == "scheduled"
    assert sorted(p["variant"] for p in made["posts"]) == ["A", "B", "C"]
    status = ok("ab", "status", made["id"], "--json").json()
    assert [v["variant"] for v in status["variants"]] == ["A", "B", "C"]


def test_generate_ab_bad_input_costs_nothing(ai: Any) -> None:
    seed_account("x", "acme")
    seed_account("x", "acme2")
    base = ["ai", "generate", "--topic", "tea", "--to", "x:acme"]
    for args, message in (
        ([*base, "--ab", "--at", AT], "two to five variants, not 1"),
        ([*base, "--ab", "--variants", "2"], "when the test starts"),
        (["ai", "generate", "--topic", "t", "--platform", "x", "--ab", "--variants", "2", "--at", AT],
         "where the test runs"),
        ([*base, "--ab", "--variants", "2", "--at", AT, "--save-draft"], "--save-draft"),
        ([*base, "--ab", "--variants", "2", "--at", AT, "--queue"], "--queue"),
        ([*base, "--variants", "2", "--at", AT], "go with --ab"),
        ([*base, "--to", "x:acme2", "--ab", "--variants", "3", "--split", "accounts", "--at", AT],
         "three or more"),
        ([*base, "--ab", "--variants", "2", "--at", AT, "--split", "sideways"], "unknown split"),
    ):  # fmt: skip
        run = cli(*args)
        assert run.exit_code == 2 and message in run.stderr, (args, run.stderr)
        assert "Traceback" not in run.stderr
    assert ai.calls == 0 and posts() == []


def test_generate_ab_refuses_a_budget_that_cannot_cover_every_variant(ai: Any) -> None:
    import re

    seed_account("x", "acme")
    ok("policy", "set", "tiers.free.ai_tokens_per_month", "1")
    refused = cli("ai", "generate", "--topic", "tea", "--platform", "x")
    one = int(re.search(r"needs up to ([\d,]+)", refused.stderr).group(1).replace(",", ""))
    ok("policy", "set", "tiers.free.ai_tokens_per_month", str(3 * one))  # room for about 3
    run = cli(
        "ai", "generate", "--topic", "tea", "--to", "x:acme", "--variants", "5", "--ab",
        "--at", AT, "--split", "time",
    )  # fmt: skip
    assert run.exit_code == 2 and "these 5 requests needs up to" in run.stderr, run.stderr
    assert ai.calls == 0 and posts() == []
    ok("ai", "generate", "--topic", "tea", "--to", "x:acme", "--variants", "2")
    assert ai.calls == 2  # two single requests fit


def test_conclude_many_with_every_variant_worse_names_the_control() -> None:
    a, n = 1_000, 20_000
    results = adjust({v: two_proportion(a, n, 700, n) for v in "BC"})
    said = conclude_many(results, {"A": n, "B": n, "C": n}, "A")
    assert said.startswith("A wins")
