"""Queued AI work: `ai generate --queue` stores an AIJob; workers run it later.

A job is claimed by one conditional UPDATE (queued, or running with an
expired lease → running, with this worker as lease owner), so any number of
daemons and `ai run-jobs` can share one store without running a job twice.
A job ends ``done`` (with the draft it saved) or ``failed`` (with the
reason). A job that failed for a passing reason (provider down, rate limit)
goes back to the queue with a delay, up to ``MAX_TRIES`` tries.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import AIError, BadInput, ClientNestError
from clientnest_cli.services.ai_content import GenerateRequest, generate
from clientnest_cli.services.ai_usage import Actor
from clientnest_cli.store.ai_repos import AIJobs
from clientnest_cli.store.models import AIJob
from clientnest_cli.store.repos import Users
from clientnest_cli.store.types import utcnow

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clientnest_cli.services.context import AppContext

KINDS = ("generate",)
MAX_TRIES = 3
RETRY_DELAY = timedelta(minutes=1)
MAX_ERROR_CHARS = 1000


def enqueue_generate(ctx: AppContext, req: GenerateRequest) -> AIJob:
    """Check the request now (bad input fails at once), store it, return at once."""
    from clientnest_cli.ai.prompts import check_tone
    from clientnest_cli.domain.enums import Role
    from clientnest_cli.services.ai_content import (
        check_platform,
        need_count,
        need_text,
        resolve_targets,
    )

    need_text(req.topic, "topic")
    req.tone = check_tone(req.tone)
    need_count(req.variants, "--variants", 5)
    if req.platform:
        req.platform = check_platform(req.platform)
    if not req.targets:
        raise BadInput(
            "a queued request needs somewhere to save its draft", hint="add --to PLATFORM:HANDLE"
        )
    req.save_draft = True
    with ctx.store.session() as session:
        user = ctx.require(session, Role.EDITOR, "queueing AI work")
        accounts = resolve_targets(session, req.targets)
        req.targets = [str(a.id) for a in accounts]  # the rows, not names that may change
        job = AIJobs(session).add(AIJob(user_id=user.id, kind="generate", params=req.to_params()))
        ctx.audit(session, user.email, "ai.job.queue", "ai_job", job.id, kind=job.kind)
        return job


def list_jobs(ctx: AppContext, limit: int = 50, status: str | None = None) -> Sequence[AIJob]:
    with ctx.store.session() as session:
        ctx.actor(session)
        return AIJobs(session).recent(limit, status)


def lease_seconds(ctx: AppContext) -> float:
    """Long enough for a generate with its retries (two calls per variant)."""
    return max(120.0, ctx.settings.ai.timeout_seconds * 4 * 2 * 5 + 30)


def run_queued(ctx: AppContext, worker_id: str, limit: int = 10) -> int:
    """Claim and run up to ``limit`` jobs; the number run (done or failed)."""
    now = utcnow()
    with ctx.store.session() as session:
        candidates = AIJobs(session).claimable_ids(now, limit)
    ran = 0
    for job_id in candidates:
        now = utcnow()
        until = now + timedelta(seconds=lease_seconds(ctx))
        with ctx.store.session() as session:
            claimed = AIJobs(session).claim(job_id, worker_id, now, until)
        if claimed:
            _run(ctx, job_id, worker_id)
            ran += 1
    return ran


def _run(ctx: AppContext, job_id: int, worker: str) -> None:
    with ctx.store.session() as session:
        job = AIJobs(session).by_id(job_id)
        assert job is not None
        user = Users(session).by_id(job.user_id) if job.user_id else None
        params: dict[str, Any] = dict(job.params)
    if user is None:
        _finish(ctx, job_id, worker, error="the user who queued this job no longer exists")
        return
    if job.kind not in KINDS:
        _finish(ctx, job_id, worker, error=f"unknown job kind {job.kind!r}")
        return
    try:
        result = generate(ctx, GenerateRequest.from_params(params), Actor(user.id or 0, user.email))
    except AIError as exc:
        tries = int(params.get("tries", 0)) + 1
        if exc.kind == "retryable" and tries < MAX_TRIES:
            _requeue(ctx, job_id, worker, params | {"tries": tries}, exc.one_line())
        else:
            _finish(ctx, job_id, worker, error=exc.one_line())
    except ClientNestError as exc:
        _finish(ctx, job_id, worker, error=exc.one_line())
    except Exception as exc:  # a bug must not stop the daemon's other work
        _finish(ctx, job_id, worker, error=f"unexpected {type(exc).__name__}: {exc}")
    else:
        ids = result.post_ids
        _finish(ctx, job_id, worker, post_id=ids[0] if ids else None)


def _finish(
    ctx: AppContext, job_id: int, worker: str, *, post_id: int | None = None, error: str = ""
) -> None:
    with ctx.store.session() as session:
        AIJobs(session).finish(
            job_id,
            worker,
            status="failed" if error else "done",
            result_post_id=post_id,
            error=error[:MAX_ERROR_CHARS],
            lease_owner="",
            lease_expires_at=None,
            finished_at=utcnow(),
        )


def _requeue(ctx: AppContext, job_id: int, worker: str, params: dict[str, Any], error: str) -> None:
    """Back to the queue, held back by the lease until RETRY_DELAY has passed."""
    with ctx.store.session() as session:
        AIJobs(session).finish(
            job_id,
            worker,
            status="queued",
            params=params,
            error=error[:MAX_ERROR_CHARS],
            lease_owner="",
            lease_expires_at=utcnow() + RETRY_DELAY,
        )


def job_dict(job: AIJob) -> dict[str, Any]:
    params = job.params or {}
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "topic": params.get("topic", ""),
        "platform": params.get("platform"),
        "targets": params.get("targets", []),
        "result_post_id": job.result_post_id,
        "error": job.error,
        "tries": params.get("tries", 0),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }
