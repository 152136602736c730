"""Bad input and failing providers: one line with a hint, the right exit, nothing half-saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.ai_helpers import logs, owner, posts
from tests.helpers import cli, ok, seed_account

pytest_plugins = ["tests.cli.ai_fixtures"]


def one_line(run: Any) -> str:
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Error: ") and " — " in lines[0]  # reason — hint
    return lines[0]


def assert_nothing_saved() -> None:
    assert posts() == []
    assert owner().ai_tokens_used == 0


def test_provider_down_is_retried_then_reported(ai: Any) -> None:
    seed_account("x", "acme")
    ai.faults.error_rate = 1.0
    run = cli("ai", "generate", "--topic", "tea", "--to", "x:acme", "--save-draft")
    assert run.exit_code == 1
    line = one_line(run)
    assert "HTTP 50" in line or "unavailable" in line or "server" in line
    assert "try again later" in line
    assert ai.calls == 4  # the first try and three retries
    [log] = logs()
    assert log.outcome == "failed:retryable" and log.prompt_tokens == 0
    assert_nothing_saved()


def test_timeout_is_reported(ai: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTNEST_AI__TIMEOUT_SECONDS", "0.5")
    ai.faults.latency_s = 2.0
    run = cli("ai", "hashtags", "tea ceremonies")
    assert run.exit_code == 1
    assert "did not answer in time" in one_line(run)
    assert [log.outcome for log in logs()] == ["failed:retryable"]
    assert_nothing_saved()


def test_malformed_json_is_a_failed_call_not_counted(ai: Any) -> None:
    ai.ai_faults["mode"] = "malformed_json"
    run = cli("ai", "thread", "why we cycle", "--platform", "bluesky")
    assert run.exit_code == 1
    assert "not the JSON object" in one_line(run)
    [log] = logs()
    assert log.outcome == "failed:retryable" and log.completion_tokens > 0  # billed, logged
    assert_nothing_saved()


def test_empty_completion(ai: Any) -> None:
    seed_account("x", "acme")
    ai.ai_faults["mode"] = "empty"
    run = cli("ai", "generate", "--topic", "tea", "--to", "x:acme", "--save-draft", "--json")
    assert run.exit_code == 1 and run.stdout == ""
    assert "empty reply" in one_line(run)
    assert [log.outcome for log in logs()] == ["failed:retryable"]
    assert_nothing_saved()


def test_insufficient_balance(ai: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ai.add_key("sk-broke-0123456789", broke=True)
    monkeypatch.setenv("CLIENTNEST_AI_API_KEY", "sk-broke-0123456789")
    run = cli("ai", "generate", "--topic", "tea", "--platform", "x")
    assert run.exit_code == 1 and "0123456789" not in run.stderr
    one_line(run)
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "--topic", "t", "--platform", "myspace"), "Unknown platform 'myspace'"),
        (("generate", "--topic", "t", "--platform", "x", "--tone", "grumpy"), "unknown tone"),
        (("generate", "--topic", "  ", "--platform", "x"), "the topic is empty"),
        (("generate", "--topic", "t"), "say which platform"),
        (("thread", "t", "--platform", "fax"), "Unknown platform"),
        (("reply", "999"), "no comment with id 999"),
        (("optimize", "999"), "no post with id 999"),
        (("plan", "--topic", "t", "--to", "x:nobody"), "no account 'x:nobody'"),
        (("usage", "--month", "March"), "is not a month"),
        (("usage", "--user", "nobody@acme.test"), "no user with email"),
        (("hashtags", "tea", "--platform", "telex"), "Unknown platform"),
    ],
)
def test_bad_input_exits_2_before_any_call(ai: Any, args: tuple[str, ...], message: str) -> None:
    run = cli("ai", *args)
    assert run.exit_code == 2, run.stderr
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert ai.calls == 0 and logs() == []
    assert_nothing_saved()


def test_viewers_cannot_spend_tokens(ai: Any) -> None:
    ok("users", "add", "viv@acme.test", "--role", "viewer")
    run = cli("--as", "viv@acme.test", "ai", "hashtags", "tea")
    assert run.exit_code == 2 and "viewer" in run.stderr and ai.calls == 0


def test_no_store_yet(ai_env: Any) -> None:
    run = cli("ai", "hashtags", "tea")
    assert run.exit_code == 2 and "clientnest init" in run.stderr
    assert ai_env.calls == 0
