"""ChatClient against the real AI emulator over loopback HTTP."""

from __future__ import annotations

import logging
import socket

import pytest

from clientnest_cli.ai.client import ChatClient
from clientnest_cli.errors import AIError
from clientnest_cli.sandbox.framework import SandboxServer

SECRET = "sk-test-secret-0123456789abcdef"
TOPIC_MESSAGES = [
    {"role": "system", "content": "You write posts. At most 200 characters."},
    {"role": "user", "content": "Write a post.\n<topic>\nsolar panels for farms\n</topic>"},
]
JSON_MESSAGES = [
    {
        "role": "system",
        "content": 'Answer in JSON shaped like {"text": "post", "hashtags": ["#tag"]}.',
    },
    {"role": "user", "content": "<topic>bicycle repair</topic> exactly 2 hashtags"},
]


@pytest.fixture
def emu(sandbox: SandboxServer):
    return sandbox.emulator("ai")


def make_client(sandbox: SandboxServer, key: str = "sk-sandbox", **kwargs) -> ChatClient:
    options = {"timeout": 5.0, "max_retries": 3, "backoff_s": 0.01} | kwargs
    return ChatClient(sandbox.base_url("ai") + "/v1", "deepseek-chat", key, **options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_secret(error: AIError, client: ChatClient) -> None:
    for text in (str(error), error.one_line(), repr(client), repr(error.__cause__ or "")):
        assert SECRET not in text
        assert SECRET[-8:] not in text


# --- success ---------------------------------------------------------------


def test_complete_returns_text_and_the_providers_usage(sandbox, emu):
    with make_client(sandbox) as client:
        completion = client.complete(TOPIC_MESSAGES, max_tokens=200)
    recorded = emu.snapshot()["requests"][-1]
    assert "solar panels" in completion.text
    assert completion.finish_reason == "stop"
    assert completion.model == "deepseek-chat"
    assert completion.prompt_tokens == recorded["prompt_tokens"] > 0
    assert completion.completion_tokens == recorded["completion_tokens"] > 0
    assert not completion.usage_estimated
    assert completion.latency_s >= 0
    assert client.last_completion == completion


def test_base_url_without_v1_works_like_deepseek(sandbox):
    client = ChatClient(sandbox.base_url("ai"), "deepseek-chat", "sk-sandbox")
    assert "solar" in client.complete(TOPIC_MESSAGES, max_tokens=100).text
    client.close()


def test_same_prompt_gets_the_same_reply(sandbox):
    client = make_client(sandbox)
    first = client.complete(TOPIC_MESSAGES, max_tokens=100).text
    assert client.complete(TOPIC_MESSAGES, max_tokens=100).text == first


def test_max_tokens_cuts_the_reply(sandbox):
    completion = make_client(sandbox).complete(TOPIC_MESSAGES, max_tokens=3)
    assert completion.finish_reason == "length"
    assert completion.completion_tokens <= 3


def test_json_mode_returns_the_object_the_prompt_asked_for(sandbox, emu):
    client = make_client(sandbox)
    data = client.complete_json(JSON_MESSAGES, max_tokens=300)
    assert set(data) == {"text", "hashtags"}
    assert "bicycle" in data["text"]
    assert len(data["hashtags"]) == 2
    assert emu.snapshot()["requests"][-1]["json_mode"] is True
    assert client.last_completion is not None and client.last_completion.completion_tokens > 0


# --- refusals before sending -------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "   "])
def test_no_key_is_refused_before_sending(sandbox, emu, key):
    with pytest.raises(AIError) as caught:
        make_client(sandbox, key=key).complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "permanent"
    assert caught.value.hint == "`clientnest ai key set` or CLIENTNEST_AI_API_KEY"
    assert emu.calls == 0


def test_not_an_http_base_url_is_refused(sandbox):
    client = ChatClient("api.deepseek.com", "deepseek-chat", "sk-sandbox")
    with pytest.raises(AIError, match=r"ai\.base_url") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "permanent"


# --- provider errors ---------------------------------------------------------


def test_401_means_the_key_was_rejected(sandbox, emu):
    client = make_client(sandbox, key=SECRET)
    with pytest.raises(AIError) as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "auth"
    assert caught.value.message == "the AI provider rejected the API key"
    assert caught.value.hint == "set it with `clientnest ai key set`"
    assert emu.calls == 1  # not retried
    assert_no_secret(caught.value, client)


def test_402_means_insufficient_balance(sandbox, emu):
    emu.add_key(SECRET, broke=True)
    client = make_client(sandbox, key=SECRET)
    with pytest.raises(AIError, match="insufficient balance") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "permanent"
    assert "top up" in caught.value.hint
    assert emu.calls == 1
    assert_no_secret(caught.value, client)


def test_unknown_model_points_at_model_and_base_url(sandbox):
    client = ChatClient(sandbox.base_url("ai") + "/v1", "no-such-model", "sk-sandbox")
    with pytest.raises(AIError, match="no-such-model") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "permanent"
    assert "ai.model" in caught.value.hint and "ai.base_url" in caught.value.hint


def test_a_refused_request_quotes_the_provider_and_is_not_retried(sandbox, emu):
    with pytest.raises(AIError, match="temperature") as caught:
        make_client(sandbox).complete(TOPIC_MESSAGES, max_tokens=10, temperature=5)
    assert caught.value.kind == "permanent"
    assert emu.calls == 1


def test_json_mode_without_the_word_json_is_refused(sandbox):
    with pytest.raises(AIError, match="json"):
        make_client(sandbox).complete_json(TOPIC_MESSAGES, max_tokens=10)


# --- retries -------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_transient_5xx_is_retried_until_it_succeeds(sandbox, emu, status):
    emu.ai_faults.update(fail_next=2, fail_status=status)
    completion = make_client(sandbox).complete(TOPIC_MESSAGES, max_tokens=100)
    assert "solar" in completion.text
    assert emu.calls == 3


def test_429_is_retried_after_retry_after(sandbox, emu):
    emu.faults.rate_limit_reset_s = 0.05
    emu.ai_faults.update(fail_next=2, fail_status=429)
    completion = make_client(sandbox).complete(TOPIC_MESSAGES, max_tokens=100)
    assert "solar" in completion.text
    assert emu.calls == 3


def test_random_framework_faults_are_ridden_out(sandbox, emu):
    emu.faults.update({"error_rate": 0.3, "rate_limit_rate": 0.2, "rate_limit_reset_s": 0.01})
    client = make_client(sandbox, max_retries=6)
    for _ in range(8):
        client.complete(TOPIC_MESSAGES, max_tokens=50)
    assert emu.calls > 8
    assert len(emu.snapshot()["requests"]) == 8


def test_persistent_429_ends_in_rate_limited(sandbox, emu):
    emu.faults.update({"rate_limit_rate": 1.0, "rate_limit_reset_s": 0.02})
    with pytest.raises(AIError, match="rate limiting") as caught:
        make_client(sandbox, max_retries=2).complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "retryable"
    assert caught.value.hint
    assert emu.calls == 3


def test_a_retry_after_too_long_is_not_waited_for(sandbox, emu):
    emu.faults.update({"rate_limit_rate": 1.0, "rate_limit_reset_s": 30})
    client = make_client(sandbox, max_retry_after_s=5)
    with pytest.raises(AIError, match="rate limiting") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert "30 s" in caught.value.hint
    assert emu.calls == 1


def test_persistent_5xx_means_provider_down(sandbox, emu):
    emu.faults.error_rate = 1.0
    with pytest.raises(AIError, match="down") as caught:
        make_client(sandbox, max_retries=2).complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "retryable"
    assert "ai.base_url" in caught.value.hint
    assert emu.calls == 3


def test_timeout_means_provider_down(sandbox, emu):
    emu.faults.latency_s = 0.5
    client = make_client(sandbox, timeout=0.1, max_retries=1)
    with pytest.raises(AIError, match="did not answer in time") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "retryable"
    assert "ai.base_url" in caught.value.hint


def test_connection_refused_means_provider_down():
    url = f"http://127.0.0.1:{free_port()}/v1"
    client = ChatClient(url, "deepseek-chat", SECRET, max_retries=1, backoff_s=0.01)
    with pytest.raises(AIError, match="could not be reached") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.kind == "retryable"
    assert "ai.base_url" in caught.value.hint and "127.0.0.1" in caught.value.hint
    assert_no_secret(caught.value, client)


def test_dropped_connection_is_retried(sandbox, emu):
    emu.faults.drop_after_write = 1.0
    with pytest.raises(AIError, match="dropped the connection"):
        make_client(sandbox, max_retries=1).complete(TOPIC_MESSAGES, max_tokens=10)
    assert emu.calls == 2
    emu.faults.drop_after_write = 0.0
    assert make_client(sandbox).complete(TOPIC_MESSAGES, max_tokens=50).text


# --- bad replies ---------------------------------------------------------------


def test_empty_completion_is_an_error(sandbox, emu):
    emu.ai_faults["mode"] = "empty"
    client = make_client(sandbox)
    with pytest.raises(AIError, match="empty reply") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=10)
    assert caught.value.hint
    assert client.last_completion is not None and client.last_completion.text == ""
    assert emu.calls == 1


def test_malformed_json_in_json_mode_is_an_error(sandbox, emu):
    emu.ai_faults["mode"] = "malformed_json"
    with pytest.raises(AIError, match="not the JSON object") as caught:
        make_client(sandbox).complete_json(JSON_MESSAGES, max_tokens=300)
    assert caught.value.hint


def test_json_cut_at_max_tokens_says_so(sandbox):
    with pytest.raises(AIError, match="cut off at max_tokens"):
        make_client(sandbox).complete_json(JSON_MESSAGES, max_tokens=5)


def test_the_key_never_reaches_messages_or_logs(sandbox, emu, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(sandbox, key=SECRET, max_retries=1)
    errors = []
    for setup in (
        lambda: None,  # unknown key: 401
        lambda: emu.add_key(SECRET, broke=True),  # 402
        lambda: (emu.set_broke(SECRET, False), emu.faults.update({"error_rate": 1.0})),
        lambda: emu.faults.update(
            {"error_rate": 0.0, "rate_limit_rate": 1.0, "rate_limit_reset_s": 0.01}
        ),
    ):
        setup()
        with pytest.raises(AIError) as caught:
            client.complete(TOPIC_MESSAGES, max_tokens=10)
        errors.append(caught.value)
    assert [e.kind for e in errors] == ["auth", "permanent", "retryable", "retryable"]
    for error in errors:
        assert_no_secret(error, client)
    assert SECRET not in caplog.text
    assert SECRET not in repr(client)
