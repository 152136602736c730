"""Settling posts whose send may have landed: ask the platform, never resend blindly.

Part of the publishing engine (services/publisher.py mixes this in). A send
whose outcome is unknown — a 5xx, a timeout or a cut connection after the
request was written, a publisher that died mid-send — is settled by the
adapter's ``find_existing``:

* found → published (with the platform's id);
* certainly absent → scheduled again: only then may it be re-sent;
* the platform says it cannot tell (a webhook cannot list messages) →
  ``unconfirmed``: it may have been sent; a person checks the channel and runs
  `publish confirm ID --sent | --not-sent`. Never ``failed`` (it may be live),
  never sent again by itself;
* the lookup itself fails (5xx, 429, timeout) → retried with the project's
  policy (domain/retry.py: backoff with jitter, reset headers honoured); if
  it still cannot be asked the post waits in ``checking`` and reconciliation
  asks again later — ``check_wait_seconds``, three times longer each time up
  to ``check_wait_max_seconds`` (minutes, then hours) — and only after
  ``max_checks`` does it end ``unconfirmed`` ("outcome unknown — check the
  account").
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import Existence
from clientnest_cli.domain.retry import retrying
from clientnest_cli.errors import ClientNestError, PlatformError
from clientnest_cli.store.claims import Claims
from clientnest_cli.store.values import utcnow

if TYPE_CHECKING:
    from clientnest_cli.services.publish_jobs import _Job
    from clientnest_cli.services.publish_report import Report

log = logging.getLogger("clientnest.publish")
UNKNOWN_REASON = "outcome unknown — check the account"
CHECKING_NOTE = "checking whether it went out"
LOOKUP_MAX_SLEEP_S = 30.0  # a longer reset than this parks the post in `checking` instead


class OutcomeChecks:
    """The Publisher's half that asks platforms what happened to a send."""

    # provided by Publisher
    ctx: Any
    settings: Any
    worker_id: str
    actor: str
    stopping: Any
    lease: timedelta
    fence: Any

    def _settle_unknown(
        self, job: _Job, attempt_id: int, message: str, report: Report, status: int | None = None
    ) -> None:
        """The write may or may not have landed: ask the platform, never resend blindly."""
        try:
            existence = self._find_existing(job)
        except _Unanswered as exc:
            self._park(job, attempt_id, message, exc, status, report)
            return
        if existence.state == "found" and existence.ref is not None:
            self._record_published(job, attempt_id, existence.ref, report, outcome="unknown")
        elif existence.state == "absent":
            # certainly not there: it may be sent again (at once if it already
            # waited in `checking`)
            self._retry(
                job, attempt_id, message, status, None, report, "unknown", job.post.checks > 0
            )
        else:  # the platform cannot tell (e.g. a webhook cannot list messages)
            reason = f"{UNKNOWN_REASON} ({message}; {existence.reason or 'no answer'})"
            self._unconfirmed(job, attempt_id, reason, status, report)

    def _find_existing(self, job: _Job) -> Existence:
        """Ask the platform. A lookup that fails on a 5xx, 429 or timeout is retried
        with the project's backoff (a reset header is honoured up to
        LOOKUP_MAX_SLEEP_S); ``_Unanswered`` when it still cannot be asked."""
        from clientnest_cli.services import tokens

        adapter = self._adapter(job.account)
        policy = retrying(
            tries=self.settings.lookup_tries,
            base=min(self.settings.backoff_base_seconds, 1.0),
            cap=min(self.settings.backoff_max_seconds, 10.0),
            retry_on=_transient,
            max_asked=LOOKUP_MAX_SLEEP_S,
            stopping=self.stopping,
        )

        def ask() -> Existence:
            return tokens.with_fresh_token(
                self.ctx, job.account, lambda a: a.find_existing(job.outgoing), self.actor, adapter
            )

        try:
            return policy(ask)
        except PlatformError as exc:
            raise _Unanswered(exc.one_line(), exc.retry_after) from exc
        except ClientNestError as exc:  # e.g. the account needs re-auth: ask after reconnecting
            raise _Unanswered(exc.one_line()) from exc
        except Exception as exc:
            log.exception("find_existing crashed for post %s", job.post.id)
            raise _Unanswered(type(exc).__name__) from exc

    def _ask_later(self, job: _Job, attempt_id: int, message: str, report: Report) -> None:
        """No answer came back: wait in `checking` until the request can no longer be in
        flight (HTTP timeout + margin, at least ``check_wait_seconds``), then ask."""
        wait = max(self.settings.check_wait_seconds, self.fence.grace_s)
        note = f"{CHECKING_NOTE}: no answer arrived; asking once the request is surely over"
        now = utcnow()
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempt(attempt_id, now, "unknown", None, f"{message}; {note}")
            done = claims.finish(
                job.post.id or 0,
                self.worker_id,
                status="checking",
                next_attempt_at=now + timedelta(seconds=wait),
                last_error=note,
            )
        if done:
            report.checking.append((job.post.id or 0, note))
        else:
            report.lost_lease.append(job.post.id or 0)

    def _park(
        self,
        job: _Job,
        attempt_id: int,
        message: str,
        exc: _Unanswered,
        status: int | None,
        report: Report,
    ) -> None:
        """The platform could not be asked: wait in `checking`, ask again later
        (minutes, then hours); after ``max_checks`` the outcome stays unknown."""
        checks = job.post.checks
        settings = self.settings
        if checks >= settings.max_checks:
            reason = f"{UNKNOWN_REASON} (asked {checks + 1} times; last: {exc.reason})"
            self._unconfirmed(job, attempt_id, reason, status, report)
            return
        wait = min(settings.check_wait_max_seconds, settings.check_wait_seconds * 3**checks)
        wait = max(wait, exc.retry_after or 0.0)
        note = f"{CHECKING_NOTE} ({message}): the lookup failed: {exc.reason}"
        now = utcnow()
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempt(attempt_id, now, "unknown", status, f"{message}; {note}")
            done = claims.finish(
                job.post.id or 0,
                self.worker_id,
                status="checking",
                next_attempt_at=now + timedelta(seconds=wait),
                checks=checks + 1,
                last_error=note,
            )
        if done:
            log.info("post %s: %s; asking again in %.0f s", job.post.id, note, wait)
            report.checking.append((job.post.id or 0, note))
        else:
            report.lost_lease.append(job.post.id or 0)

    def _unconfirmed(
        self, job: _Job, attempt_id: int, reason: str, status: int | None, report: Report
    ) -> None:
        """It may have gone out and nobody can tell: not `failed` (it may be live), never
        sent again by itself. The user is told to check and run `publish confirm`."""
        from clientnest_cli.services.notify import post_unconfirmed

        post_id = job.post.id or 0
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            claims.end_attempt(attempt_id, utcnow(), "unknown", status, reason)
            done = claims.finish(post_id, self.worker_id, status="unconfirmed", last_error=reason)
            if done:
                self.ctx.audit(db, self.actor, "post.unconfirmed", "post", post_id, reason=reason)
        if done:
            log.warning("post %s may have been sent; %s", post_id, reason)
            report.unconfirmed.append((post_id, reason))
            post_unconfirmed(self.ctx, job.post, job.account, reason)
        else:
            report.lost_lease.append(post_id)

    # --- reconciliation ------------------------------------------------------
    def reconcile_expired(self, report: Report | None = None) -> Report:
        """Posts left `publishing` by a publisher that died, and `checking` posts due
        for another question: ask the platform, then settle."""
        from clientnest_cli.services.publish_report import Report

        report = report or Report()
        grace = timedelta(seconds=self.fence.grace_s)  # the old holder's last request is over
        with self.ctx.lite(write=True) as db:
            claims = Claims(db)
            now = utcnow()
            dead = claims.take_over_expired(self.worker_id, now, self.lease, 500, grace)
            checking = claims.take_over_checking(self.worker_id, now, self.lease, 500)
        why = "the publisher stopped before recording the outcome"
        asked = "its send may have landed; asked the platform again"
        for post_id, message in [*((i, why) for i in dead), *((i, asked) for i in checking)]:
            if self.stopping.is_set():
                break  # their leases run out; the next reconciler asks
            job = self._load(post_id)
            if job is None:
                continue
            attempt_id = job.attempt_id or self._start_attempt(post_id)  # the dead one's attempt
            self._settle_unknown(job, attempt_id, message, report)
        return report


class _Unanswered(Exception):
    """The platform could not be asked whether a post landed (yet)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, PlatformError) and exc.kind in ("retryable", "unknown")
