"""The daemon's monthly client reports: each client's page for the month just ended.

Written once per client and month (a report already in the folder is left
alone), so a daemon that was down on the 1st catches up on its next run.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

log = logging.getLogger(__name__)


def last_month(now: datetime, tz: str) -> str:
    local = now.astimezone(ZoneInfo(tz))
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def folder(ctx: AppContext) -> Path:
    configured = ctx.settings.report.folder
    return Path(configured).expanduser() if configured else ctx.paths.data_dir / "reports"


def monthly_reports(ctx: AppContext, now: datetime | None = None) -> list[Path]:
    """Write the reports still missing for the month just ended; the files written."""
    from sqlalchemy import text

    from clientnest_cli.services.analytics_scope import acting_timezone
    from clientnest_cli.services.report import gather, write

    if not ctx.settings.report.monthly:
        return []
    now = now or datetime.now(UTC)
    month = last_month(now, acting_timezone(ctx))
    target_dir = folder(ctx)
    target_dir.mkdir(parents=True, exist_ok=True)
    with ctx.store.read_engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT name FROM client ORDER BY name"))]
    written = []
    for name in names:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "client"
        target = target_dir / f"{slug}-{month}.html"
        if target.exists():
            continue
        try:
            data = gather(ctx, client=name, month=month, now=now)
        except BadInput as exc:  # no accounts, nothing published: no report this month
            log.info("no report for %s in %s: %s", name, month, exc.one_line())
            continue
        written.extend(write(data, "html", target))
    if written:
        from clientnest_cli.services.notify import notify

        notify(
            ctx,
            f"ClientNest: {len(written)} client report(s) for {month}",
            f"Written to {target_dir}",
        )
    return written
