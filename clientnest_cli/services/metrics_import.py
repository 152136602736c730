"""`metrics import`: past posts and their figures from an export, into the store.

Idempotent: a row matches an earlier import of the account by the platform's
post id, else by its publication time plus text; a match with different
figures gets a new snapshot ("updated"), one with the same is "unchanged".
All or nothing: with any bad row nothing is written unless ``skip_invalid``.
Imported posts are stored as published and ``imported``: never sent by us.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput
from clientnest_cli.services.import_formats import ImportRow, parse
from clientnest_cli.services.metrics_sync import engagement
from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext

SNAPSHOT_FIGURES = ("likes", "comments", "shares", "impressions", "reach", "clicks", "saves")
SNAPSHOT_FIGURES += ("quotes",)
MAX_BYTES = 200 * 1024 * 1024


@dataclass
class ImportReport:
    account: str
    format: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    written: bool = False
    results: list[dict[str, object]] = field(default_factory=list)  # row → outcome, post id

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": self.errors,
            "written": self.written,
            "results": self.results,
        }


def read_file(path: Path) -> bytes:
    if not path.exists():
        raise BadInput(f"no file {path}")
    if not path.is_file():
        raise BadInput(f"{path} is not a file")
    if path.stat().st_size > MAX_BYTES:
        raise BadInput(f"{path} is larger than {MAX_BYTES // 2**20} MB")
    return path.read_bytes()


def import_metrics(
    ctx: AppContext,
    path: Path,
    account_ref: str,
    fmt: str = "auto",
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> ImportReport:
    from clientnest_cli.services.accounts import resolve

    data = read_file(path)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "importing metrics")
        account = resolve(session, account_ref)
        tz = (account.settings or {}).get("timezone") or actor.timezone or "UTC"
        parsed = parse(data, path.name, fmt, tz)
        report = ImportReport(f"{account.platform}:{account.handle}", parsed.format)
        report.rows = parsed.total
        report.errors = parsed.errors
        report.skipped = len(parsed.errors)
        if total:
            total(len(parsed.rows))
        if parsed.errors and not skip_invalid:
            report.skipped = 0
            return report
        if not parsed.rows and not parsed.errors:
            raise BadInput(f"{path.name} has a header but no rows")
        _write(session, account.id or 0, parsed.rows, report, progress or (lambda _n: None))
        report.written = True
        ctx.audit(
            session,
            actor.email,
            "metrics.import",
            "account",
            account.id,
            file=path.name,
            created=report.created,
            updated=report.updated,
            skipped=report.skipped,
        )
    if report.created or report.updated:
        from clientnest_cli.services.analytics_rates import refresh_account_rate

        refresh_account_rate(ctx, account.id or 0)
    return report


def _existing(session: Session, account_id: int) -> tuple[dict, dict, dict]:
    """(platform id → post id, (published_at, text) → post id, post id → latest figures)."""
    from sqlmodel import col, select

    from clientnest_cli.store.metrics_repos import MetricsSync
    from clientnest_cli.store.models import Post

    rows = session.exec(
        select(Post.id, Post.platform_post_id, Post.published_at, Post.content).where(
            Post.account_id == account_id, col(Post.status) == "published"
        )
    ).all()
    by_id = {pid: int(i) for i, pid, _at, _t in rows if pid}
    by_time = {(at, text): int(i) for i, _pid, at, text in rows if at is not None}
    latest = MetricsSync(session).latest_figures(account_id)
    return by_id, by_time, latest


def _figures_tuple(row: ImportRow) -> tuple[int | None, ...]:
    f = row.figures
    views = f.get("impressions")
    return (
        f.get("likes"),
        f.get("comments"),
        f.get("shares"),
        views,
        f.get("impressions"),
        f.get("reach"),
        f.get("clicks"),
        f.get("saves"),
        f.get("quotes"),
    )


def _snapshot(post_id: int, row: ImportRow) -> dict[str, Any]:
    """A snapshot row (inserted with core: an explicit None must stay NULL, not 0)."""
    f = row.figures
    known = [f.get(k) or 0 for k in ("likes", "comments", "shares")]
    rate, basis = engagement(*known, f.get("impressions"), f.get("followers"))
    return {
        "post_id": post_id,
        **{name: f.get(name) for name in SNAPSHOT_FIGURES},
        "views": f.get("impressions"),
        "engagement_rate": rate,
        "rate_basis": basis,
        "captured_at": utcnow(),
    }


def _write(
    session: Session,
    account_id: int,
    rows: list[ImportRow],
    report: ImportReport,
    step: Callable[[int], None],
) -> None:
    from clientnest_cli.store.metrics_repos import MetricsSync
    from clientnest_cli.store.models import Post

    by_id, by_time, latest = _existing(session, account_id)
    snapshots: list[dict[str, Any]] = []
    for row in rows:
        post_id = by_id.get(row.platform_post_id) if row.platform_post_id else None
        if post_id is None:
            post_id = by_time.get((row.published_at, row.text))
        figures = _figures_tuple(row)
        if post_id is None:
            post = Post(
                account_id=account_id,
                content=row.text,
                category=row.category,
                status="published",
                published_at=row.published_at,
                platform_post_id=row.platform_post_id,
                platform_url=row.url,
                platform_extra={"paid": row.paid} if row.paid is not None else {},
                media_type=row.media_type,
                imported=True,
                followers_at_post=row.figures.get("followers"),
            )
            session.add(post)
            session.flush()
            post_id = post.id or 0
            if row.platform_post_id:
                by_id[row.platform_post_id] = post_id
            by_time[(row.published_at, row.text)] = post_id
            outcome = "created"
        elif latest.get(post_id) == figures:
            outcome = "unchanged"
        else:
            post = session.get(Post, post_id)
            if post is not None:
                post.media_type = row.media_type or post.media_type
                post.category = row.category or post.category
                post.followers_at_post = row.figures.get("followers") or post.followers_at_post
                session.add(post)
            outcome = "updated"
        if outcome != "unchanged":
            snapshots.append(_snapshot(post_id, row))
            latest[post_id] = figures
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.results.append({"row": row.line, "outcome": outcome, "post_id": post_id})
        step(1)
    session.flush()
    MetricsSync(session).add_snapshots(snapshots)
