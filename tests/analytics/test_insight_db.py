"""Train, predict, recommend and A/B status on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientnest_cli.sandbox.insight_history import InsightSpec
from tests.analytics.test_ab_cli import _create, _publish
from tests.analytics.test_model_cli import _seed
from tests.helpers import ok, seed_account


def test_the_insight_commands_on_both_stores(
    home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    posts = _seed({"x:acme": InsightSpec(seed=5, posts=200, timezone="Europe/Berlin")})
    ok("analytics", "model", "train", "--account", "x:acme")
    ev = ok("analytics", "model", "evaluate", "--json").json()
    assert ev["posts"] == 200 and ev["holdout"] == 40
    answer = ok("analytics", "predict", str(posts["x:acme"][-1]), "--json").json()
    assert answer["low"] <= answer["expected"] <= answer["high"] and answer["typical"] > 0
    found = ok("analytics", "recommend", "x:acme", "--json").json()[0]
    assert found["posts"] == 200
    seed_account("x", "acme2")
    test = _create("x:acme", "x:acme2")
    _publish(test, {"A": 0.04, "B": 0.05}, 20_000, seed=1)
    assert ok("ab", "status", test["id"], "--json").json()["test"]["significant"]
