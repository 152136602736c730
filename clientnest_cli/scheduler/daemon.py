"""`clientnest daemon run`: publish on time, reconcile, refresh, sync — until told to stop.

Timing inside one process is APScheduler's (3.x) job; correctness across
processes lives in the database: claims with leases, so several daemons on
one PostgreSQL store share the work and two on one SQLite file are safe.

The dispatcher is its own loop rather than a fixed 1 s interval: it sleeps
until the next post is due (at most ``dispatch_interval_seconds``), so posts
go out within a fraction of a second of their time.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import ClientNestError, StoreError
from clientnest_cli.scheduler.logs import setup_logging
from clientnest_cli.services.publisher import Publisher

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

log = logging.getLogger("clientnest.daemon")
MAX_STORE_BACKOFF_S = 30.0


class Daemon:
    def __init__(self, ctx: AppContext, worker_id: str | None = None) -> None:
        self.ctx = ctx
        self.publisher = Publisher(ctx, worker_id)
        self.worker_id = self.publisher.worker_id
        self.stopping = self.publisher.stopping
        self._wake = threading.Event()
        self._scheduler: Any = None
        self._store_file = _store_file_identity(ctx)
        self.failure: StoreError | None = None

    # --- lifecycle -------------------------------------------------------------
    def run(self, install_signals: bool = True) -> None:
        setup_logging(self.ctx.paths.log_dir, self.ctx.settings.log_level)
        if install_signals:
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        log.info("daemon starting", extra={"event": "start", "daemon": self.worker_id})
        self._guard("heartbeat", self._heartbeat)
        self._guard("reconcile", self._reconcile)  # a predecessor may have died mid-send
        self._start_scheduler()
        try:
            self._dispatch_loop()
        finally:
            self._shutdown()
        if self.failure is not None:
            raise self.failure

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("signal %s: finishing in-flight posts, then stopping", signum)
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    def _shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        self.publisher.close()
        if self.failure is None:  # with the store gone there is nothing to write to
            self._guard("heartbeat", lambda: self._heartbeat(stopped=True))
        log.info("daemon stopped", extra={"event": "stop", "daemon": self.worker_id})

    # --- the dispatcher ----------------------------------------------------------
    def _dispatch_loop(self) -> None:
        interval = self.ctx.settings.daemon.dispatch_interval_seconds
        store_backoff = 1.0
        while not self.stopping.is_set():
            if self._store_file_gone():
                break
            try:
                report = self.publisher.dispatch_once()
                store_backoff = 1.0
            except StoreError as exc:
                log.warning("store unavailable: %s; retrying in %.0f s", exc.message, store_backoff)
                self._wake.wait(store_backoff)
                self._wake.clear()
                store_backoff = min(MAX_STORE_BACKOFF_S, store_backoff * 2)
                continue
            if report.published or report.failed or report.retrying or report.unconfirmed:
                log.info(
                    "dispatched",
                    extra={
                        "event": "dispatch",
                        "published": len(report.published),
                        "failed": len(report.failed),
                        "retrying": len(report.retrying),
                        "unconfirmed": len(report.unconfirmed),
                    },
                )
            if report.handled and len(report.deferred) < report.handled:
                continue  # there may be more due right now
            self._sleep_until_next_due(interval)

    def _store_file_gone(self) -> bool:
        """A SQLite store deleted or replaced under us stops the daemon with an error,
        rather than sending through the deleted file or re-creating an empty store."""
        if self._store_file is None:
            return False
        path, identity = self._store_file
        try:
            st = os.stat(path)
            now = (st.st_dev, st.st_ino)
        except FileNotFoundError:
            now = None
        if now == identity:
            return False
        what = "disappeared" if now is None else "was replaced by another file"
        self.failure = StoreError(
            f"the store file {path} {what}; the daemon stopped",
            hint="restore it (`clientnest db restore FILE`) and start the daemon again",
        )
        log.error(self.failure.one_line(), extra={"event": "store_gone"})
        self.stopping.set()
        return True

    def _sleep_until_next_due(self, interval: float) -> None:
        from clientnest_cli.store.claims import Claims
        from clientnest_cli.store.values import utcnow

        wait = interval
        try:
            with self.ctx.lite() as db:
                next_due = Claims(db).next_due_at()
            if next_due is not None:
                wait = max(0.0, min(interval, (next_due - utcnow()).total_seconds()))
        except StoreError as exc:
            log.warning("store unavailable: %s; looking again in %.1f s", exc.message, wait)
        if wait > 0:
            self._wake.wait(wait)
            self._wake.clear()

    # --- periodic jobs -------------------------------------------------------------
    def _start_scheduler(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        settings = self.ctx.settings.daemon
        scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
        )
        jobs: list[tuple[str, Callable[[], object], float]] = [
            ("heartbeat", self._heartbeat, 2),
            ("reconcile", self._reconcile, settings.reconcile_interval_seconds),
            ("token refresh", self._refresh_tokens, 300),
            ("ai jobs", self._ai_jobs, 5),
            ("metrics sync", self._metrics, settings.metrics_interval_minutes * 60),
            ("comments sync", self._comments, settings.comments_interval_minutes * 60),
            ("account sync", self._accounts, settings.account_sync_interval_minutes * 60),
            ("health alerts", self._health, HEALTH_INTERVAL_S),
            ("model retrain", self._retrain, settings.retrain_check_minutes * 60),
        ]
        for name, fn, seconds in jobs:
            scheduler.add_job(self._guard, "interval", args=(name, fn), seconds=seconds, id=name)
        if self.ctx.settings.report.monthly:  # soon after start too: catch up a missed 1st
            name = "monthly reports"
            scheduler.add_job(
                self._guard,
                "interval",
                args=(name, self._monthly_reports),
                seconds=HEALTH_INTERVAL_S,
                id=name,
                next_run_time=datetime.now(UTC) + timedelta(seconds=30),
            )
        scheduler.start()
        self._scheduler = scheduler

    def _guard(self, name: str, fn: Callable[[], object]) -> None:
        """A periodic job never takes the daemon down; it logs and waits for its next turn."""
        if self.stopping.is_set() and name != "heartbeat":
            return
        try:
            fn()
        except ClientNestError as exc:
            log.warning("%s failed: %s", name, exc.one_line())
        except Exception:
            log.exception("%s crashed", name)

    def _heartbeat(self, stopped: bool = False) -> None:
        from clientnest_cli.services.daemons import beat

        beat(self.ctx, self.worker_id, stopped=stopped)

    def _reconcile(self) -> None:
        report = self.publisher.reconcile_expired()
        self.publisher.fail_unusable_accounts(report)
        if report.handled:
            log.info("reconciled", extra={"event": "reconcile", "published": len(report.published)})

    def _refresh_tokens(self) -> None:
        from clientnest_cli.services.daemons import refresh_expiring_tokens

        ahead = timedelta(minutes=self.ctx.settings.daemon.token_refresh_ahead_minutes)
        refresh_expiring_tokens(self.ctx, self.publisher.actor, ahead)

    def _ai_jobs(self) -> None:
        try:
            from clientnest_cli.services.ai_jobs import run_queued
        except ImportError:
            return
        run_queued(self.ctx, self.worker_id, 5)

    def _metrics(self) -> None:
        from clientnest_cli.services.metrics_sync import sync_metrics

        report = sync_metrics(self.ctx)
        if report.snapshots_written or report.failures:
            log.info(
                "metrics synced",
                extra={
                    "event": "metrics",
                    "snapshots": report.snapshots_written,
                    "failures": len(report.failures),
                },
            )

    def _comments(self) -> None:
        from clientnest_cli.services.metrics_sync import sync_comments

        sync_comments(self.ctx)

    def _accounts(self) -> None:
        from clientnest_cli.services.accounts import sync

        sync(self.ctx)

    def _health(self) -> None:
        from clientnest_cli.services.alerts import check

        new = check(self.ctx)
        if new:
            log.info("health alerts", extra={"event": "health", "new": len(new)})

    def _monthly_reports(self) -> None:
        from clientnest_cli.services.report_monthly import monthly_reports

        written = monthly_reports(self.ctx)
        if written:
            log.info("client reports", extra={"event": "reports", "written": len(written)})

    def _retrain(self) -> None:
        from clientnest_cli.services.insight import retrain_if_due

        done = retrain_if_due(self.ctx, self.ctx.settings.daemon.retrain_new_posts)
        if done:
            chosen = done["evaluation"]["chosen"]
            log.info("model retrained", extra={"event": "retrain", "chosen": chosen})


HEALTH_INTERVAL_S = 3600  # `analytics health` once an hour; each new alert notified once


def _store_file_identity(ctx: AppContext) -> tuple[str, tuple[int, int]] | None:
    from clientnest_cli.store.db import sqlite_path

    path = sqlite_path(ctx.database_url)
    if path is None or not path.exists():
        return None  # PostgreSQL; or no store yet, which opening it will say
    st = os.stat(path)
    return str(path), (st.st_dev, st.st_ino)


def run_daemon(ctx: AppContext, worker_id: str | None = None) -> None:
    Daemon(ctx, worker_id).run()
