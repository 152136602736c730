"""Connecting accounts through the CLI against the sandbox, playing the browser."""

from __future__ import annotations

import sqlite3
import webbrowser
from contextlib import closing
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import FakeBrowser, cli, init_store, ok


@pytest.fixture
def owner(home: Path) -> Path:
    init_store()
    return home


def connect_x(sandbox: SandboxServer, *extra: str) -> dict:
    return ok("accounts", "connect", "x", *oauth_args(sandbox, "x"), "--json", *extra).json()


def oauth_args(sandbox: SandboxServer, platform: str) -> list[str]:
    return ["--server", sandbox.base_url(platform), "--timeout", "10"]


def test_connect_x_with_pkce_loopback_flow(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    account = connect_x(sandbox)
    assert account["platform"] == "x" and account["status"] == "active"
    assert (
        "code_challenge=" in browser.visited[0]
        and "redirect_uri=http%3A%2F%2F127.0.0.1" in browser.visited[0]
    )
    listed = ok("accounts", "list", "--json").json()
    assert [a["ref"] for a in listed] == [account["ref"]]
    assert ok("audit", "list", "--json").json()[0]["action"] == "account.connect"


def test_connecting_the_same_account_twice_updates_it(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    first = connect_x(sandbox)
    second = connect_x(sandbox)
    assert first["id"] == second["id"]
    assert len(ok("accounts", "list", "--json").json()) == 1
    assert ok("audit", "list", "--json").json()[0]["action"] == "account.reconnect"


def test_consent_denied_is_a_clear_refusal(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    sandbox.emulator("x").faults.consent = "deny"
    run = cli("accounts", "connect", "x", *oauth_args(sandbox, "x"))
    assert run.exit_code == 2 and "declined access" in run.stderr
    assert ok("accounts", "list", "--json").json() == []


def test_wrong_state_is_refused(
    owner: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webbrowser, "open", FakeBrowser(tamper_state=True))
    run = cli("accounts", "connect", "x", *oauth_args(sandbox, "x"))
    assert run.exit_code == 2 and "wrong state" in run.stderr
    assert ok("accounts", "list", "--json").json() == []


def test_callback_that_never_arrives_times_out(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    sandbox.emulator("x").faults.consent = "never"
    run = cli("accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "1")
    assert run.exit_code == 1 and "no answer from the browser within 1 s" in run.stderr
    assert ok("accounts", "list", "--json").json() == []


def test_no_browser_prints_the_url(
    owner: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    sandbox.emulator("x").faults.consent = "never"
    run = cli(
        "accounts",
        "connect",
        "x",
        "--server",
        sandbox.base_url("x"),
        "--no-browser",
        "--timeout",
        "0.5",
    )
    assert opened == []
    assert "/i/oauth2/authorize?" in run.stderr


def test_connect_bluesky_with_app_password_from_stdin(owner: Path, sandbox: SandboxServer) -> None:
    seeded = sandbox.emulator("bluesky").seed_account("alice.bsky.sandbox")
    base = sandbox.base_url("bluesky")
    account = ok(
        "accounts",
        "connect",
        "bluesky",
        "--server",
        base,
        "--handle",
        "alice.bsky.sandbox",
        "--app-password",
        "--json",
        input=seeded["app_password"] + "\n",
    ).json()
    assert account["ref"] == "bluesky:alice.bsky.sandbox" and account["server"] == base


def test_wrong_app_password(owner: Path, sandbox: SandboxServer) -> None:
    sandbox.emulator("bluesky").seed_account("alice.bsky.sandbox")
    run = cli(
        "accounts",
        "connect",
        "bluesky",
        "--server",
        sandbox.base_url("bluesky"),
        "--handle",
        "alice.bsky.sandbox",
        "--app-password",
        input="wrong-pass-word\n",
    )
    assert run.exit_code == 1 and "rejected the handle or app password" in run.stderr
    assert ok("accounts", "list", "--json").json() == []


def test_connect_mastodon_registers_an_app_on_the_instance(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    sandbox.emulator("mastodon").login_as("alice")
    account = ok(
        "accounts", "connect", "mastodon", *oauth_args(sandbox, "mastodon"), "--json"
    ).json()
    assert account["ref"] == "mastodon:alice"
    assert sandbox.emulator("mastodon").apps  # the per-instance app registration happened


def test_webhooks_take_the_url_from_stdin_and_refuse_plain_http(
    owner: Path, sandbox: SandboxServer
) -> None:
    hook = sandbox.emulator("discord").create_webhook()
    url = sandbox.base_url("discord") + hook["path"]
    account = ok("accounts", "connect", "discord", "--json", input=url + "\n").json()
    assert account["platform"] == "discord"
    run = cli("accounts", "connect", "slack", input="http://hooks.example.com/services/T/B/X\n")
    assert run.exit_code == 2 and "https" in run.stderr
    assert "services/T/B/X" not in run.stderr  # the URL is the secret


def test_feed_needs_an_existing_folder(owner: Path, tmp_path: Path) -> None:
    run = cli("accounts", "connect", "feed", "--path", str(tmp_path / "nope" / "feed.xml"))
    assert run.exit_code == 2 and "does not exist" in run.stderr
    account = ok(
        "accounts", "connect", "feed", "--path", str(tmp_path / "feed.xml"), "--json"
    ).json()
    assert account["platform"] == "feed" and (tmp_path / "feed.xml").exists()


def test_unknown_platform(owner: Path) -> None:
    run = cli("accounts", "connect", "myspace")
    assert run.exit_code == 2 and "unknown platform 'myspace'" in run.stderr


def test_account_limit_of_the_tier_is_enforced(
    owner: Path, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTNEST_TIERS__FREE__ACCOUNTS", "1")
    monkeypatch.setenv("CLIENTNEST_TIERS__FREE__AI_TOKENS_PER_MONTH", "1000")
    monkeypatch.setenv("CLIENTNEST_TIERS__FREE__SCHEDULED_POSTS", "10")
    ok("accounts", "connect", "feed", "--path", str(tmp_path / "a.xml"))
    run = cli("accounts", "connect", "feed", "--path", str(tmp_path / "b.json"))
    assert run.exit_code == 2 and "allows 1 connected accounts" in run.stderr
    assert len(ok("accounts", "list", "--json").json()) == 1


def test_refresh_sync_disconnect_and_set_client(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    account = connect_x(sandbox)
    ref = account["ref"]
    refreshed = ok("accounts", "refresh", ref, "--json").json()
    assert refreshed["token_expires_at"] is not None
    synced = ok("accounts", "sync", "--json").json()
    assert synced[0]["outcome"] == "ok"
    ok("clients", "add", "Acme")
    ok("accounts", "set-client", ref, "Acme")
    assert ok("accounts", "list", "--client", "Acme", "--json").json()[0]["ref"] == ref
    ok("accounts", "disconnect", ref)
    assert ok("accounts", "show", ref, "--json").json()["status"] == "disabled"
    run = cli("accounts", "sync", ref)
    assert (
        run.exit_code == 1
        and "reconnect with `clientnest accounts connect x`" in run.stdout + run.stderr
    )


def test_expired_token_is_refreshed_once_and_a_dead_one_marks_needs_reauth(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    ref = connect_x(sandbox)["ref"]
    emulator = sandbox.emulator("x")
    emulator.tokens.expire_all()
    assert ok("accounts", "sync", ref, "--json").json()[0]["outcome"] == "ok"  # refreshed, retried
    emulator.tokens.expire_all()
    emulator.tokens.refresh.clear()  # the refresh token is revoked too
    run = cli("accounts", "sync", ref, "--json")
    assert run.exit_code == 1
    shown = ok("accounts", "show", ref, "--json").json()
    assert shown["status"] == "needs_reauth"
    again = cli("accounts", "sync", ref, "--json")
    assert "reconnect with `clientnest accounts connect x`" in again.stdout


@pytest.mark.parametrize("tokens", ["keyring", "store"])
def test_no_token_leaks_into_store_logs_json_or_exports(
    owner: Path,
    sandbox: SandboxServer,
    browser: FakeBrowser,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tokens: str,
) -> None:
    """Issue 3's leak test, for both token backends: with `tokens = "store"` the
    store holds the tokens, sealed, and not one of them in plain text."""
    monkeypatch.setenv("CLIENTNEST_SECRETS__TOKENS", tokens)
    seeded = sandbox.emulator("bluesky").seed_account("alice.bsky.sandbox")
    outputs = [
        ok("accounts", "connect", "x", *oauth_args(sandbox, "x"), "--json").stdout,
        ok(
            "accounts",
            "connect",
            "bluesky",
            "--server",
            sandbox.base_url("bluesky"),
            "--handle",
            "alice.bsky.sandbox",
            "--app-password",
            "--json",
            input=seeded["app_password"] + "\n",
        ).stdout,
    ]
    x_ref = "x:" + ok("accounts", "list", "--json").json()[-1]["handle"]
    for ref in (x_ref, "bluesky:alice.bsky.sandbox"):
        outputs.append(ok("accounts", "refresh", ref, "--json").stdout)
    outputs.append(ok("accounts", "sync", "--json").stdout)
    post = ok("post", "create", "Leak check", "--to", x_ref, "--json").json()[0]
    outputs.append(ok("publish", "now", str(post["id"])).stdout)
    outputs += [ok("accounts", "list", "--json").stdout, ok("audit", "list", "--json").stdout]
    outputs.append(ok("config", "show", "--json").stdout)
    outputs.append(ok("secrets", "status", "--json").stdout)
    outputs.append(cli("doctor", "--json").stdout)
    outputs += [ok("post", "export", "--format", f).stdout for f in ("json", "csv")]
    ok("post", "export", "--format", "md", "--output", str(tmp_path / "md"))
    outputs += [p.read_text() for p in (tmp_path / "md").rglob("*") if p.is_file()]
    secrets = {seeded["app_password"]}
    for name in ("x", "bluesky"):
        issued = sandbox.emulator(name).tokens
        secrets |= set(issued.access) | set(issued.refresh)
    secrets |= set(getattr(sandbox.emulator("bluesky"), "revoked", set()) or set())
    assert len(secrets) >= 5
    db_file = owner / "data" / "clientnest.db"
    with closing(sqlite3.connect(db_file)) as conn:
        sealed = conn.execute("SELECT count(*) FROM storedsecret").fetchone()[0]
    assert sealed == (2 if tokens == "store" else 0)  # X's and Bluesky's credentials
    haystack = [db_file.read_bytes().decode("latin-1")]
    haystack += [p.read_text(errors="replace") for p in owner.rglob("*.log")]
    haystack += [p.read_bytes().decode("latin-1") for p in owner.rglob("*-wal")]
    haystack += outputs
    leaks = [s[:8] for s in secrets for text in haystack if s in text]
    assert leaks == []


def test_linkedin_expiry_is_shown_as_reconnect_before(
    owner: Path, sandbox: SandboxServer, browser: FakeBrowser
) -> None:
    from datetime import UTC, datetime, timedelta

    account = ok(
        "accounts", "connect", "linkedin", *oauth_args(sandbox, "linkedin"), "--json"
    ).json()
    expected = (datetime.now(UTC) + timedelta(days=60)).date()
    shown = datetime.fromisoformat(account["reconnect_before"]).date()
    assert abs((shown - expected).days) <= 1
    assert f"reconnect before {account['reconnect_before']}" in ok("accounts", "list").stdout
