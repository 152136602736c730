"""What one send needs, loaded for a whole claimed batch at once.

Part of the publishing engine (services/publisher.py): a claimed batch's
posts, accounts, media, thread parents and open attempts are read in one
read transaction, one query per table (store/claims.py ``load_batch``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from clientnest_cli.domain.outgoing import OutgoingPost, PublishedRef
from clientnest_cli.store.claims import Claims

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.rows import SendingAccountRow, SendingPostRow


@dataclass
class _Job:
    """Everything one send needs, read in one short transaction."""

    post: SendingPostRow
    account: SendingAccountRow
    outgoing: OutgoingPost
    attempt_id: int = 0  # the attempt the claim opened


def load_jobs(ctx: AppContext, media_dir: Path, owner: str, ids: list[int]) -> dict[int, _Job]:
    """The posts of ``ids`` that ``owner`` still holds, ready to send, by id."""
    from clientnest_cli.services.posts import outgoing_for

    with ctx.lite() as db:
        batch = Claims(db).load_batch(ids)
    jobs = {}
    for post_id in ids:
        post = batch.posts.get(post_id)
        if post is None or post.status != "publishing" or post.lease_owner != owner:
            continue
        outgoing = outgoing_for(post, batch.media.get(post_id, ()), media_dir)
        previous = batch.previous_part(post)
        if previous is not None:
            root = batch.threads.get((post.thread_parent_id or 0, 0))
            outgoing = replace(outgoing, reply_to=_ref(previous), root=_ref(root or previous))
        account = batch.accounts[post.account_id]
        jobs[post_id] = _Job(post, account, outgoing, batch.attempts.get(post_id, 0))
    return jobs


def _ref(post: SendingPostRow) -> PublishedRef:
    return PublishedRef(post.platform_post_id, post.platform_url, dict(post.platform_extra or {}))
