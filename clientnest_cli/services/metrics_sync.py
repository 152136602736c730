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

from clientnest_cli.analytics.frames import FIGURE_COLUMNS
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
    ctx.vault  # noqa: B018

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
        continued = repo.continued_ids(account.id or 0) if rows else set()
        followers = repo.posting_followers(account.id or 0, since) if rows else {}
    if not rows:
        return
    adapter = make_adapter()
    batch = max(1, adapter.capabilities.metrics_batch)
    per_round = batch * max(1, POSTS_PER_ROUND // batch)  # whole batches: requests stay ⌈n/batch⌉
    for start in range(0, len(rows), per_round):
        chunk = rows[start : start + per_round]
        refs = [PublishedRef(pid, url, extra) for _id, pid, url, extra in chunk]
        fetched = _read(ctx, account, adapter, actor, "fetch_metrics", refs)
        snapshots, missing = _changed(chunk, fetched, latest, followers, continued)
        if snapshots:
            with ctx.store.session() as session:
                MetricsSync(session).add_snapshots(snapshots)
        result.posts += len(chunk)
        result.snapshots += len(snapshots)
        result.missing += missing
        step(len(chunk))
    if result.snapshots:
        from clientnest_cli.services.analytics_rates import refresh_account_rate

        refresh_account_rate(ctx, account.id or 0)


def _changed(
    chunk: Sequence[tuple[int, str, str, dict]],
    fetched: Sequence[PostMetrics],
    latest: dict[int, tuple[int | None, ...]],
    followers: dict[int, int | None] | None = None,
    continued: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[list[dict[str, Any]], int]:
    """Snapshot rows for the posts whose figures differ from their newest snapshot.

    A post in ``continued`` has our own next thread part among its replies: that
    one is not counted as a comment."""
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
            row = snapshot_figures(m)
            if post_id in continued and row["comments"]:  # our own next thread part
                row["comments"] = max(0, row["comments"] - 1)
            figures = tuple(row[k] for k in FIGURES)
            if latest.get(post_id) == figures:
                continue
            latest[post_id] = figures
            rate, basis = engagement(
                row["likes"],
                row["comments"],
                row["shares"],
                row["impressions"],
                (followers or {}).get(post_id),
            )
            rows.append(
                {
                    "post_id": post_id,
                    **row,
                    "engagement_rate": rate,
                    "rate_basis": basis,
                    "captured_at": now,
                }
            )
    return rows, len(chunk) - len(seen)


# the counted figures of a snapshot: the analysis frame's columns but the derived rate
FIGURES = tuple(c for c in FIGURE_COLUMNS if c != "engagement_rate")


def _first(extra: dict[str, int], *keys: str) -> int | None:
    for key in keys:
        if extra.get(key) is not None:
            return int(extra[key])
    return None


def snapshot_figures(m: PostMetrics) -> dict[str, int | None]:
    """The snapshot columns from what an adapter reported (None: not reported)."""
    extra = dict(m.extra or {})
    impressions = _first(extra, "impressions", "impression_count")
    if impressions is None:
        impressions = m.views  # X impression_count, Threads/Instagram/TikTok views
    return {
        "likes": m.likes,
        "comments": m.comments,
        "shares": m.shares,
        "views": m.views,
        "impressions": impressions,
        "reach": _first(extra, "reach"),
        "clicks": _first(extra, "clicks", "url_link_clicks", "link_clicks"),
        "saves": _first(extra, "saved", "saves", "bookmark_count", "bookmarks"),
        "quotes": _first(extra, "quotes", "quote_count"),
    }


def engagement(
    likes: int, comments: int, shares: int, impressions: int | None, followers: int | None
) -> tuple[float | None, str]:
    """(rate, basis): interactions ÷ impressions where the platform reports them, else
    ÷ followers at posting time; (None, "") when neither is known — never 0% for unknown."""
    interactions = likes + comments + shares
    if impressions:
        return interactions / impressions, "impressions"
    if followers:
        return interactions / followers, "followers"
    return None, ""


def engagement_rate(likes: int, comments: int, shares: int, views: int | None) -> float | None:
    """(likes + comments + shares) / views; None when the platform reports no views."""
    return engagement(likes, comments, shares, views, None)[0]


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
    # a thread's next part is a reply to the part before it: ours, not a comment
    ours = {pid for _post_id, pid, _url, _extra in rows}
    for post_id, pid, url, extra in rows:
        ref = PublishedRef(pid, url, extra)
        found = _read(ctx, account, adapter, actor, "fetch_comments", ref)
        for comment in found:
            key = (post_id, comment.platform_comment_id[:300])
            if comment.platform_comment_id in ours:
                continue
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
    from clientnest_cli.analytics.sentiment import score

    text = strip_controls(comment.text)
    mood = score(text)  # VADER; a comment VADER cannot read gets no score, not a wrong one
    return {
        "post_id": post_id,
        "platform_comment_id": comment.platform_comment_id[:300],
        "author": strip_controls(comment.author)[:300],
        "text": text,
        "sentiment": mood.compound,
        "sentiment_label": mood.label,
        "language": mood.language[:10],
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


def post_status(ctx: AppContext, post_id: int) -> str:
    """The post's status (why a post may have no metrics yet)."""
    with ctx.store.session(readonly=True) as session:
        post = Posts(session).by_id(post_id)
        if post is None:
            raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
        return post.status


def list_comments(
    ctx: AppContext, post_id: int | None = None, limit: int = 200, sentiment: str | None = None
) -> Sequence[tuple[Comment, str, str]]:
    """Fetched comments (newest first) with their account's platform and handle;
    ``sentiment`` keeps one label ("" = not scored: not English)."""
    if sentiment is not None:
        score_pending(ctx)
    with ctx.store.session() as session:
        ctx.actor(session)
        if post_id is not None and Posts(session).by_id(post_id) is None:
            raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
        return MetricsSync(session).comments(post_id, limit, sentiment)


def score_pending(ctx: AppContext) -> int:
    """Score the stored comments never scored (fetched before scoring existed)."""
    from clientnest_cli.analytics.sentiment import score

    done = 0
    while True:
        with ctx.store.session() as session:
            repo = MetricsSync(session)
            pending = repo.unscored_comments()
            rows = []
            for cid, text in pending:
                mood = score(text)
                language = mood.language or "-"  # "-": looked at, no words
                rows.append(
                    {"cid": cid, "sentiment": mood.compound}
                    | {"sentiment_label": mood.label, "language": language[:10]}
                )
            repo.set_sentiments(rows)
        done += len(rows)
        if len(pending) < 5000:
            return done


def parse_since(ctx: AppContext, text: str) -> datetime:
    """A --since value in the acting user's timezone (past times allowed)."""
    from clientnest_cli.services.timeparse import parse_when

    with ctx.store.session() as session:
        user = ctx.actor(session)
        return parse_when(text, user.timezone, allow_past=True)
