"""The publishing engine: claim → send → record, exactly once.

* A post is claimed with a lease by one conditional UPDATE (store/claims.py).
* The send carries the platform's duplicate protection (the adapters do it:
  Mastodon's Idempotency-Key, Bluesky's record key, container/publish ids,
  duplicate responses recognised as ours).
* The platform's id is recorded in the same transaction that sets `published`,
  guarded by our lease.
* Whenever a send may have reached the platform (a 5xx, a timeout or a cut
  connection after the request was written, a crash), the adapter's
  ``find_existing`` is asked before anything else: found → published,
  certainly absent → scheduled again (only then may it be re-sent). A lookup
  that fails (5xx, 429, timeout) is retried with the project's backoff
  (domain/retry.py, honouring reset headers); if the platform still cannot
  be asked, the post waits in ``checking`` and reconciliation asks again
  later (minutes, then hours). A platform that cannot tell (a webhook cannot
  list its messages), or that was asked too often, leaves the post
  ``unconfirmed``: "may have been sent — check the channel", settled by a
  person with `publish confirm`. Nothing is ever re-sent blindly.
* Fencing (services/publish_fence.py): a holder sends only while its renewed
  lease has more than the HTTP timeout plus a margin left; a reconciler
  takes an expired lease over only after lease end + HTTP timeout + margin.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from clientnest_cli.domain.outgoing import PublishedRef
from clientnest_cli.domain.retry import backoff_seconds
from clientnest_cli.errors import ClientNestError, PlatformError, StoreError
from clientnest_cli.services.publish_checks import UNKNOWN_REASON as UNKNOWN_REASON
from clientnest_cli.services.publish_checks import OutcomeChecks
from clientnest_cli.services.publish_fence import Fence, LeaseLost
from clientnest_cli.services.publish_jobs import _Job, load_jobs
from clientnest_cli.services.publish_recorder import Published, Recorder, Renewal
from clientnest_cli.services.publish_report import Report, make_worker_id
from clientnest_cli.services.rate_limit import SendLimiter
from clientnest_cli.store.claims import Claims
from clientnest_cli.store.values import utcnow

if TYPE_CHECKING:
    import httpx

    from clientnest_cli.platforms.base import Adapter
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.rows import SendingAccountRow

log = logging.getLogger("clientnest.publish")


class Publisher(OutcomeChecks):
    """One per process; safe to share between threads."""

    def __init__(
        self, ctx: AppContext, worker_id: str | None = None, acting: str | None = None
    ) -> None:
        """``acting``: the person to audit as (`publish now`); else the worker."""
        from clientnest_cli.platforms.http import make_client

        self.ctx = ctx
        self.worker_id = worker_id or make_worker_id()
        self.acting = acting
        self.settings = ctx.settings.publishing
        self.lease = timedelta(seconds=self.settings.lease_seconds)
        self.fence = Fence(
            self.settings.lease_seconds,
            self.settings.http_timeout_seconds,
            self.settings.fence_margin_seconds,
        )
        self.limiter = SendLimiter()
        self.stopping = threading.Event()
        self._adapters: dict[int, Adapter] = {}
        self._adapters_lock = threading.Lock()
        self._account_locks: dict[int, threading.Lock] = {}
        self._http: httpx.Client = make_client(
            timeout=self.settings.http_timeout_seconds,
            limits=_pool_limits(self.settings.concurrency),
            event_hooks={"request": [self.fence.request_hook]},
        )
        self._pool = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="publish")
        self._recorder: Recorder[Published] = Recorder(
            self._write_published, self.lease.total_seconds() / 2, self.stopping
        )
        self._renewer: Recorder[Renewal] = Recorder(
            self._write_renewals, self.lease.total_seconds() / 2, self.stopping, "renewer"
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._renewer.close()
        self._recorder.close()
        self._http.close()

    @property
    def actor(self) -> str:
        return self.acting or f"daemon:{self.worker_id}"

    # --- entry points --------------------------------------------------------
    def run_due(self) -> Report:
        """Publish everything that was due when the run started, batch after batch.

        Thread parts become due as the part before them goes out, so the run
        goes on while batches are found; a post put back for a retry waits for
        the next run (or the daemon), however short its backoff.
        """
        report = Report()
        self.reconcile_expired(report)
        self.fail_unusable_accounts(report)
        started = utcnow()  # after reconciling: posts it found absent go out in this run
        while not self.stopping.is_set():
            batch = self.dispatch_once(due_by=started)
            report.add(batch)
            if not batch.handled and not batch.lost_lease:
                break
        # a post found absent by the reconciler and then sent in this run is not "retrying"
        sent = set(report.published)
        report.retrying = [(p, r) for p, r in report.retrying if p not in sent]
        return report

    def dispatch_once(self, due_by: datetime | None = None) -> Report:
        """Claim one batch of due posts and send them concurrently."""
        with self.ctx.lite(write=True) as db:
            ids = Claims(db).claim_due(
                self.worker_id,
                utcnow(),
                self.lease,
                self.settings.concurrency * 4,
                due_by=due_by,
                attempt_by=self.worker_id,
            )
        return self._send_all(ids)

    def publish_now(self, post_id: int) -> Report:
        """Send one post now, if it is scheduled and due (`publish now ID`)."""
        with self.ctx.lite(write=True) as db:
            claimed = Claims(db).claim_one(
                post_id, self.worker_id, utcnow(), self.lease, attempt_by=self.worker_id
            )
        return self._send_all([post_id] if claimed else [])

    def _send_all(self, ids: Iterable[int]) -> Report:
        report = Report()
        ids = list(ids)
        if not ids:
            return report
        jobs = self._load_all(ids)
        lost = [post_id for post_id in ids if post_id not in jobs]
        report.lost_lease.extend(lost)
        pending: list[Published] = []  # sent, being recorded: senders move on meanwhile
        futures = [
            self._pool.submit(self._send_safely, job, report, pending) for job in jobs.values()
        ]
        for future in futures:
            future.result()
        for item in pending:
            self._collect(item, report)
        return report

    def _collect(self, item: Published, report: Report) -> None:
        """Wait until a sent post is recorded (see ``_send``)."""
        item.ready.wait()
        post_id = item.job.post.id or 0
        if item.error is not None:  # as _send_safely: reconciliation finds out later
            log.warning("store unavailable while sending post %s: %s", post_id, item.error.message)
        else:
            (report.published if item.done else report.lost_lease).append(post_id)

    # --- one post ------------------------------------------------------------
    def _send_safely(
        self, job: _Job, report: Report, pending: list[Published] | None = None
    ) -> None:
        post_id = job.post.id or 0
        try:
            self._send(job, report, pending)
        except StoreError as exc:
            # The store went away mid-send: the lease will expire and the
            # reconciler will find out what happened. Nothing is lost.
            log.warning("store unavailable while sending post %s: %s", post_id, exc.message)
        except Exception:
            log.exception("unexpected error while sending post %s", post_id)

    def _load(self, post_id: int) -> _Job | None:
        """One claimed post's job (reconciliation), or None if we no longer hold it."""
        return self._load_all([post_id]).get(post_id)

    def _load_all(self, ids: list[int]) -> dict[int, _Job]:
        """The claimed posts we still hold, ready to send (services/publish_jobs.py)."""
        return load_jobs(self.ctx, self.ctx.paths.media_dir, self.worker_id, ids)

    def _send(
        self, job: _Job | int, report: Report, pending: list[Published] | None = None
    ) -> None:
        """Send one claimed post (its loaded job, or its id) and settle its outcome. With
        ``pending`` a success is handed to the recorder without waiting; the caller
        collects it."""
        from clientnest_cli.services import tokens

        if isinstance(job, int):
            loaded = self._load(job)
            if loaded is None:
                report.lost_lease.append(job)
                return
            job = loaded
        post_id = job.post.id or 0
        if self.stopping.is_set():  # shutting down: release the claim, send nothing
            self._defer(job, 0.0, report)
            return
        wait = self.limiter.reserve(job.account.id or 0, job.account.platform)
        if wait > 0:
            self._defer(job, wait, report)
            return
        attempt_id = job.attempt_id or self._start_attempt(post_id)
        adapter = self._adapter(job.account)
        try:
            self._watch_resume_token(adapter, post_id)
            ref = tokens.with_fresh_token(
                self.ctx, job.account, lambda a: self._publish(a, job), self.actor, adapter
            )
        except LeaseLost as exc:
            self._release_unsent(job, attempt_id, str(exc), report)
        except PlatformError as exc:
            self._on_platform_error(job, attempt_id, exc, report)
        except ClientNestError as exc:  # e.g. account needs re-auth, keyring unusable
            self._fail(job, attempt_id, exc.one_line(), "auth", None, report)
        except Exception as exc:  # a bug in an adapter: the write may have happened
            log.exception("adapter crashed publishing post %s", post_id)
            self._settle_unknown(job, attempt_id, f"{type(exc).__name__}: {exc}", report)
        else:
            if pending is None:
                self._record_published(job, attempt_id, ref, report)
            else:
                pending.append(self._recorder.submit(Published(job, attempt_id, ref, "ok")))

    def _publish(self, adapter: Adapter, job: _Job) -> PublishedRef:
        """Renew the lease right before the write, then send only within the fence's
        budget. Loading credentials, a token refresh or a full pool can outlast the
        lease; by then another publisher may have reconciled the post and sent it,
        so sending now would be twice (see publish_fence.py)."""
        renewal = Renewal(job.post.id or 0)
        if not self._renewer.record(renewal):  # batched with other senders' renewals
            raise LeaseLost("another publisher took the post over before it was sent")
        try:
            self.fence.arm(renewal.renewed_at)  # checked again right before each request
            return adapter.publish(job.outgoing)
        finally:
            self.fence.disarm()

    def _write_renewals(self, items: list[Renewal]) -> list[bool]:
        """One guarded UPDATE renews every queued lease we still hold; the fence of each
        starts before the write, so it ends before the lease the store records."""
        renewed_at = time.monotonic()
        with self.ctx.lite(write=True) as db:
            held = Claims(db).extend_many(
                [item.post_id for item in items], self.worker_id, utcnow() + self.lease
            )
        for item in items:
            item.renewed_at = renewed_at
        return [item.post_id in held for item in items]

    def _release_unsent(self, job: _Job, attempt_id: int, why: str, report: Report) -> None:
        """Nothing was sent: end the attempt; if the post is still ours, queue it again."""
        post_id = job.post.id or 0
        log.warning("post %s: %s; nothing was sent", post_id, why)
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempt(attempt_id, utcnow(), "retryable", None, f"{why}; nothing was sent")
            claims.finish(
                post_id,
                self.worker_id,
                status="scheduled",
                next_attempt_at=utcnow(),
                attempts=max(0, job.post.attempts - 1),  # not a try: nothing went out
            )
        report.lost_lease.append(post_id)

    # --- outcomes ------------------------------------------------------------
    def _on_platform_error(
        self, job: _Job, attempt_id: int, exc: PlatformError, report: Report
    ) -> None:
        message = exc.one_line()
        if exc.kind == "unknown" and exc.status is None:
            # no answer at all (timeout, cut connection): the request may still be
            # in the platform's hands, so a lookup now could miss it; ask later
            self._ask_later(job, attempt_id, message, report)
        elif exc.kind == "unknown" or _may_have_landed(exc):
            # a 5xx, a timeout or a cut connection after the request was written:
            # ask the platform before any retry
            self._settle_unknown(job, attempt_id, message, report, exc.status)
        elif exc.kind == "retryable":
            if exc.retry_after:
                self.limiter.block(job.account.id or 0, job.account.platform, exc.retry_after)
            self._retry(job, attempt_id, message, exc.status, exc.retry_after, report)
        else:
            self._fail(job, attempt_id, message, exc.kind, exc.status, report)

    def _retry(
        self,
        job: _Job,
        attempt_id: int,
        message: str,
        status: int | None,
        retry_after: float | None,
        report: Report,
        outcome: str = "retryable",
        immediate: bool = False,
    ) -> None:
        attempts = job.post.attempts  # read after the claim, which counted this attempt
        if attempts >= self.settings.max_attempts:
            reason = f"gave up after {attempts} attempts: {message}"
            self._fail(job, attempt_id, reason, outcome, status, report)
            return
        wait = (
            0.0
            if immediate
            else backoff_seconds(
                attempts,
                self.settings.backoff_base_seconds,
                self.settings.backoff_max_seconds,
                retry_after,
            )
        )
        now = utcnow()
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempt(attempt_id, now, outcome, status, message)
            done = claims.finish(
                job.post.id or 0,
                self.worker_id,
                status="scheduled",
                next_attempt_at=now + timedelta(seconds=wait),
                last_error=message,
                checks=0,
            )
        (report.retrying if done else report.lost_lease).append(
            (job.post.id or 0, message) if done else job.post.id or 0  # type: ignore[arg-type]
        )

    def _defer(self, job: _Job, wait: float, report: Report) -> None:
        """Over the platform's send rate, or shutting down: back to the queue.
        Nothing was sent, so it is not an attempt."""
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.finish(
                job.post.id or 0,
                self.worker_id,
                status="scheduled",
                next_attempt_at=utcnow() + timedelta(seconds=wait),
                attempts=job.post.attempts - 1,  # undo the claim's count
            )
            if job.attempt_id:
                claims.drop_attempt(job.attempt_id)
        report.deferred.append(job.post.id or 0)

    def _start_attempt(self, post_id: int) -> int:
        with self.ctx.lite(write=True) as db:
            return Claims(db).start_attempt(post_id, self.worker_id, utcnow())

    def _fail(
        self,
        job: _Job,
        attempt_id: int,
        reason: str,
        outcome: str,
        status: int | None,
        report: Report,
    ) -> None:
        from clientnest_cli.services.notify import post_failed

        now = utcnow()
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempt(attempt_id, now, outcome, status, reason)
            done = claims.finish(
                job.post.id or 0, self.worker_id, status="failed", last_error=reason
            )
            if done:
                claims.fail_later_parts(job.post, "an earlier part of the thread failed")
                self.ctx.audit(db, self.actor, "post.failed", "post", job.post.id, reason=reason)
        if done:
            report.failed.append((job.post.id or 0, reason))
            post_failed(self.ctx, job.post, job.account, reason)
        else:
            report.lost_lease.append(job.post.id or 0)

    def _record_published(
        self, job: _Job, attempt_id: int, ref: PublishedRef, report: Report, outcome: str = "ok"
    ) -> None:
        """Record the platform's id with the status change (through the batching recorder)."""
        done = self._recorder.record(Published(job, attempt_id, ref, outcome))
        (report.published if done else report.lost_lease).append(job.post.id or 0)

    def _write_published(self, items: list[Published]) -> list[bool]:
        """One transaction for a batch of successes, one statement per table; each
        post's row still guarded by our lease."""
        now = utcnow()
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempts(now, [(item.attempt_id, item.outcome) for item in items])
            held = claims.finish_published(
                self.worker_id,
                now,
                {
                    item.job.post.id or 0: (
                        item.ref.platform_post_id,
                        item.ref.url,
                        dict(item.ref.extra),
                    )
                    for item in items
                },
            )
            self.ctx.audit_many(
                db,
                self.actor,
                "post.published",
                "post",
                (
                    (
                        item.job.post.id,
                        {
                            "platform": item.job.account.platform,
                            "platform_post_id": item.ref.platform_post_id,
                        },
                    )
                    for item in items
                    if item.job.post.id in held
                ),
            )
        return [item.job.post.id in held for item in items]

    def fail_unusable_accounts(self, report: Report | None = None) -> Report:
        """Due posts of accounts that need re-auth or were disconnected fail, saying why."""
        report = report or Report()
        reasons = {
            "needs_reauth": "the account needs re-authorisation — reconnect it",
            "disabled": "the account is disconnected",
        }
        with self.ctx.lite(write=True) as db:
            failed = Claims(db).fail_unusable_accounts(utcnow(), reasons)
            for post_id in failed:
                self.ctx.audit(
                    db, self.actor, "post.failed", "post", post_id, reason="account unusable"
                )
        report.failed.extend((post_id, "account unusable") for post_id in failed)
        return report

    # --- helpers -------------------------------------------------------------
    def _adapter(self, account: SendingAccountRow) -> Adapter:
        from clientnest_cli.services.accounts import adapter_for

        key = account.id or 0
        with self._adapters_lock:
            adapter = self._adapters.get(key)
            if adapter is not None:
                return adapter
            lock = self._account_locks.setdefault(key, threading.Lock())
        with lock:  # one keyring read per account, without holding up other accounts
            adapter = self._adapters.get(key)
            if adapter is None:
                adapter = adapter_for(self.ctx, account, self._http)
                with self._adapters_lock:
                    self._adapters[key] = adapter
            return adapter

    def _watch_resume_token(self, adapter: Adapter, post_id: int) -> None:
        """Adapters with two-phase publishing report their container / publish id
        before the risky call; it is saved at once so a retry resumes, not repeats."""
        if not hasattr(adapter, "on_resume_token"):
            return

        def save(token: str) -> None:
            with self.ctx.lite(write=True) as db:
                Claims(db).save_resume_token(post_id, self.worker_id, token)

        adapter.on_resume_token = save  # type: ignore[attr-defined]


def _may_have_landed(exc: PlatformError) -> bool:
    """A 5xx answer to a send: the platform may have stored it before failing
    (unless the adapter knows the step that failed came before any write)."""
    return (
        exc.kind == "retryable"
        and not exc.nothing_sent
        and exc.status is not None
        and exc.status >= 500
    )


def _pool_limits(concurrency: int) -> httpx.Limits:
    import httpx

    return httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
