"""Where the engagement model is kept, and the one line `post show`/`post create`
print from it: light to import (the model, pandas and the store's analytics load
only when a model is kept)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

MODEL_FILE = "engagement-model.bin"


def model_path(ctx: AppContext) -> Path:
    return ctx.paths.data_dir / MODEL_FILE


def prediction_line(ctx: AppContext, post_id: int) -> str | None:
    """One line for `post show`/`post create` when a model is kept; None otherwise."""
    from clientnest_cli.errors import ClientNestError

    if not model_path(ctx).exists():
        return None
    from clientnest_cli.services.insight_predict import predict_post

    try:
        a = predict_post(ctx, post_id)
    except ClientNestError as exc:
        return f"{exc.one_line()}"
    by = "model" if a["by"] == "model" else f"{a['by'].replace('_', ' ')}: {a['reason']}"
    typical = "unknown" if a["typical"] is None else f"{a['typical']:,.0f}"
    return (
        f"about {a['expected']:,.0f} interactions (80%: {a['low']:,.0f}–{a['high']:,.0f}; "
        f"typical {typical}; by {by})"
    )
