"""`ai generate`, the key, budgets and the queue, end to end through the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clientnest_cli.domain.rules import fits_length
from tests.cli.ai_helpers import logs, owner, posts, update_user
from tests.helpers import cli, init_store, ok, seed_account

pytest_plugins = ["tests.cli.ai_fixtures"]


def test_generate_prints_a_post_that_fits_and_meters_the_call(ai: Any) -> None:
    data = ok(
        "ai", "generate", "--topic", "solar panels for farms", "--platform", "x", "--json"
    ).json()
    [variant] = data["variants"]
    assert data["platform"] == "x" and variant["cut"] is False and variant["post_ids"] == []
    assert "solar" in variant["text"] and fits_length("x", variant["text"])
    [request] = ai.snapshot()["requests"]
    assert request["model"] == "deepseek-chat" and not request["json_mode"]
    system = request["messages"][0]["content"]
    assert "at most 280 characters" in system and "23 characters" in system  # X's rules
    [log] = logs()
    assert (log.purpose, log.outcome, log.model) == ("generate", "ok", "deepseek-chat")
    assert (log.prompt_tokens, log.completion_tokens) == (
        request["prompt_tokens"],
        request["completion_tokens"],
    )
    assert log.cost > 0 and log.latency_ms >= 0
    user = owner()
    assert user.ai_tokens_used == log.prompt_tokens + log.completion_tokens
    assert len(user.ai_usage_month) == 7


def test_generate_plain_output_and_hashtag_switch(ai: Any) -> None:
    run = ok(
        "ai", "generate", "--topic", "bicycle repair", "--platform", "mastodon", "--no-hashtags"
    )
    assert "bicycle" in run.stdout and run.stderr == ""
    assert "do not use any hashtags" in ai.snapshot()["requests"][0]["messages"][1]["content"]


def test_variants_saved_as_ai_drafts_in_one_group(ai: Any) -> None:
    seed_account("x", "acme")
    seed_account("bluesky", "acme.bsky.social")
    run = ok(
        "ai", "generate", "--topic", "spring menu", "--to", "x:acme",
        "--to", "bluesky:acme.bsky.social", "--save-draft", "--variants", "2", "--json",
    )  # fmt: skip
    data = run.json()
    assert data["platform"] == "x"  # the strictest target
    texts = [v["text"] for v in data["variants"]]
    assert texts[0] != texts[1]  # each version asked for a different angle
    saved = posts()
    assert len(saved) == 4 and {p.group_id for p in saved} == {data["group_id"]}
    assert all(p.ai_generated and p.status == "draft" for p in saved)
    assert sorted(p.variant for p in saved) == ["A", "A", "B", "B"]
    assert sorted(i for v in data["variants"] for i in v["post_ids"]) == sorted(p.id for p in saved)


def test_too_long_output_is_retried_once_then_cut(ai: Any) -> None:
    ai.ai_faults["mode"] = "too_long"
    run = ok("ai", "generate", "--topic", "coffee beans", "--platform", "x", "--json")
    [variant] = run.json()["variants"]
    assert variant["cut"] is True and fits_length("x", variant["text"])
    assert variant["text"].endswith((".", "!", "?", "…"))
    assert "cut at a sentence boundary" in run.stderr
    requests = ai.snapshot()["requests"]
    assert len(requests) == 2  # the first try and one tighter retry
    assert "at most 238" in requests[1]["messages"][-1]["content"]
    assert [log.outcome for log in logs()] == ["ok", "ok"]


def test_save_draft_needs_a_target_and_instagram_needs_media(ai: Any) -> None:
    bad = cli("ai", "generate", "--topic", "t", "--platform", "x", "--save-draft")
    assert bad.exit_code == 2 and "--to" in bad.stderr
    seed_account("instagram", "acme")
    bad = cli("ai", "generate", "--topic", "t", "--to", "instagram:acme", "--save-draft")
    assert bad.exit_code == 2 and "image or video" in bad.stderr
    assert ai.calls == 0 and posts() == []


# --- the key ---------------------------------------------------------------------------------


SECRET = "sk-live-0123456789abcdefSECRET"


def _leaks(home: Path, *outputs: str) -> list[str]:
    found = [text for text in outputs if SECRET in text or SECRET[-10:] in text]
    for path in home.rglob("*"):
        if path.is_file() and SECRET.encode() in path.read_bytes():
            found.append(str(path))
    return found


def test_key_set_from_stdin_is_used_and_never_shown(
    ai: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLIENTNEST_AI_API_KEY")
    ai.add_key(SECRET)
    none = cli("ai", "generate", "--topic", "tea", "--platform", "x")
    assert none.exit_code == 2 and "no AI API key is set" in none.stderr
    assert "ai key set" in none.stderr and ai.calls == 0
    stored = ok("ai", "key", "set", input=SECRET + "\n")
    run = ok("ai", "generate", "--topic", "tea", "--platform", "x", "--json")
    doctor = ok("ai", "doctor", "--json")
    assert {c["check"]: c["detail"] for c in doctor.json()}["key"].startswith("from the keyring")
    usage = ok("ai", "usage", "--json")
    assert not _leaks(home, stored.stdout, stored.stderr, run.stdout, doctor.stdout, usage.stdout)
    ok("ai", "key", "clear")
    gone = cli("ai", "generate", "--topic", "tea", "--platform", "x")
    assert gone.exit_code == 2 and "no AI API key" in gone.stderr


def test_env_key_wins_over_the_keyring(ai: Any) -> None:
    ok("ai", "key", "set", input="sk-wrong-key-in-the-keyring\n")
    ok("ai", "generate", "--topic", "tea", "--platform", "x")  # env has the good key


def test_rejected_key_is_one_line_logged_and_not_counted(
    ai: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_AI_API_KEY", SECRET)  # not registered: 401
    seed_account("x", "acme")
    run = cli("ai", "generate", "--topic", "tea", "--to", "x:acme", "--save-draft")
    assert run.exit_code == 1
    assert run.stderr.startswith("Error: the AI provider rejected the API key — ")
    assert len(run.stderr.strip().splitlines()) == 1
    [log] = logs()
    assert log.outcome == "failed:auth" and SECRET not in log.error
    assert owner().ai_tokens_used == 0 and posts() == []
    assert not _leaks(home, run.stdout, run.stderr)


# --- budgets -------------------------------------------------------------------------------------


def test_budget_is_refused_before_anything_is_sent(
    ai_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_store()
    ok("policy", "set", "tiers.free.ai_tokens_per_month", "100")  # the owner follows at once
    run = cli("ai", "generate", "--topic", "tea", "--platform", "linkedin")
    assert run.exit_code == 2 and "AI tokens left this month" in run.stderr
    assert "next month" in run.stderr and "set-tier" in run.stderr
    assert ai_env.calls == 0
    [log] = logs()
    assert (log.outcome, log.prompt_tokens, log.completion_tokens) == ("refused", 0, 0)
    assert owner().ai_tokens_used == 0


def test_counter_resets_in_a_new_month(ai: Any) -> None:
    user = owner()
    update_user(user.email, ai_tokens_used=user.ai_tokens_limit, ai_usage_month="2000-01")
    ok("ai", "generate", "--topic", "tea", "--platform", "x")
    fresh = owner()
    assert fresh.ai_usage_month != "2000-01" and 0 < fresh.ai_tokens_used < 1000
    update_user(user.email, ai_tokens_used=fresh.ai_tokens_limit)  # spent, this month
    assert cli("ai", "generate", "--topic", "tea", "--platform", "x").exit_code == 2


# --- the queue -------------------------------------------------------------------------------------


def test_queue_stores_a_job_and_run_jobs_saves_its_draft(ai: Any) -> None:
    seed_account("x", "acme")
    job = ok("ai", "generate", "--topic", "launch", "--to", "x:acme", "--queue", "--json").json()
    assert job["status"] == "queued" and ai.calls == 0 and posts() == []
    listed = ok("ai", "jobs", "--json").json()
    assert [(j["id"], j["status"]) for j in listed] == [(job["id"], "queued")]
    assert ok("ai", "run-jobs", "--json").json() == {"ran": 1}
    assert ok("ai", "run-jobs", "--json").json() == {"ran": 0}  # nothing left to claim
    [done] = ok("ai", "jobs", "--json").json()
    [draft] = posts()
    assert done["status"] == "done" and done["result_post_id"] == draft.id
    assert draft.ai_generated and "launch" in draft.content.lower()


def test_queue_refuses_bad_input_at_once(ai: Any) -> None:
    run = cli("ai", "generate", "--topic", "t", "--platform", "x", "--queue")
    assert run.exit_code == 2 and "--to" in run.stderr
    run = cli("ai", "generate", "--topic", "t", "--to", "x:nobody", "--queue")
    assert run.exit_code == 2 and "no account" in run.stderr
    assert ok("ai", "jobs", "--json").json() == []


def test_failed_job_is_recorded_and_retryable_ones_wait(ai: Any) -> None:
    from clientnest_cli.services.ai_jobs import run_queued
    from clientnest_cli.services.context import AppContext

    seed_account("x", "acme")
    ok("ai", "generate", "--topic", "launch", "--to", "x:acme", "--queue")
    ai.faults.error_rate = 1.0
    ctx = AppContext()
    try:
        assert run_queued(ctx, "worker-a", 5) == 1
        assert run_queued(ctx, "worker-b", 5) == 0  # held back before its next try
    finally:
        ctx.close()
    [job] = ok("ai", "jobs", "--json").json()
    assert job["status"] == "queued" and job["tries"] == 1 and "try again later" in job["error"]
    assert posts() == []


def test_job_claim_is_atomic_between_workers(ai: Any) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.ai_repos import AIJobs
    from clientnest_cli.store.types import utcnow

    seed_account("x", "acme")
    job_id = ok("ai", "generate", "--topic", "x", "--to", "x:acme", "--queue", "--json").json()[
        "id"
    ]
    ctx = AppContext()
    try:
        now = utcnow()
        with ctx.store.session() as session:
            first = AIJobs(session).claim(job_id, "a", now, now.replace(year=now.year + 1))
        with ctx.store.session() as session:
            second = AIJobs(session).claim(job_id, "b", now, now.replace(year=now.year + 1))
    finally:
        ctx.close()
    assert (first, second) == (True, False)


# --- PostgreSQL too ----------------------------------------------------------------------------------


@pytest.fixture
def ai_store(ai_env: Any, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    return ai_env


def test_generate_save_usage_and_queue_on_each_database(ai_store: Any) -> None:
    seed_account("x", "acme")
    data = ok("ai", "generate", "--topic", "tea", "--to", "x:acme", "--save-draft", "--json").json()
    assert len(data["variants"][0]["post_ids"]) == 1
    ok("ai", "generate", "--topic", "more tea", "--to", "x:acme", "--queue")
    assert ok("ai", "run-jobs", "--json").json() == {"ran": 1}
    report = ok("ai", "usage", "--json").json()
    [row] = report["usage"]
    assert (row["user"], row["purpose"], row["requests"], row["failed"]) == (
        "owner@acme.test",
        "generate",
        2,
        0,
    )
    [budget] = report["budgets"]
    assert budget["tokens_used"] == row["total_tokens"] and budget["tokens_limit"] == 20_000
