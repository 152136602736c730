"""Telling the user when something needs them: a failed post, an account to reconnect.

Always an audit line (written by the caller in the same transaction); a
desktop notification where `notify-send` exists; a Slack- or Discord-format
webhook when config names one. Notification failures are logged, never raised:
they must not turn a recorded failure into a lost one.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, SocialAccount

log = logging.getLogger("clientnest.notify")


def post_failed(ctx: AppContext, post: Post, account: SocialAccount, reason: str) -> None:
    notify(
        ctx,
        "ClientNest: a post failed",
        f"Post {post.id} to {account.platform}:{account.handle} failed: {reason}",
    )


def post_unconfirmed(ctx: AppContext, post: Post, account: SocialAccount, reason: str) -> None:
    from clientnest_cli.domain.post_states import CONFIRM_HINT

    notify(
        ctx,
        "ClientNest: a post may have been sent",
        f"Post {post.id} to {account.platform}:{account.handle} may have been sent ({reason}); "
        + CONFIRM_HINT.replace("ID", str(post.id)),
    )


def account_needs_reauth(ctx: AppContext, account: SocialAccount, reason: str) -> None:
    notify(
        ctx,
        "ClientNest: reconnect an account",
        f"{account.platform}:{account.handle} needs re-authorisation ({reason}). "
        f"Run `clientnest accounts connect {account.platform}`.",
    )


def notify(ctx: AppContext, title: str, message: str) -> None:
    settings = ctx.settings.notifications
    if settings.desktop:
        _desktop(title, message)
    if settings.webhook_url:
        _webhook(settings.webhook_url, settings.webhook_format, title, message)


def _desktop(title: str, message: str) -> None:
    tool = shutil.which("notify-send")
    if tool is None:
        return
    try:
        subprocess.run([tool, title, message], timeout=5, check=False, capture_output=True)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("desktop notification failed: %s", exc)


def _webhook(url: str, fmt: str, title: str, message: str) -> None:
    """POST to the webhook through the HTTP factory: its URL is a secret, so the
    transport rules apply (https, or http to this machine only)."""
    import httpx

    from clientnest_cli.errors import PlatformError
    from clientnest_cli.platforms.http import make_client
    from clientnest_cli.platforms.transport import GuardedClient, Policy

    body = (
        {"content": f"**{title}**\n{message}"}
        if fmt == "discord"
        else {"text": f"*{title}*\n{message}"}
    )
    try:
        with make_client(timeout=10) as raw:
            http = GuardedClient(raw, Policy("notifications", secret_url=True))
            http.post(url, json=body).raise_for_status()
    except PlatformError as exc:
        log.warning("notification webhook not sent: %s", exc.message)
    except httpx.HTTPError as exc:
        log.warning("notification webhook failed: %s", type(exc).__name__)
