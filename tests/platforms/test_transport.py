"""No credential leaves over plain http or to a foreign host: one test per credential source.

Each case records what reached the network (``httpx.HTTPTransport``) and checks
that the refused request never did, and that the error names the URL's host.
"""

from __future__ import annotations

import hashlib
import logging
import webbrowser
from pathlib import Path
from typing import Any

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost
from clientnest_cli.domain.transport import credential_refusal
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.linkedin import LinkedInAdapter
from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok

FOREIGN = "192.0.2.2"  # TEST-NET-1: nothing there; a request would only hang


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Every request that reached the network layer."""
    sent: list[httpx.Request] = []
    original = httpx.HTTPTransport.handle_request

    def recording(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.host == FOREIGN:
            raise httpx.ConnectError("test: the foreign host was contacted")
        return original(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", recording)
    return sent


def hosts(sent: list[httpx.Request]) -> set[str]:
    return {r.url.host for r in sent}


# --- the rule itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed", "refused_because"),
    [
        ("https://api.linkedin.com/rest/posts", None, None),
        ("http://127.0.0.1:8765/x", None, None),
        ("http://localhost/x", None, None),
        ("http://[::1]:9/x", None, None),
        (f"http://{FOREIGN}:9712/v1", None, f"{FOREIGN} over plain http"),
        ("ftp://files.example/x", None, "files.example over plain ftp"),
        ("https://evil.example/up", {"api.linkedin.com"}, "evil.example: not a host"),
        ("https://a.bsky.network/xrpc", {".bsky.network"}, None),
        ("http://localhost:9/up", {"127.0.0.1"}, "localhost: not a host"),
    ],
)
def test_the_rule(url: str, allowed: set[str] | None, refused_because: str | None) -> None:
    refusal = credential_refusal(url, allowed)
    if refused_because is None:
        assert refusal is None
    else:
        assert refusal is not None and refused_because in refusal


def test_any_client_refuses_a_bearer_token_over_plain_http(wire: list[httpx.Request]) -> None:
    with make_client(timeout=2) as http, pytest.raises(PlatformError) as refused:
        http.get(f"http://{FOREIGN}/me", headers={"Authorization": "Bearer SECRET"})
    assert FOREIGN in refused.value.message and "SECRET" not in refused.value.one_line()
    with make_client(timeout=2) as http, pytest.raises(PlatformError):
        http.post(f"http://{FOREIGN}/token", data={"client_secret": "s", "code": "c"})
    assert wire == []


# --- LinkedIn's image uploadUrl ---------------------------------------------------------------


def _image(tmp_path: Path) -> MediaItem:
    data = b"\x89PNG\r\n" + b"0" * 200
    path = tmp_path / "pic.png"
    path.write_bytes(data)
    return MediaItem(path, "image/png", len(data), hashlib.sha256(data).hexdigest(), "A chart")


@pytest.mark.parametrize("upload_base", ["localhost", FOREIGN])
def test_linkedin_upload_url_on_another_host_gets_no_token(
    sandbox: SandboxServer, wire: list[httpx.Request], tmp_path: Path, upload_base: str
) -> None:
    emu: Any = sandbox.emulator("linkedin")
    member = emu.seed_account("ann", "Ann Lee")
    emu.upload_base = f"http://{upload_base}:{sandbox.port}/linkedin"
    account = AccountContext(
        handle="ann",
        base_url=sandbox.base_url("linkedin"),
        credentials=Credentials(
            access_token=member["access_token"], extra={"author_urn": member["author_urn"]}
        ),
        platform_user_id=member["user_id"],
    )
    adapter = LinkedInAdapter(account, make_client(timeout=5))
    try:
        with pytest.raises(PlatformError) as refused:
            adapter.publish(
                OutgoingPost(text="chart", idempotency_key="k1", media=(_image(tmp_path),))
            )
    finally:
        adapter.close()
    assert upload_base in refused.value.message and refused.value.kind == "permanent"
    assert upload_base not in hosts(wire)  # the PUT with the bearer token never left
    assert emu.snapshot()["posts"] == []
    assert all(i["status"] == "WAITING_UPLOAD" for i in emu.snapshot()["images"])


# --- platforms.*.auth_base_url: the OAuth code and client secret -----------------------------


def test_linkedin_code_exchange_over_plain_http_is_refused(
    home: Path,
    sandbox: SandboxServer,
    wire: list[httpx.Request],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init_store()
    sandbox.emulator("linkedin").seed_account("ann", "Ann Lee")
    base = sandbox.base_url("linkedin")
    monkeypatch.setenv("CLIENTNEST_PLATFORMS__LINKEDIN__AUTH_BASE_URL", f"http://{FOREIGN}:9")
    monkeypatch.setenv("CLIENTNEST_LINKEDIN_CLIENT_SECRET", "APP-SECRET-123")

    def browser(url: str, *args: object, **kwargs: object) -> bool:
        """The user's browser reaches the consent page (say, through a hostile network)."""
        consent = httpx.get(url.replace(f"http://{FOREIGN}:9", base), follow_redirects=False)
        httpx.get(consent.headers["location"])
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    run = cli("accounts", "connect", "linkedin", "--server", base, "--timeout", "10")
    assert run.exit_code == 1, run.stderr
    assert f"{FOREIGN} over plain http" in run.stderr and "APP-SECRET-123" not in run.stderr
    assert FOREIGN not in hosts(wire)
    assert ok("accounts", "list", "--json").json() == []


# --- the AI base URL ----------------------------------------------------------------------------


def test_ai_key_never_goes_over_plain_http(
    home: Path, wire: list[httpx.Request], monkeypatch: pytest.MonkeyPatch
) -> None:
    init_store()
    monkeypatch.setenv("CLIENTNEST_AI__BASE_URL", f"http://{FOREIGN}:9712/v1")
    monkeypatch.setenv("CLIENTNEST_AI_API_KEY", "sk-secret-0123456789")
    run = cli("ai", "hashtags", "tea")
    assert run.exit_code != 0
    assert f"{FOREIGN} over plain http" in run.stderr and "0123456789" not in run.stderr
    assert wire == []


def test_ai_client_refuses_even_with_its_own_http_client(wire: list[httpx.Request]) -> None:
    from clientnest_cli.ai.client import ChatClient
    from clientnest_cli.errors import AIError

    with httpx.Client() as http:
        client = ChatClient(f"http://{FOREIGN}/v1", "m", "sk-secret", http=http, max_retries=0)
        with pytest.raises(AIError) as refused:
            client.complete([{"role": "user", "content": "hi"}], max_tokens=5)
    assert FOREIGN in refused.value.message
    assert wire == []


# --- the notification webhook -------------------------------------------------------------------


def test_notification_webhook_over_plain_http_is_not_sent(
    home: Path,
    sandbox: SandboxServer,
    wire: list[httpx.Request],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.notify import notify

    init_store()
    monkeypatch.setenv("CLIENTNEST_NOTIFICATIONS__DESKTOP", "false")
    monkeypatch.setenv(
        "CLIENTNEST_NOTIFICATIONS__WEBHOOK_URL", f"http://{FOREIGN}/services/T1/B1/SECRET"
    )
    ctx = AppContext()
    try:
        with caplog.at_level(logging.WARNING, logger="clientnest.notify"):
            notify(ctx, "title", "message")
    finally:
        ctx.close()
    assert wire == []
    assert FOREIGN in caplog.text and "SECRET" not in caplog.text

    slack: Any = sandbox.emulator("slack")
    hook = slack.create_webhook()
    monkeypatch.setenv(
        "CLIENTNEST_NOTIFICATIONS__WEBHOOK_URL", sandbox.base_url("slack") + hook["path"]
    )
    ctx = AppContext()
    try:
        notify(ctx, "title", "message")  # loopback http (the sandbox) is allowed
    finally:
        ctx.close()
    assert [r.url.host for r in wire] == ["127.0.0.1"]
