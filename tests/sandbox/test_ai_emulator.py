"""The AI emulator over raw HTTP: shapes, validation, determinism, faults."""

from __future__ import annotations

import json

import httpx
import pytest

from clientnest_cli.sandbox.framework import SandboxServer

KEY = "sk-sandbox"
MESSAGES = [
    {"role": "system", "content": "Each post at most 120 characters."},
    {"role": "user", "content": "Write about this.\n<topic>\nurban beekeeping\n</topic>"},
]
JSON_MESSAGES = [
    {
        "role": "system",
        "content": 'Reply in JSON like {"posts": [{"day": 1, "text": "t"}], "note": "n"}',
    },
    {"role": "user", "content": "Plan exactly 4 posts. <topic>sourdough bread</topic>"},
]


@pytest.fixture
def emu(sandbox: SandboxServer):
    return sandbox.emulator("ai")


@pytest.fixture
def api(sandbox: SandboxServer):
    with httpx.Client(base_url=sandbox.base_url("ai") + "/v1", timeout=5) as client:
        yield client


def chat(api: httpx.Client, key: str | None = KEY, **body) -> httpx.Response:
    payload = {"model": "deepseek-chat", "messages": MESSAGES} | body
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return api.post("/chat/completions", json=payload, headers=headers)


def sse_chunks(response: httpx.Response) -> tuple[list[dict], list[str]]:
    """(parsed chunks, raw data lines) of an event stream."""
    data = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    return [json.loads(d) for d in data if d != "[DONE]"], data


# --- completions -------------------------------------------------------------


def test_completion_has_openai_shape_and_usage(api):
    body = chat(api, max_tokens=200).json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "deepseek-chat"
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert "urban beekeeping" in choice["message"]["content"]
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] > 10 and usage["completion_tokens"] > 5


def test_prompt_tokens_grow_with_the_prompt(api):
    short = chat(api).json()["usage"]["prompt_tokens"]
    longer = [*MESSAGES, {"role": "user", "content": "more words here " * 50}]
    assert chat(api, messages=longer).json()["usage"]["prompt_tokens"] > short + 100


def test_replies_are_deterministic_per_prompt(api):
    first = chat(api).json()["choices"][0]["message"]["content"]
    assert chat(api).json()["choices"][0]["message"]["content"] == first
    other = [MESSAGES[0], {"role": "user", "content": "<topic>glass blowing</topic>"}]
    assert "glass blowing" in chat(api, messages=other).json()["choices"][0]["message"]["content"]


def test_the_stated_character_limit_is_kept(api):
    messages = [{"role": "user", "content": "at most 30 characters <topic>kites</topic>"}]
    text = chat(api, messages=messages).json()["choices"][0]["message"]["content"]
    assert 0 < len(text) <= 30


def test_max_tokens_cuts_with_finish_reason_length(api):
    body = chat(api, max_tokens=4).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 4


def test_json_mode_follows_the_example_shape_and_counts(api):
    body = chat(api, messages=JSON_MESSAGES, response_format={"type": "json_object"}).json()
    data = json.loads(body["choices"][0]["message"]["content"])
    assert set(data) == {"posts", "note"}
    assert [p["day"] for p in data["posts"]] == [1, 2, 3, 4]
    assert all("sourdough bread" in p["text"] for p in data["posts"])


def test_base_url_without_v1_also_answers(sandbox):
    response = httpx.post(
        sandbox.base_url("ai") + "/chat/completions",
        json={"model": "gpt-4o-mini", "messages": MESSAGES},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 200


def test_models_lists_the_served_models(api):
    response = api.get("/models", headers={"Authorization": f"Bearer {KEY}"})
    ids = [m["id"] for m in response.json()["data"]]
    assert response.json()["object"] == "list"
    assert "deepseek-chat" in ids and "gpt-4o-mini" in ids
    assert api.get("/models").status_code == 401


# --- streaming -------------------------------------------------------------------


def test_stream_sends_chunks_then_done(api):
    whole = chat(api, max_tokens=200).json()["choices"][0]["message"]["content"]
    response = chat(api, max_tokens=200, stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks, data = sse_chunks(response)
    assert data[-1] == "[DONE]"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == whole
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert not any("usage" in c for c in chunks)


def test_stream_usage_chunk_only_when_asked(api):
    response = chat(api, stream=True, stream_options={"include_usage": True})
    chunks, _ = sse_chunks(response)
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])  # as OpenAI documents it


# --- refusals ----------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "sk-wrong-key-123456"])
def test_bad_or_missing_key_gets_401_with_openai_body(api, key):
    response = chat(api, key=key)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "authentication_error"
    assert error["code"] == "invalid_api_key"
    assert error["message"]


def test_registered_keys_work_and_broke_keys_get_402(api, emu):
    keys = emu.add_key("sk-new-key-000111")
    assert "sk-new-key-000111" in keys and "sk-sandbox" in keys
    assert chat(api, key="sk-new-key-000111").status_code == 200
    emu.set_broke("sk-new-key-000111")
    response = chat(api, key="sk-new-key-000111")
    assert response.status_code == 402
    assert "Insufficient Balance" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0]"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"max_tokens": "ten"}, "max_tokens"),
        ({"temperature": 3}, "temperature"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),
        ({"response_format": {"type": "yaml"}}, "response_format"),
        ({"response_format": {"type": "json_object"}}, "messages"),  # no word "json"
        ({"model": ""}, "model"),
    ],
)
def test_invalid_requests_get_400_naming_the_param(api, body, param):
    response = chat(api, **body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param


def test_unknown_model_is_404(api):
    response = chat(api, model="gpt-99")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


def test_non_json_bodies_are_refused(api):
    headers = {"Authorization": f"Bearer {KEY}"}
    not_json = api.post(
        "/chat/completions",
        content=b"{nope",
        headers=headers | {"content-type": "application/json"},
    )
    assert not_json.status_code == 400
    form = api.post("/chat/completions", data={"model": "deepseek-chat"}, headers=headers)
    assert form.status_code == 400


def test_context_length_is_enforced(api):
    huge = [{"role": "user", "content": "word " * 70_000}]
    response = chat(api, messages=huge)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "context_length_exceeded"


# --- faults ------------------------------------------------------------------------


def test_error_rate_gives_5xx_with_server_error_body(api, emu):
    emu.faults.error_rate = 1.0
    response = chat(api)
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "server_error"


def test_rate_limit_gives_429_with_retry_after(api, emu):
    emu.faults.update({"rate_limit_rate": 1.0, "rate_limit_reset_s": 2.5})
    response = chat(api)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.headers["retry-after-ms"] == "2500"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


def test_latency_delays_the_answer(sandbox, emu):
    emu.faults.latency_s = 0.3
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            sandbox.base_url("ai") + "/v1/chat/completions",
            json={"model": "deepseek-chat", "messages": MESSAGES},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=0.05,
        )


def test_drop_after_write_bills_the_call_then_cuts_the_connection(api, emu):
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        chat(api)
    assert len(emu.snapshot()["requests"]) == 1


def test_fail_next_fails_exactly_that_many_calls(api, emu):
    emu.ai_faults.update(fail_next=2, fail_status=502)
    assert [chat(api).status_code for _ in range(3)] == [502, 502, 200]
    assert emu.calls == 3


def test_empty_mode_returns_an_empty_reply(api, emu):
    emu.ai_faults["mode"] = "empty"
    body = chat(api).json()
    assert body["choices"][0]["message"]["content"] == ""
    assert body["usage"]["completion_tokens"] == 0


def test_malformed_json_mode_breaks_the_json(api, emu):
    emu.ai_faults["mode"] = "malformed_json"
    body = chat(api, messages=JSON_MESSAGES, response_format={"type": "json_object"}).json()
    with pytest.raises(ValueError):
        json.loads(body["choices"][0]["message"]["content"])


def test_too_long_mode_overshoots_the_stated_limit(api, emu):
    emu.ai_faults["mode"] = "too_long"
    text = chat(api, max_tokens=2000).json()["choices"][0]["message"]["content"]
    assert len(text) > 120
    body = chat(api, messages=JSON_MESSAGES, response_format={"type": "json_object"}).json()
    assert json.loads(body["choices"][0]["message"]["content"])["posts"]


# --- state and identity ------------------------------------------------------------


def test_snapshot_counts_calls_and_tokens_and_reset_clears(sandbox, api, emu):
    chat(api)
    chat(api, key="sk-unknown-999999")
    state = httpx.get(f"{sandbox.url}/_sandbox/ai/state").json()
    assert state["calls"] == 2
    assert len(state["requests"]) == 1
    assert state["prompt_tokens"] == state["requests"][0]["prompt_tokens"]
    assert "sk-sandbox" not in json.dumps(state)
    emu.add_key("sk-temp-key-12345")
    emu.reset()
    assert emu.calls == 0 and emu.keys == {"sk-sandbox"}


def test_it_says_it_is_a_test_double(emu):
    assert "test double" in emu.title
