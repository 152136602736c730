"""`ai generate` and `ai optimize` tell the AI what works for the account (its own
`analytics recommend` advice), checked in the request the AI emulator received."""

from __future__ import annotations

from typing import Any

from clientnest_cli.sandbox.insight_history import InsightSpec, no_signal
from tests.analytics.test_model_cli import _seed
from tests.helpers import ok

pytest_plugins = ["tests.cli.ai_fixtures"]

HEAD = "What has worked for this account"
PLANTED = InsightSpec(seed=7, posts=800, timezone="Europe/Berlin")  # as tests/analytics


def _user_message(ai: Any, n: int = -1) -> str:
    return str(ai.snapshot()["requests"][n]["messages"][1]["content"])


def test_generate_and_optimize_pass_the_planted_findings(ai_env: Any) -> None:
    posts = _seed({"x:acme": PLANTED})
    ok("ai", "generate", "--topic", "spring menu", "--to", "x:acme")
    sent = _user_message(ai_env)
    assert HEAD in sent
    assert "x:acme: media: with media posts get" in sent and "more interactions" in sent
    assert "x:acme: hour: 18:00 posts get" in sent
    assert "x:acme: category: promo posts get" in sent and "fewer interactions" in sent
    assert "95% interval" in sent
    ok("ai", "optimize", str(posts["x:acme"][-1]))
    sent = _user_message(ai_env)
    assert HEAD in sent and "x:acme: media: with media posts get" in sent


def test_no_findings_nothing_is_invented(ai_env: Any) -> None:
    posts = _seed({"mastodon:quiet": no_signal(InsightSpec(seed=8, posts=800))})
    ok("ai", "generate", "--topic", "spring menu", "--to", "mastodon:quiet")
    ok("ai", "optimize", str(posts["mastodon:quiet"][-1]))
    ok("ai", "generate", "--topic", "spring menu", "--platform", "x")  # no account at all
    for n in range(3):
        sent = _user_message(ai_env, n)
        assert HEAD not in sent and "interactions" not in sent and "95%" not in sent
