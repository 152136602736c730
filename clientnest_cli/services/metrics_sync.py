"""Pull how published posts are doing: metrics snapshots and comments.

``sync_metrics`` asks each account's adapter for the figures of all its
published posts (the adapter batches ids to the platform's maximum, so 250 X
posts cost 3 requests) and writes a ``PostMetricsSnapshot`` only for posts
whose figures changed since their newest snapshot. ``sync_comments`` fetches
replies and stores the ones not seen before.

One account failing never stops the others: its error is reported and the run
goes on. No database transaction is held open across an HTTP call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role
from clientnest_cli.domain.outgoing import PublishedRef
from clientnest_cli.domain.text import strip_controls
from clientnest_cli.errors import ClientNestError, NotFound, PlatformError
from clientnest_cli.store.metrics_repos import MetricsSync
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Accounts
from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from clientnest_cli.domain.outgoing import CommentData, PostMetrics
    from clientnest_cli.platforms.base import Adapter
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Comment, PostMetricsSnapshot, SocialAccount

Progress = Callable[[int], None]  # advanced by the number of posts just handled

POSTS_PER_ROUND = 5000  # refs per fetch_metrics call (rounded to the platform's batch)
RETRIES = 2  # extra tries of a round after a retryable error (reads are idempotent)
MAX_WAIT_S = 30.0  # a rate-limit reset further away than this fails the account
PARALLEL_ACCOUNTS = 4  # accounts synced at once (one shared HTTP client)


@dataclass
class AccountResult:
    account_id: int
    account: str  # platform:handle
    posts: int = 0  # posts checked
    snapshots: int = 0  # snapshots written
    comments_new: int = 0
    missing: int = 0  # posts the platform did not return (deleted there?)
    skipped: str = ""  # why nothing was asked (platform has no metrics/comments)
    error: str = ""


@dataclass
class SyncReport:
    accounts: list[AccountResult] = field(default_factory=list)

    @property
    def posts_checked(self) -> int:
        return sum(a.posts for a in self.accounts)

    @property
    def snapshots_written(self) -> int:
        return sum(a.snapshots for a in self.accounts)

    @property
    def comments_new(self) -> int:
        return sum(a.comments_new for a in self.accounts)

    @property
    def failures(self) -> list[tuple[str, str]]:
        return [(a.account, a.error) for a in self.accounts if a.error]

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts_checked": self.posts_checked,
            "snapshots_written": self.snapshots_written,
            "comments_new": self.comments_new,
            "failures": [{"account": a, "message": m} for a, m in self.failures],
            "accounts": [asdict(a) for a in self.accounts],
        }


# --- metrics ---------------------------------------------------------------------


def sync_metrics(
    ctx: AppContext,
    accounts: Sequence[str] = (),
    since: datetime | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Fetch metrics of every published post; snapshot the ones that changed."""
    return _run(ctx, accounts, since, progress, _metrics_for_account, "metrics")


def sync_comments(
    ctx: AppContext,
    accounts: Sequence[str] = (),
    since: datetime | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Fetch replies to published posts; store the new ones (existing are left alone)."""
    return _run(ctx, accounts, since, progress, _comments_for_account, "comments")


Worker = Callable[..., None]  # (ctx, account, make_adapter, since, actor, result, step)


def _run(
    ctx: AppContext,
    refs: Sequence[str],
    since: datetime | None,
    progress: Progress | None,
    worker: Worker,
    capability: str,
) -> SyncReport:
    from clientnest_cli.platforms.http import make_client
    from clientnest_cli.platforms.registry import get_adapter_class
    from clientnest_cli.services.accounts import adapter_for, resolve

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, f"syncing {capability}")
        targets = [resolve(session, r) for r in refs] or list(Accounts(session).active())
    step = progress or (lambda _n: None)
    report = SyncReport([AccountResult(a.id or 0, f"{a.platform}:{a.handle}") for a in targets])
    ctx.secrets  # noqa: B018 - made once here, not raced for by the threads below

    def one(account: SocialAccount, result: AccountResult) -> None:
        try:
            cls = get_adapter_class(account.platform)
            if not getattr(cls.capabilities, capability):
                result.skipped = f"{cls.display_name} has no {capability} API"
                return
            # built only when there is something to ask: it reads the keyring
            make = partial(adapter_for, ctx, account, http)
            worker(ctx, account, make, since, actor.email, result, step)
        except ClientNestError as exc:
            result.error = exc.one_line()
        except Exception as exc:  # one account's surprise must not stop the others
            text = str(exc).splitlines()[0] if str(exc) else ""
            result.error = f"unexpected {type(exc).__name__}: {text}"

    with make_client() as http:
        if len(targets) <= 1:
            for account, result in zip(targets, report.accounts, strict=True):
                one(account, result)
        else:
            # accounts in parallel: one account's keyring read (an Argon2 derivation with
            # the encrypted-file backend) and HTTP round trips overlap another's
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(PARALLEL_ACCOUNTS, len(targets))) as pool:
                list(pool.map(one, targets, report.accounts))
    return report


def _metrics_for_account(
    ctx: AppContext,
    account: SocialAccount,
    make_adapter: Callable[[], Adapter],
    since: datetime | None,
    actor: str,
    result: AccountResult,
    step: Progress,
) -> None:
    with ctx.store.session(readonly=True) as session:
        repo = MetricsSync(session)
        rows = repo.published_refs(account.id or 0, since)
        latest = repo.latest_figures(account.id or 0, since) if rows else {}
    if not rows:
        return
    adapter = make_adapter()
    batch = max(1, adapter.capabilities.metrics_batch)
    per_round = batch * max(1, POSTS_PER_ROUND // batch)  # whole batches: requests stay ⌈n/batch⌉
    for start in range(0, len(rows), per_round):
        chunk = rows[start : start + per_round]
        refs = [PublishedRef(pid, url, extra) for _id, pid, url, extra in chunk]
        fetched = _read(ctx, account, adapter, actor, "fetch_metrics", refs)
        snapshots, missing = _changed(chunk, fetched, latest)
        if snapshots:
            with ctx.store.session() as session:
                MetricsSync(session).add_snapshots(snapshots)
        result.posts += len(chunk)
        result.snapshots += len(snapshots)
        result.missing += missing
        step(len(chunk))


def _changed(
    chunk: Sequence[tuple[int, str, str, dict]],
    fetched: Sequence[PostMetrics],
    latest: dict[int, tuple[int, int, int, int | None]],
) -> tuple[list[dict[str, Any]], int]:
    """Snapshot rows for the posts whose figures differ from their newest snapshot."""
    by_key: dict[str, list[int]] = {}
    for post_id, pid, _url, extra in chunk:
        by_key.setdefault(pid, []).append(post_id)
        uri = extra.get("uri")
        if uri and uri != pid:
            by_key.setdefault(str(uri), []).append(post_id)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for m in fetched:
        for post_id in by_key.get(m.platform_post_id, ()):
            if post_id in seen:
                continue
            seen.add(post_id)
            figures = (m.likes, m.comments, m.shares, m.views)
            if latest.get(post_id) == figures:
                continue
            latest[post_id] = figures
            rows.append(
                {
                    "post_id": post_id,
                    "likes": m.likes,
                    "comments": m.comments,
                    "shares": m.shares,
                    "views": m.views,
                    "engagement_rate": engagement_rate(m.likes, m.comments, m.shares, m.views),
                    "captured_at": now,
                }
            )
    return rows, len(chunk) - len(seen)


def engagement_rate(likes: int, comments: int, shares: int, views: int | None) -> float:
    """(likes + comments + shares) / views; 0 when the platform reports no views."""
    return (likes + comments + shares) / views if views else 0.0


# --- comments ----------------------------------------------------------------------


def _comments_for_account(
    ctx: AppContext,
    account: SocialAccount,
    make_adapter: Callable[[], Adapter],
    since: datetime | None,
    actor: str,
    result: AccountResult,
    step: Progress,
) -> None:
    with ctx.store.session(readonly=True) as session:
        repo = MetricsSync(session)
        rows = repo.published_refs(account.id or 0, since)
        known = repo.comment_keys(account.id or 0, since) if rows else set()
    if not rows:
        return
    adapter = make_adapter()
    pending: list[dict[str, Any]] = []
    for post_id, pid, url, extra in rows:
        ref = PublishedRef(pid, url, extra)
        found = _read(ctx, account, adapter, actor, "fetch_comments", ref)
        for comment in found:
            key = (post_id, comment.platform_comment_id[:300])
            if key not in known:
                known.add(key)
                pending.append(_comment_row(post_id, comment))
        result.posts += 1
        step(1)
        if len(pending) >= 1000:  # keep what was fetched even if a later post fails
            result.comments_new += _store_comments(ctx, pending)
            pending = []
    result.comments_new += _store_comments(ctx, pending)


def _comment_row(post_id: int, comment: CommentData) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "platform_comment_id": comment.platform_comment_id[:300],
        "author": strip_controls(comment.author)[:300],
        "text": strip_controls(comment.text),
        "sentiment": None,
        "our_reply": "",
        "replied_at": None,
        "created_at": comment.created_at,
        "fetched_at": utcnow(),
    }


def _store_comments(ctx: AppContext, rows: list[dict[str, Any]]) -> int:
    if rows:
        with ctx.store.session() as session:
            MetricsSync(session).add_comments(rows)
    return len(rows)


# --- calling the platform ----------------------------------------------------------


def _read(
    ctx: AppContext, account: SocialAccount, adapter: Adapter, actor: str, method: str, arg: Any
) -> Any:
    """``adapter.<method>(arg)`` with a fresh token; retryable errors wait and try again.

    Reads are idempotent, so a 5xx or a short rate-limit wait is retried a few
    times; a reset further away than MAX_WAIT_S fails the account instead.
    """
    from clientnest_cli.domain.retry import retrying
    from clientnest_cli.services.tokens import with_fresh_token

    settings = ctx.settings.publishing
    policy = retrying(
        tries=RETRIES + 1,
        base=min(settings.backoff_base_seconds, 1.0),
        cap=min(settings.backoff_max_seconds, 10.0),
        retry_on=lambda exc: isinstance(exc, PlatformError) and exc.kind == "retryable",
        max_asked=MAX_WAIT_S,
    )
    return policy(
        lambda: with_fresh_token(ctx, account, lambda a: getattr(a, method)(arg), actor, adapter)
    )


# --- reading what was synced ---------------------------------------------------------


def history(ctx: AppContext, post_id: int, limit: int = 1000) -> Sequence[PostMetricsSnapshot]:
    """The snapshots of one post, newest first."""
    with ctx.store.session() as session:
        ctx.actor(session)
        if Posts(session).by_id(post_id) is None:
            raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
        return MetricsSync(session).history(post_id, limit)


def list_comments(
    ctx: AppContext, post_id: int | None = None, limit: int = 200
) -> Sequence[tuple[Comment, str, str]]:
    """Fetched comments (newest first) with their account's platform and handle."""
    with ctx.store.session() as session:
        ctx.actor(session)
        if post_id is not None and Posts(session).by_id(post_id) is None:
            raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
        return MetricsSync(session).comments(post_id, limit)


def parse_since(ctx: AppContext, text: str) -> datetime:
    """A --since value in the acting user's timezone (past times allowed)."""
    from clientnest_cli.services.timeparse import parse_when

    with ctx.store.session() as session:
        user = ctx.actor(session)
        return parse_when(text, user.timezone, allow_past=True)
