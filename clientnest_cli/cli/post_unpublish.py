"""`clientnest post unpublish ID`: delete a published post on its platform(s).
Registers on the `post` app of cli/posts.py."""

from __future__ import annotations

from dataclasses import asdict

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state
from clientnest_cli.cli.posts import GROUP, JSON, _post_id, app
from clientnest_cli.errors import ClientNestError


@app.command("unpublish")
def unpublish(
    ctx: typer.Context,
    post_id: str = typer.Argument(..., metavar="ID"),
    group: bool = GROUP,
    as_json: bool = JSON,
) -> None:
    """Delete a published post (and its thread parts, last first) on its platform.

    Where the platform's API cannot delete (Instagram, TikTok, Slack webhooks)
    it says so; the post's record and metrics history stay in ClientNest.
    Running it again is safe: a post already gone counts as done.
    """
    from clientnest_cli.services.unpublish import unpublish_post

    result = unpublish_post(state(ctx), _post_id(post_id), group=group)
    if as_json:
        output.emit_json(
            [asdict(o) | {"done": o.done} for o in result.outcomes]  # type: ignore[call-overload]
        )
    else:
        output.table(
            "Unpublish",
            ["post", "account", "outcome", "parts", "detail"],
            [
                (o.post_id, o.account, o.outcome, f"{o.parts_deleted}/{o.parts}", o.detail)
                for o in result.outcomes
            ],
        )
    still_up = result.still_up
    if still_up:
        where = ", ".join(f"{o.account} (post {o.post_id})" for o in still_up)
        raise ClientNestError(
            f"{len(still_up)} target(s) are still published: {where}",
            hint="see the detail above; run it again after fixing a failure",
        )
    if not as_json:
        output.done(f"Unpublished post {post_id.lstrip('#')} where it was published.")
