"""Health alerts: negative replies flagged; the daemon's check notifies each new alert once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.analytics.conftest import UNTIL, Seeded
from tests.helpers import ok

LATER = "2026-11-20T00:00:00+00:00"  # nearly three weeks after the last seeded post


def _comment(post_id: int, texts: list[str]) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Comment

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            for n, text in enumerate(texts):
                session.add(Comment(post_id=post_id, platform_comment_id=f"n{n}", text=text))
    finally:
        ctx.close()


def _health(until: str):  # type: ignore[no-untyped-def]
    from clientnest_cli.services.analytics import health, scope
    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    try:
        return ctx, health(ctx, scope(ctx, until=until, period="26w"))
    except Exception:
        ctx.close()
        raise


def test_unusually_negative_replies_are_an_alert(seeded: Seeded) -> None:
    recent = ok(
        "analytics", "top", "--account", "x:acme", "--until", UNTIL, "--period", "7d", "--json"
    ).json()[0]["post_id"]
    _comment(recent, ["This is awful.", "Terrible, I hate it.", "Worst post ever.",
                      "Horrible and sad.", "Bad bad bad.", "Nice one!"])  # fmt: skip
    data = ok("analytics", "health", "--until", UNTIL, "--json").json()
    x = next(h for h in data if h["account"] == "x:acme")
    kinds = {a["kind"]: a for a in x["alerts"]}
    assert "negative_replies" in kinds and str(recent) in kinds["negative_replies"]["message"]
    assert x["state"] == "alert"


def test_each_new_alert_is_notified_once(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    from clientnest_cli.services import alerts, notify

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        notify, "notify", lambda _ctx, title, message: sent.append((title, message))
    )
    ctx, results = _health(LATER)
    try:
        first = alerts.record(ctx, results)
        assert first and len(sent) == len(first)
        assert any("x:acme" in m and "no post in" in m for _t, m in sent)
        again = alerts.record(ctx, results)
        assert again == [] and len(sent) == len(first)  # same alerts: no second notification
    finally:
        ctx.close()
    later = (datetime.fromisoformat(LATER) + timedelta(days=60)).isoformat()
    ctx, results = _health(later)
    try:
        alerts.record(ctx, results)  # still silent since the same day: the same alerts …
        accounts = [m.split(":")[0] + ":" + m.split(":")[1] for _t, m in sent]
        assert len(accounts) == len(set(accounts))  # … not notified again (others may be new)
    finally:
        ctx.close()
