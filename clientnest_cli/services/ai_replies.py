"""Answering comments with the AI: suggestions fitted to the platform, and sending one.

``suggest_replies`` asks for a few possible answers to a fetched Comment;
``send_reply`` posts the chosen one through the platform adapter (with a
fresh token) and records it on the Comment row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientnest_cli.ai import prompts
from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services import ai_shaping as shaping
from clientnest_cli.services.ai_content import meter_for, need_count, need_text, render_prompt
from clientnest_cli.store.ai_repos import AIPlanning
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Accounts

if TYPE_CHECKING:
    from clientnest_cli.services.ai_usage import Actor
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, SocialAccount


@dataclass
class RepliesResult:
    comment_id: int
    author: str
    comment: str
    platform: str
    replies: list[str]
    cut: list[bool] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def suggest_replies(
    ctx: AppContext,
    comment_id: int,
    tone: str = "friendly",
    count: int = 3,
    actor: Actor | None = None,
) -> RepliesResult:
    """Possible answers to a fetched comment, fitted to its platform."""
    tone = prompts.check_tone(tone)
    count = need_count(count, "--count", 10)
    comment, post, account = _comment_context(ctx, comment_id)
    with meter_for(ctx, actor, "suggesting replies") as meter:
        messages = render_prompt(
            "reply",
            account.platform,
            text=comment.text,
            context=post.content,
            tone=tone,
            count=count,
        )
        shaped = shaping.ask(
            meter,
            "reply",
            messages,
            platforms=[account.platform],
            max_tokens=shaping.json_tokens(ctx.settings.ai.max_tokens, account.platform, count),
            extract=shaping.string_list("replies"),
            json_mode=True,
        )
    return RepliesResult(
        comment_id=comment_id,
        author=comment.author,
        comment=comment.text,
        platform=account.platform,
        replies=shaped.items,
        cut=shaped.cut,
        warnings=shaped.warnings,
    )


def _comment_context(ctx: AppContext, comment_id: int) -> tuple[Any, Post, SocialAccount]:

    with ctx.store.session() as session:
        ctx.actor(session)
        comment = AIPlanning(session).comment(comment_id)
        if comment is None:
            raise NotFound(
                f"no comment with id {comment_id}",
                hint="fetch comments first; see `clientnest metrics` for fetched ones",
            )
        post = Posts(session).by_id(comment.post_id)
        account = Accounts(session).by_id(post.account_id) if post else None
        if post is None or account is None:
            raise NotFound(f"the post of comment {comment_id} is gone")
        return comment, post, account


def send_reply(ctx: AppContext, comment_id: int, text: str) -> Any:
    """Post ``text`` as our answer to a comment and record it on the Comment row."""
    from clientnest_cli.domain.outgoing import PublishedRef
    from clientnest_cli.domain.rules import validate_content
    from clientnest_cli.errors import ValidationFailed
    from clientnest_cli.services.tokens import with_fresh_token
    from clientnest_cli.store.types import utcnow

    text = need_text(text, "reply")
    with ctx.store.session() as session:
        user = ctx.require(session, Role.EDITOR, "replying to comments")
    _comment, post, account = _comment_context(ctx, comment_id)
    if not post.platform_post_id:
        raise BadInput(f"post {post.id} was never published, so it has no replies to answer")
    found = [v for v in validate_content(account.platform, text) if v.rule in shaping.TEXT_RULES]
    if found:
        raise ValidationFailed(
            f"the reply breaks {account.platform}'s rules: {found[0]}",
            [str(v) for v in found],
            hint="shorten it",
        )
    ref = PublishedRef(post.platform_post_id, post.platform_url, dict(post.platform_extra))
    with_fresh_token(ctx, account, lambda adapter: adapter.reply(ref, text), user.email)
    with ctx.store.session() as session:
        row = AIPlanning(session).comment(comment_id)
        assert row is not None
        row.our_reply, row.replied_at = text, utcnow()
        session.add(row)
        ctx.audit(session, user.email, "comment.reply", "comment", comment_id, post=post.id)
        return row
