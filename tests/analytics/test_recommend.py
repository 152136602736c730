"""`analytics recommend`: the planted effects are stated, and nothing else is."""

from __future__ import annotations

from pathlib import Path

from clientnest_cli.sandbox.insight_history import InsightSpec, no_signal
from tests.analytics.test_model_cli import _seed
from tests.helpers import cli, ok

SPEC = InsightSpec(seed=7, posts=800, timezone="Europe/Berlin")


def test_planted_effects_are_advice_and_none_is_invented(home: Path) -> None:
    _seed({"x:acme": SPEC, "mastodon:quiet": no_signal(InsightSpec(seed=8, posts=800))})
    blocks = {b["account"]: b for b in ok("analytics", "recommend", "--json").json()}
    planted = blocks["x:acme"]
    stated = {(f["dimension"], f["level"]): f for f in planted["advice"]}
    assert set(stated) == {("media", "with media"), ("hour", "18:00"), ("category", "promo")}
    assert stated["media", "with media"]["low"] > 0.15  # planted +40%
    assert stated["hour", "18:00"]["low"] > 0.2  # planted +80%
    assert stated["category", "promo"]["high"] < -0.2  # planted −40%
    for f in planted["advice"]:
        assert f["low"] <= f["effect"] <= f["high"] and f["posts"] >= 15 and f["examples"]
    assert len(planted["no_evidence_yet"]) > 20
    assert blocks["mastodon:quiet"]["advice"] == []
    text = ok("analytics", "recommend", "x:acme").stdout
    assert "more interactions" in text and "fewer interactions" in text
    assert "no evidence yet" in text


def test_little_history_says_so(home: Path) -> None:
    _seed({"x:acme": InsightSpec(seed=9, posts=12)})
    run = ok("analytics", "recommend", "x:acme")
    assert "not enough posts" in run.stderr


def test_unknown_account_is_bad_input(home: Path) -> None:
    _seed({"x:acme": InsightSpec(seed=9, posts=12)})
    run = cli("analytics", "recommend", "x:nobody")
    assert run.exit_code == 2 and "x:nobody" in run.stderr
