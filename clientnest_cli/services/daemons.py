"""Daemon bookkeeping: heartbeats, `daemon status`, tokens refreshed ahead of expiry."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli import __version__
from clientnest_cli.store.models import DaemonHeartbeat
from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


def beat(ctx: AppContext, daemon_id: str, stopped: bool = False) -> None:
    now = utcnow()
    with ctx.store.session() as session:
        row = session.get(DaemonHeartbeat, daemon_id)
        if row is None:
            row = DaemonHeartbeat(
                daemon_id=daemon_id,
                host=socket.gethostname(),
                pid=os.getpid(),
                version=__version__,
                started_at=now,
            )
        row.last_tick_at = now
        row.stopped_at = now if stopped else None
        session.add(row)


def status(ctx: AppContext) -> dict[str, Any]:
    """Live and recent daemons, and the backlog of due posts."""
    from sqlmodel import col, select

    from clientnest_cli.store.claims import Claims

    stale = timedelta(seconds=ctx.settings.daemon.heartbeat_stale_seconds)
    now = utcnow()
    with ctx.store.session() as session:
        tz_name = ctx.actor(session).timezone
        rows = session.exec(
            select(DaemonHeartbeat).order_by(col(DaemonHeartbeat.last_tick_at).desc()).limit(50)
        ).all()
    with ctx.lite() as db:
        claims = Claims(db)
        backlog, next_due = claims.due_count(now), claims.next_due_at()
    daemons = [
        {
            "daemon": r.daemon_id,
            "host": r.host,
            "pid": r.pid,
            "version": r.version,
            "started_at": r.started_at,
            "last_tick_at": r.last_tick_at,
            "seconds_since_tick": round((now - r.last_tick_at).total_seconds(), 1),
            "state": "stopped"
            if r.stopped_at
            else ("alive" if now - r.last_tick_at <= stale else "silent"),
        }
        for r in rows
    ]
    return {"daemons": daemons, "backlog": backlog, "next_due_at": next_due, "timezone": tz_name}


def refresh_expiring_tokens(ctx: AppContext, actor: str, ahead: timedelta) -> int:
    """Refresh every active account whose token expires within ``ahead``."""
    from sqlmodel import col, select

    from clientnest_cli.errors import ClientNestError
    from clientnest_cli.services.tokens import refresh_now
    from clientnest_cli.store.models import SocialAccount

    with ctx.store.session() as session:
        due = session.exec(
            select(SocialAccount).where(
                SocialAccount.status == "active",
                col(SocialAccount.token_expires_at).is_not(None),
                col(SocialAccount.token_expires_at) <= utcnow() + ahead,
            )
        ).all()
    refreshed = 0
    for account in due:
        try:
            refresh_now(ctx, account, actor, ahead=ahead)
            refreshed += 1
        except ClientNestError:
            continue  # refresh_now marked it needs_reauth and notified
    return refreshed
