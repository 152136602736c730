"""Health alerts remembered in the store, so the daemon tells the user once per new alert.

An alert is identified by its account and ``key`` (kind plus what it is about);
``record`` stores the ones not seen before, notifies each of them, and marks
the ones no longer raised as resolved (a later return is a new alert).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from clientnest_cli.analytics.health import AccountHealth
    from clientnest_cli.services.context import AppContext


def record(ctx: AppContext, results: list[AccountHealth], notify: bool = True) -> list[Any]:
    """Store the alerts of ``results``; return (and notify) the new ones."""
    from sqlmodel import col, select

    from clientnest_cli.store.models import AccountAlert

    now = utcnow()
    new = []
    with ctx.store.session() as session:
        ids = [h.account_id for h in results]
        known = {
            (a.account_id, a.key): a
            for a in session.exec(
                select(AccountAlert).where(
                    col(AccountAlert.account_id).in_(ids), col(AccountAlert.resolved_at).is_(None)
                )
            ).all()
        }
        raised = set()
        for health in results:
            for alert in health.alerts:
                key = (health.account_id, alert.key[:200])
                raised.add(key)
                row = known.get(key)
                if row is not None:
                    row.last_seen_at = now
                    session.add(row)
                    continue
                row = AccountAlert(
                    account_id=health.account_id,
                    key=alert.key[:200],
                    kind=alert.kind,
                    message=f"{health.account}: {alert.message}"[:1000],
                    first_seen_at=now,
                    last_seen_at=now,
                )
                session.add(row)
                known[key] = row
                new.append(row)
        for key, row in known.items():
            if key not in raised and row.id is not None:
                row.resolved_at = now
                session.add(row)
        session.flush()
    if notify:
        from clientnest_cli.services import notify as notifier

        for row in new:
            notifier.notify(ctx, "ClientNest: an account needs attention", row.message)
        if new:
            with ctx.store.session() as session:
                for row in new:
                    stored = session.get(AccountAlert, row.id)
                    if stored is not None:
                        stored.notified_at = utcnow()
                        session.add(stored)
    return new


def check(ctx: AppContext) -> list[Any]:
    """What the daemon runs: assess every account, notify each new alert once."""
    from clientnest_cli.services.analytics import health, scope

    results = health(ctx, scope(ctx, period="26w"))
    return record(ctx, results)
