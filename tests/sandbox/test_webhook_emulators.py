"""Discord and Slack webhook emulators follow PLATFORMS.md § Simple targets."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def discord(sandbox):
    emu = sandbox.emulator("discord")
    with httpx.Client(base_url=sandbox.base_url("discord"), timeout=5) as client:
        yield emu, client


@pytest.fixture
def slack(sandbox):
    emu = sandbox.emulator("slack")
    with httpx.Client(base_url=sandbox.base_url("slack"), timeout=5) as client:
        yield emu, client


def test_discord_execute_with_wait_returns_message(discord):
    emu, client = discord
    hook = emu.create_webhook()
    resp = client.post(hook["path"], params={"wait": "true"}, json={"content": "Hello"})
    assert resp.status_code == 200
    message = resp.json()
    assert {"id", "channel_id", "content", "timestamp"} <= set(message)
    assert resp.headers["x-ratelimit-limit"] == "5"
    fetched = client.get(f"{hook['path']}/messages/{message['id']}")
    assert fetched.json()["content"] == "Hello"


def test_discord_execute_without_wait_is_204(discord):
    emu, client = discord
    hook = emu.create_webhook()
    resp = client.post(hook["path"], json={"content": "quiet"})
    assert resp.status_code == 204 and resp.content == b""
    assert [m["content"] for m in emu.snapshot()["posts"]] == ["quiet"]


def test_discord_validation_errors(discord):
    emu, client = discord
    hook = emu.create_webhook()
    too_long = client.post(hook["path"], params={"wait": "true"}, json={"content": "x" * 2001})
    assert too_long.status_code == 400
    assert too_long.json()["code"] == 50035 and "content" in too_long.json()["errors"]
    assert client.post(hook["path"], json={"content": "x" * 2000}).status_code == 204
    empty = client.post(hook["path"], json={"content": "  "})
    assert empty.json() == {"message": "Cannot send an empty message", "code": 50006}
    bad_json = client.post(hook["path"], content=b"{", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400


def test_discord_unknown_webhook_and_bad_token(discord):
    emu, client = discord
    hook = emu.create_webhook()
    unknown = client.post("/api/webhooks/123/abc", json={"content": "x"})
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Unknown Webhook", "code": 10015}
    wrong = client.post(f"/api/webhooks/{hook['id']}/wrong", json={"content": "x"})
    assert wrong.status_code == 401 and wrong.json()["code"] == 50027
    missing = client.get(f"{hook['path']}/messages/1")
    assert missing.json()["code"] == 10008


def test_discord_bucket_rate_limit(discord):
    emu, client = discord
    hook = emu.create_webhook()
    statuses = [client.post(hook["path"], json={"content": f"m{i}"}).status_code for i in range(6)]
    assert statuses == [204] * 5 + [429]
    assert len(emu.snapshot()["posts"]) == 5


def test_discord_rate_limit_fault(discord):
    emu, client = discord
    hook = emu.create_webhook()
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 0.5
    resp = client.post(hook["path"], json={"content": "x"})
    assert resp.status_code == 429
    assert resp.json() == {
        "message": "You are being rate limited.",
        "retry_after": 0.5,
        "global": False,
    }
    assert resp.headers["retry-after"] == "1"


def test_discord_get_webhook_and_faults(discord):
    emu, client = discord
    hook = emu.create_webhook(name="Announcements")
    assert client.get(hook["path"]).json()["name"] == "Announcements"
    emu.faults.error_rate = 1.0
    assert client.post(hook["path"], json={"content": "x"}).status_code == 503
    emu.faults.error_rate = 0.0
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.HTTPError):
        client.post(hook["path"], params={"wait": "true"}, json={"content": "dropped"})
    assert [m["content"] for m in emu.snapshot()["posts"]] == ["dropped"]


def test_slack_ok_is_plain_text(slack):
    emu, client = slack
    hook = emu.create_webhook()
    resp = client.post(hook["path"], json={"text": "Hello Slack"})
    assert resp.status_code == 200 and resp.text == "ok"
    assert resp.headers["content-type"].startswith("text/plain")
    assert emu.snapshot()["posts"][0]["text"] == "Hello Slack"


def test_slack_errors_are_plain_text_codes(slack):
    emu, client = slack
    hook = emu.create_webhook()
    bad = client.post(hook["path"], content=b"{nope", headers={"content-type": "application/json"})
    assert (bad.status_code, bad.text) == (400, "invalid_payload")
    assert client.post(hook["path"], json={}).text == "no_text"
    unknown = client.post("/services/T1/B1/x", json={"text": "x"})
    assert (unknown.status_code, unknown.text) == (404, "no_service")
    wrong = client.post(f"/services/{hook['team']}/{hook['bot']}/wrong", json={"text": "x"})
    assert (wrong.status_code, wrong.text) == (403, "invalid_token")
    assert emu.snapshot()["posts"] == []


def test_slack_form_payload_and_faults(slack):
    emu, client = slack
    hook = emu.create_webhook()
    assert client.post(hook["path"], data={"payload": '{"text": "form"}'}).text == "ok"
    emu.faults.rate_limit_rate = 1.0
    limited = client.post(hook["path"], json={"text": "x"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    emu.faults.rate_limit_rate = 0.0
    emu.faults.error_rate = 1.0
    assert client.post(hook["path"], json={"text": "x"}).status_code == 503
    assert len(emu.snapshot()["posts"]) == 1
