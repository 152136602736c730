"""The daemon's retrain job: only with a kept model, only when enough new figures arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from clientnest_cli.sandbox.insight_history import InsightSpec
from tests.analytics.test_model_cli import _seed
from tests.helpers import ok


def _new_figures(post_ids: list[int]) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import PostMetricsSnapshot

    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            conn.execute(
                PostMetricsSnapshot.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {"post_id": pid, "likes": 50, "comments": 5, "shares": 5, "rate_basis": ""}
                    | {"captured_at": datetime.now(UTC) + timedelta(minutes=1)}
                    for pid in post_ids
                ],
            )
    finally:
        ctx.close()


def test_retrains_once_enough_new_figures_arrived(home: Path) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.insight import header, retrain_if_due

    posts = _seed({"x:acme": InsightSpec(seed=6, posts=120)})
    ctx = AppContext()
    try:
        assert retrain_if_due(ctx, 10) is None  # no model kept: nothing to retrain
        ok("analytics", "model", "train", "--account", "x:acme")
        first = header(ctx)["trained_at"]
        _new_figures(posts["x:acme"][:5])
        assert retrain_if_due(ctx, 10) is None and header(ctx)["trained_at"] == first
        _new_figures(posts["x:acme"][5:15])
        done = retrain_if_due(ctx, 10)
        assert done is not None and done["scope"]["accounts"] == ["x:acme"]
        assert header(ctx)["trained_at"] > first
        assert retrain_if_due(ctx, 0) is None  # 0 turns the job off
    finally:
        ctx.close()


def test_a_model_this_version_cannot_use_is_retrained_at_once(home: Path) -> None:
    """An older file format or another scikit-learn: `predict` refuses the model, so
    the daemon's job retrains it without waiting for new figures."""
    import json

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.insight import FORMAT, header, retrain_if_due, sklearn_version
    from clientnest_cli.services.insight_model import model_path

    _seed({"x:acme": InsightSpec(seed=6, posts=120)})
    ok("analytics", "model", "train", "--account", "x:acme")
    ctx = AppContext()
    try:
        for change in ({"format": FORMAT - 1}, {"sklearn": "0.0.1"}):
            path = model_path(ctx)
            head, rest = path.read_bytes().split(b"\n", 1)
            path.write_bytes(json.dumps(json.loads(head) | change).encode() + b"\n" + rest)
            before = json.loads(head)["trained_at"]
            done = retrain_if_due(ctx, 10)
            assert done is not None and done["scope"]["accounts"] == ["x:acme"], change
            now = header(ctx)
            assert now["format"] == FORMAT and now["sklearn"] == sklearn_version()
            assert now["trained_at"] > before
        assert retrain_if_due(ctx, 10) is None  # usable again: back to waiting for figures
    finally:
        ctx.close()
    assert ok("analytics", "predict", "--text", "Hi", "--to", "x:acme", "--json").json()
