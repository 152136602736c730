"""Discord and Slack webhook adapters against their emulators."""

from __future__ import annotations

import pytest

from clientnest_cli.domain.outgoing import Credentials, OutgoingPost
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.registry import get_adapter_class
from clientnest_cli.platforms.webhooks import DiscordAdapter, SlackAdapter


def post(text: str, key: str = "key-1", **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=key, **kwargs)


@pytest.fixture
def discord_url(sandbox):
    hook = sandbox.emulator("discord").create_webhook(name="News")
    return sandbox.base_url("discord") + hook["path"]


@pytest.fixture
def slack_url(sandbox):
    hook = sandbox.emulator("slack").create_webhook()
    return sandbox.base_url("slack") + hook["path"]


def make(adapter_cls, url: str):
    account = AccountContext("hook", "", Credentials(extra={"url": url}))
    return adapter_cls(account, make_client(timeout=5))


def assert_secret_free(err: PlatformError | BadInput, url: str) -> None:
    line = err.one_line()
    secret = url.rstrip("/").rsplit("/", 1)[-1]
    assert url not in line and secret not in line and "127.0.0.1" not in line


def test_registered_with_webhook_capabilities():
    for name, cls in (("discord", DiscordAdapter), ("slack", SlackAdapter)):
        assert get_adapter_class(name) is cls
        caps = cls.capabilities
        assert caps.auth == "webhook" and not caps.threads and not caps.metrics


def test_discord_connect_checks_the_webhook(discord_url):
    with make_client(timeout=5) as http:
        connected = DiscordAdapter.connect(ConnectRequest(base_url="", url=discord_url), http)
    assert connected.credentials.extra == {"url": discord_url}
    assert connected.info.handle == "News"


def test_discord_connect_unknown_webhook(sandbox, discord_url):
    bad = sandbox.base_url("discord") + "/api/webhooks/42/secret-token-value"
    with make_client(timeout=5) as http, pytest.raises(BadInput) as err:
        DiscordAdapter.connect(ConnectRequest(base_url="", url=bad), http)
    assert_secret_free(err.value, bad)


@pytest.mark.parametrize(
    "url",
    [
        "http://discord.com/api/webhooks/1/secret-token-value",
        "ftp://127.0.0.1/api/webhooks/1/secret-token-value",
        "http://10.0.0.5/api/webhooks/1/secret-token-value",
    ],
)
def test_discord_connect_refuses_plain_http(url):
    with make_client(timeout=5) as http, pytest.raises(BadInput) as err:
        DiscordAdapter.connect(ConnectRequest(base_url="", url=url), http)
    assert "https://" in err.value.message and err.value.hint
    assert "secret-token-value" not in err.value.one_line()


def test_discord_connect_refuses_a_non_webhook_url():
    with make_client(timeout=5) as http, pytest.raises(BadInput):
        DiscordAdapter.connect(ConnectRequest(base_url="", url="https://discord.com/app"), http)


def test_discord_publish(sandbox, discord_url):
    adapter = make(DiscordAdapter, discord_url)
    ref = adapter.publish(post("Hello Discord"))
    [message] = sandbox.emulator("discord").snapshot()["posts"]
    assert ref.platform_post_id == message["id"] and message["content"] == "Hello Discord"
    assert adapter.account_info().handle == "News"


def test_discord_rate_limit_uses_retry_after(sandbox, discord_url):
    emu = sandbox.emulator("discord")
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 0.5
    with pytest.raises(PlatformError) as err:
        make(DiscordAdapter, discord_url).publish(post("x"))
    assert err.value.kind == "retryable" and err.value.retry_after == 0.5
    assert_secret_free(err.value, discord_url)


def test_discord_server_error_and_drop(sandbox, discord_url):
    emu = sandbox.emulator("discord")
    adapter = make(DiscordAdapter, discord_url)
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("x"))
    assert err.value.kind == "retryable"
    emu.faults.error_rate = 0.0
    emu.faults.drop_after_write = 1.0
    with pytest.raises(PlatformError) as dropped:
        adapter.publish(post("y"))
    assert dropped.value.kind == "unknown"
    assert_secret_free(dropped.value, discord_url)


def test_discord_deleted_webhook_is_auth_without_url(sandbox, discord_url):
    sandbox.emulator("discord").webhooks.clear()
    with pytest.raises(PlatformError) as err:
        make(DiscordAdapter, discord_url).publish(post("x"))
    assert err.value.kind == "auth" and "Discord webhook" in err.value.message
    assert_secret_free(err.value, discord_url)


def test_discord_too_long_is_permanent(discord_url):
    with pytest.raises(PlatformError) as err:
        make(DiscordAdapter, discord_url).publish(post("x" * 2001))
    assert err.value.kind == "permanent" and "2000 or fewer" in err.value.message


def test_discord_find_existing(discord_url):
    adapter = make(DiscordAdapter, discord_url)
    assert adapter.find_existing(post("x")).state == "unknown"
    ref = adapter.publish(post("recorded"))
    assert (
        adapter.find_existing(post("recorded", resume_token=ref.platform_post_id)).state == "found"
    )
    assert adapter.find_existing(post("recorded", resume_token="1")).state == "absent"


def test_discord_validate():
    adapter = make(DiscordAdapter, "https://discord.com/api/webhooks/1/t")
    assert adapter.validate(post("x" * 2000)) == []
    assert adapter.validate(post("x" * 2001))


def test_slack_connect_and_publish(sandbox, slack_url):
    with make_client(timeout=5) as http:
        connected = SlackAdapter.connect(ConnectRequest(base_url="", url=slack_url), http)
    assert connected.credentials.extra == {"url": slack_url}
    assert sandbox.emulator("slack").snapshot()["posts"] == []  # the check posts nothing
    adapter = make(SlackAdapter, slack_url)
    ref = adapter.publish(post("Hello Slack", "k-9"))
    assert ref.platform_post_id == "k-9"
    assert sandbox.emulator("slack").snapshot()["posts"][0]["text"] == "Hello Slack"
    assert adapter.find_existing(post("Hello Slack", "k-9")).state == "unknown"


def test_slack_connect_with_a_revoked_url(sandbox, slack_url):
    bad = slack_url.rsplit("/", 1)[0] + "/not-the-secret"
    with make_client(timeout=5) as http, pytest.raises(BadInput) as err:
        SlackAdapter.connect(ConnectRequest(base_url="", url=bad), http)
    assert_secret_free(err.value, bad)


def test_slack_errors(sandbox, slack_url):
    emu = sandbox.emulator("slack")
    adapter = make(SlackAdapter, slack_url)
    with pytest.raises(PlatformError) as empty:
        adapter.publish(post(""))
    assert empty.value.kind == "permanent" and "no_text" in empty.value.message
    emu.faults.rate_limit_rate = 1.0
    with pytest.raises(PlatformError) as limited:
        adapter.publish(post("x"))
    assert limited.value.kind == "retryable" and limited.value.retry_after == 1.0
    emu.faults.rate_limit_rate = 0.0
    emu.hooks.clear()
    with pytest.raises(PlatformError) as gone:
        adapter.publish(post("x"))
    assert gone.value.kind == "auth" and "no_service" in gone.value.message
    for err in (empty.value, limited.value, gone.value):
        assert_secret_free(err, slack_url)


def test_slack_refuses_plain_http():
    url = "http://hooks.slack.com/services/T1/B1/secretsecret"
    with make_client(timeout=5) as http, pytest.raises(BadInput) as err:
        SlackAdapter.connect(ConnectRequest(base_url="", url=url), http)
    assert "secretsecret" not in err.value.one_line()
