"""What happened to a post after it went out, per target: metrics over time and comments.

The TUI's posts detail pane shows this under the post; the figures are the
same rows `clientnest metrics history POST` and `clientnest metrics comments
--post POST` print (``MetricsSync.history`` / ``MetricsSync.comments``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clientnest_cli.errors import NotFound
from clientnest_cli.store.metrics_repos import MetricsSync
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Accounts

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Comment, PostMetricsSnapshot

MAX_TARGETS = 20


@dataclass
class TargetActivity:
    post_id: int
    target: str  # platform:handle
    status: str
    snapshots: list[PostMetricsSnapshot] = field(default_factory=list)  # oldest first
    comments: list[Comment] = field(default_factory=list)  # newest first


def post_activity(
    ctx: AppContext, post_id: int, *, snapshots: int = 30, comments: int = 10
) -> list[TargetActivity]:
    """The post and its sibling targets (same group), each with its newest
    ``snapshots`` metric snapshots and ``comments`` comments."""
    with ctx.store.session(readonly=True) as session:
        ctx.actor(session)
        posts = Posts(session)
        post = posts.by_id(post_id)
        if post is None:
            raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
        targets = [post]
        if post.group_id:
            siblings = posts.group_leads(post.group_id, limit=200)
            targets += [  # as post_detail: a recurring post's other occurrences are not targets
                s
                for s in siblings
                if s.id != post.id and not (post.recurrence and s.scheduled_at != post.scheduled_at)
            ]
        accounts, metrics = Accounts(session), MetricsSync(session)
        found = []
        for target in targets[:MAX_TARGETS]:
            account = accounts.by_id(target.account_id)
            found.append(
                TargetActivity(
                    post_id=target.id or 0,
                    target=f"{account.platform}:{account.handle}" if account else "?",
                    status=target.status,
                    snapshots=list(reversed(metrics.history(target.id or 0, snapshots))),
                    comments=[c for c, _p, _h in metrics.comments(target.id or 0, comments)],
                )
            )
        return found
