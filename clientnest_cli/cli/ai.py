"""`clientnest ai …`: write and improve posts with an OpenAI-compatible AI.

The provider is ai.base_url / ai.model in config.toml (DeepSeek by default).
The API key is looked up in this order: the CLIENTNEST_AI_API_KEY environment
variable, then the keyring (`clientnest ai key set`). Every call counts
against the acting user's monthly token budget and is logged (`ai usage`).
"""

from __future__ import annotations

from typing import Any

import typer

from clientnest_cli.cli import ai_admin, output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON.")
TONE_HELP = "professional, friendly, playful, bold, informative, inspirational or casual."
app.add_typer(ai_admin.key_app, name="key")
app.add_typer(ai_admin.replies_app, name="replies")


def _cut_note(cut: bool, platform: str, what: str = "the text") -> None:
    if cut:
        output.warn(f"Note: {what} was too long for {platform} and was cut at a sentence boundary.")


def _warnings(warnings: list[str]) -> None:
    for line in warnings:
        output.warn(f"Warning: {line}")


# --- generate ----------------------------------------------------------------------


def _draft_dict(draft: Any) -> dict[str, Any]:
    data = {"text": draft.text, "cut": draft.cut, "warnings": draft.warnings}
    data["post_ids"] = draft.post_ids
    if draft.scheduled_at is not None:
        data["scheduled_at"] = draft.scheduled_at
    return data


@app.command("generate")
def generate(
    ctx: typer.Context,
    topic: str = typer.Option(..., "--topic", help="What the post is about."),
    platform: str | None = typer.Option(
        None, "--platform", help="Write for this platform (default: the strictest --to target)."
    ),
    tone: str = typer.Option("professional", "--tone", help=TONE_HELP),
    hashtags: bool = typer.Option(True, "--hashtags/--no-hashtags", help="Allow hashtags."),
    variants: int = typer.Option(1, "--variants", min=1, max=5, help="How many versions."),
    save_draft: bool = typer.Option(False, "--save-draft", help="Save each version as a draft."),
    targets: list[str] = typer.Option(
        [], "--to", metavar="PLATFORM:HANDLE", help="Account(s) to save drafts for (repeatable)."
    ),
    queue: bool = typer.Option(
        False, "--queue", help="Queue the request (needs --to) and return at once; see `ai jobs`."
    ),
    ab: bool = typer.Option(
        False, "--ab", help="Make the versions an A/B test (needs --variants 2-5, --to, --at)."
    ),
    at: str | None = typer.Option(None, "--at", help="With --ab: when the test starts."),
    split: str | None = typer.Option(
        None, "--split", help="With --ab: time (a week apart) or accounts (at once)."
    ),
    as_json: bool = JSON,
) -> None:
    """Write a post about a topic, fitted to the platform's rules."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.ai_content import GenerateRequest
    from clientnest_cli.services.ai_content import generate as generate_

    req = GenerateRequest(
        topic=topic,
        platform=platform,
        tone=tone,
        hashtags=hashtags,
        variants=variants,
        targets=list(targets),
        save_draft=save_draft,
    )
    if (at or split) and not ab:
        raise BadInput("--at and --split go with --ab", hint="add --ab to make an A/B test")
    if ab:
        if queue:
            raise BadInput("--ab runs at once; drop --queue")
        _generate_ab(ctx, req, at, split, as_json)
        return
    if queue:
        from clientnest_cli.services.ai_jobs import enqueue_generate, job_dict

        job = enqueue_generate(state(ctx), req)
        if as_json:
            output.emit_json(job_dict(job))
        else:
            output.done(f"Queued AI job {job.id}; run it with `clientnest ai run-jobs`.")
        return
    result = generate_(state(ctx), req)
    if as_json:
        output.emit_json(
            {
                "platform": result.platform,
                "group_id": result.group_id,
                "variants": [_draft_dict(d) for d in result.variants],
            }
        )
    else:
        for number, draft in enumerate(result.variants, 1):
            if len(result.variants) > 1:
                output.done(f"--- version {number} ---")
            output.done(output.clean(draft.text))
    for number, draft in enumerate(result.variants, 1):
        what = f"version {number}" if len(result.variants) > 1 else "the text"
        _cut_note(draft.cut, result.platform, what)
        _warnings(draft.warnings)
    if result.post_ids:
        ids = ", ".join(str(i) for i in result.post_ids)
        output.warn(f"Saved AI draft(s): {ids}.")


def _generate_ab(
    ctx: typer.Context, req: Any, at: str | None, split: str | None, as_json: bool
) -> None:
    from clientnest_cli.cli.ab import say_created
    from clientnest_cli.services.abtests import from_ai

    result, test = from_ai(state(ctx), req, at, split)
    if as_json:
        output.emit_json({**test, "variants": [_draft_dict(d) for d in result.variants]})
        return
    for number, draft in enumerate(result.variants):
        output.done(f"--- variant {chr(ord('A') + number)} ---")
        output.done(output.clean(draft.text))
        _cut_note(draft.cut, result.platform, f"variant {chr(ord('A') + number)}")
        _warnings(draft.warnings)
    say_created(test, False)


# --- optimize ----------------------------------------------------------------------------


@app.command("optimize")
def optimize(
    ctx: typer.Context,
    post_id: int = typer.Argument(..., help="The post to improve."),
    goal: str = typer.Option("more engagement", "--goal", help="What to improve it for."),
    tone: str | None = typer.Option(None, "--tone", help=TONE_HELP),
    as_json: bool = JSON,
) -> None:
    """Suggest a better version of a post, with what changed and why."""
    from dataclasses import asdict

    from clientnest_cli.services.ai_content import optimize as optimize_

    result = optimize_(state(ctx), post_id, goal, tone)
    if as_json:
        output.emit_json(asdict(result))
    elif output.is_terminal():
        _side_by_side(result)
    else:
        output.done("Original:")
        output.done(output.clean(result.original))
        output.done("")
        output.done("Optimised:")
        output.done(output.clean(result.text))
        output.done("")
        output.done(f"Why: {output.clean(result.explanation)}")
        if result.improvements:
            output.done("Improvements:")
            for line in result.improvements:
                output.done(f"- {output.clean(line)}")
    _cut_note(result.cut, result.platform)
    _warnings(result.warnings)


def _side_by_side(result: Any) -> None:
    notes = "\n".join(f"• {i}" for i in result.improvements)
    output.table(
        f"Post {result.post_id} ({result.platform})",
        ["Original", "Optimised"],
        [(result.original, result.text), ("", f"{result.explanation}\n{notes}".strip())],
        show_lines=True,
    )


# --- hashtags and threads ------------------------------------------------------------------


@app.command("hashtags")
def hashtags(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The post to find hashtags for."),
    platform: str | None = typer.Option(None, "--platform", help="The platform it is for."),
    count: int = typer.Option(5, "--count", min=1, max=30, help="How many hashtags."),
    as_json: bool = JSON,
) -> None:
    """Suggest hashtags for a text."""
    from clientnest_cli.services.ai_content import suggest_hashtags

    tags = suggest_hashtags(state(ctx), text, platform, count)
    if as_json:
        output.emit_json({"hashtags": tags})
    else:
        output.done(" ".join(output.clean(t) for t in tags))


@app.command("thread")
def thread(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The topic or the long text to make a thread of."),
    platform: str = typer.Option(..., "--platform", help="The platform the thread is for."),
    parts: int = typer.Option(4, "--parts", min=1, max=20, help="About how many posts."),
    tone: str | None = typer.Option(None, "--tone", help=TONE_HELP),
    as_json: bool = JSON,
) -> None:
    """Write a thread whose every part fits the platform's limit."""
    from dataclasses import asdict

    from clientnest_cli.services.ai_content import write_thread

    result = write_thread(state(ctx), text, platform, parts, tone)
    if as_json:
        output.emit_json(asdict(result))
    else:
        total = len(result.parts)
        for number, part in enumerate(result.parts, 1):
            output.done(f"[{number}/{total}] {output.clean(part)}")
    if result.split:
        output.warn(f"Note: parts too long for {result.platform} were split into more parts.")
    _warnings(result.warnings)


# --- replies ---------------------------------------------------------------------------------


@app.command("reply")
def reply(
    ctx: typer.Context,
    comment_id: int = typer.Argument(..., help="The fetched comment to answer."),
    tone: str = typer.Option("friendly", "--tone", help=TONE_HELP),
    count: int = typer.Option(3, "--count", min=1, max=10, help="How many suggestions."),
    send: int | None = typer.Option(
        None, "--send", metavar="N", help="Send suggestion N as our reply, through the platform."
    ),
    as_json: bool = JSON,
) -> None:
    """Suggest replies to a comment; --send N posts one of them."""
    from dataclasses import asdict

    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.ai_replies import send_reply, suggest_replies

    app_ctx = state(ctx)
    if send is not None and not 1 <= send <= count:
        raise BadInput(f"--send must be from 1 to {count}, not {send}")
    result = suggest_replies(app_ctx, comment_id, tone, count)
    if send is not None and send > len(result.replies):
        raise BadInput(f"the AI made only {len(result.replies)} suggestions; --send {send} is none")
    from clientnest_cli.services.ai_replies import QueuedReply

    outcome = send_reply(app_ctx, comment_id, result.replies[send - 1]) if send else None
    queued = outcome if isinstance(outcome, QueuedReply) else None
    sent = None if queued else outcome
    if as_json:
        data = asdict(result)
        data["sent"] = result.replies[send - 1] if sent else None
        data["replied_at"] = sent.replied_at if sent else None
        data["queued"] = queued.id if queued else None
        output.emit_json(data)
    else:
        output.done(f"{output.clean(result.author)}: {output.clean(result.comment)}")
        for number, text in enumerate(result.replies, 1):
            output.done(f"{number}. {output.clean(text)}")
        if sent is not None:
            output.done(f"Sent reply {send}.")
        if queued is not None:
            output.done(
                f"Reply {send} waits for approval as queued reply {queued.id} "
                f"(`clientnest ai replies approve {queued.id}`)."
            )
    if any(result.cut):
        output.warn(f"Note: some suggestions were too long for {result.platform} and were cut.")
    _warnings(result.warnings)


# --- plan ---------------------------------------------------------------------------------------


@app.command("plan")
def plan(
    ctx: typer.Context,
    topic: str = typer.Option(..., "--topic", help="What the week is about."),
    target: str = typer.Option(..., "--to", metavar="PLATFORM:HANDLE", help="The account."),
    days: int = typer.Option(7, "--days", min=1, max=31, help="How many days to plan."),
    tone: str | None = typer.Option(None, "--tone", help=TONE_HELP),
    goal: str | None = typer.Option(None, "--goal", help="What the posts should achieve."),
    as_json: bool = JSON,
) -> None:
    """Draft a post for each day, placed in the account's free posting slots."""
    from clientnest_cli.services.ai_plan import plan as plan_

    app_ctx = state(ctx)
    result = plan_(app_ctx, topic, target, days, tone, goal)
    if as_json:
        output.emit_json(
            {
                "account": result.account,
                "platform": result.platform,
                "group_id": result.group_id,
                "slot_source": result.slot_source,
                "drafts": [_draft_dict(d) for d in result.drafts],
            }
        )
    else:
        if result.slot_source == "best-times":
            output.warn(
                f"Note: {result.account} has no posting slots; the drafts are placed at its "
                "best times (`clientnest slots suggest` shows them)."
            )
        output.table(
            f"Planned drafts for {result.account}",
            ["post", "slot (UTC)", "text"],
            [(d.post_ids[0] if d.post_ids else "", d.scheduled_at, d.text) for d in result.drafts],
        )
    if len(result.drafts) < result.asked_days:
        output.warn(
            f"Note: {len(result.drafts)} of {result.asked_days} days had a free posting slot."
        )
    cut = sum(d.cut for d in result.drafts)
    if cut:
        output.warn(f"Note: {cut} draft(s) were too long for {result.platform} and were cut.")
    _warnings([w for d in result.drafts for w in d.warnings])


# --- usage, jobs, doctor -----------------------------------------------------------------------


@app.command("usage")
def usage(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", metavar="EMAIL", help="Only this user."),
    month: str | None = typer.Option(
        None, "--month", metavar="YYYY-MM", help="Default: this month."
    ),
    as_json: bool = JSON,
) -> None:
    """AI tokens, cost and requests per user and purpose, and each budget."""
    from clientnest_cli.services.ai_usage import usage_report

    report = usage_report(state(ctx), email=user, month=month)
    if as_json:
        output.emit_json(report)
        return
    output.table(
        f"AI usage {report['month']}",
        ["user", "purpose", "requests", "failed", "tokens", "cost (USD)"],
        [
            (
                r["user"],
                r["purpose"],
                r["requests"],
                r["failed"],
                r["total_tokens"],
                f"{r['cost']:.4f}",
            )
            for r in report["usage"]
        ],
    )
    if report["budgets"]:
        output.table(
            "AI token budgets this month",
            ["user", "tier", "used", "limit"],
            [
                (b["user"], b["tier"], b["tokens_used"], b["tokens_limit"])
                for b in report["budgets"]
            ],
        )


@app.command("jobs")
def jobs(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="queued, running, done or failed."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    as_json: bool = JSON,
) -> None:
    """List queued and finished AI jobs, newest first."""
    from clientnest_cli.services.ai_jobs import job_dict, list_jobs

    rows = [job_dict(j) for j in list_jobs(state(ctx), limit, status)]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "AI jobs",
        ["id", "kind", "status", "topic", "draft", "error"],
        [
            (r["id"], r["kind"], r["status"], r["topic"], r["result_post_id"] or "", r["error"])
            for r in rows
        ],
    )


@app.command("run-jobs")
def run_jobs(
    ctx: typer.Context,
    limit: int = typer.Option(10, "--limit", min=1, max=1000, help="Run at most this many."),
    as_json: bool = JSON,
) -> None:
    """Run queued AI jobs now (the daemon does this every few seconds)."""
    import os
    import socket

    from clientnest_cli.services.ai_jobs import run_queued

    worker = f"cli:{socket.gethostname()}:{os.getpid()}"
    ran = run_queued(state(ctx), worker, limit)
    if as_json:
        output.emit_json({"ran": ran})
    else:
        output.done(f"Ran {ran} AI job(s); see `clientnest ai jobs`.")


@app.command("doctor")
def doctor(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Check the AI key, base URL and model with one tiny request."""
    from clientnest_cli.services.ai_usage import doctor as doctor_

    checks = doctor_(state(ctx))
    if as_json:
        output.emit_json(checks)
    else:
        output.table(
            "AI doctor",
            ["check", "result", "detail"],
            [(c["check"], "pass" if c["ok"] else "FAIL", c["detail"]) for c in checks],
        )
    if not all(c["ok"] for c in checks):
        raise typer.Exit(1)
