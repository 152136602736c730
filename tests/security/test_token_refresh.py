"""A token refresh claims the account briefly and holds no transaction across the HTTP call."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from clientnest_cli.platforms.x import XAdapter
from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import FakeBrowser, init_store, ok
from tests.security.store_hosts import count_refreshes


@pytest.fixture
def x_account(
    home: Path,
    database_url: str,
    sandbox: SandboxServer,
    browser: FakeBrowser,
    monkeypatch: pytest.MonkeyPatch,
) -> int:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    x = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()
    return int(x["id"])


def _claim_seen_from_another_connection(account_id: int) -> str:
    """Write, then read the claim, in a unit of work of its own (a second connection)."""
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import AuditEvent, SocialAccount

    ctx = AppContext()
    try:
        with ctx.store.session() as session:  # SQLite: BEGIN IMMEDIATE, the write lock
            session.add(AuditEvent(actor="test", action="written.during.refresh"))
            row = session.get(SocialAccount, account_id)
            assert row is not None
            return row.refresh_claimed_by
    finally:
        ctx.close()


def test_no_transaction_is_open_during_the_platform_call(
    x_account: int, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = XAdapter.refresh_token

    def refresh_token(self: XAdapter):  # type: ignore[no-untyped-def]
        seen.append(_claim_seen_from_another_connection(x_account))
        return real(self)

    monkeypatch.setattr(XAdapter, "refresh_token", refresh_token)
    ok("accounts", "refresh", f"x:{ok('accounts', 'list', '--json').json()[0]['handle']}")
    assert len(seen) == 1 and seen[0] != ""  # the claim was committed before the call
    assert _claim_seen_from_another_connection(x_account) == ""  # and released after
    actions = [e["action"] for e in ok("audit", "list", "--json").json()]
    assert "written.during.refresh" in actions and "account.token_refresh" in actions


def test_a_second_refresher_waits_for_the_claim_and_adopts_the_new_token(
    x_account: int, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientnest_cli.services import tokens
    from clientnest_cli.services.accounts import adapter_for
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.tokens import refresh_now
    from clientnest_cli.store.models import SocialAccount

    refreshes = count_refreshes(sandbox, monkeypatch)
    in_call, release, waiting = threading.Event(), threading.Event(), threading.Event()

    class PollingClock:  # tokens.py polls a claim held elsewhere with time.sleep
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            waiting.set()
            time.sleep(seconds)

    monkeypatch.setattr(tokens, "time", PollingClock)
    real = XAdapter.refresh_token

    def refresh_token(self: XAdapter):  # type: ignore[no-untyped-def]
        in_call.set()
        assert release.wait(60)
        return real(self)

    monkeypatch.setattr(XAdapter, "refresh_token", refresh_token)
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        ctx = AppContext()
        try:
            with ctx.store.session() as session:
                account = session.get(SocialAccount, x_account)
            assert account is not None
            adapter = adapter_for(ctx, account)
            stale = adapter.account.credentials.access_token
            if name == "second":
                assert in_call.wait(60)
            adapter = refresh_now(ctx, account, name, adapter, used_token=stale)
            results[name] = adapter.account.credentials.access_token
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            ctx.close()

    first = threading.Thread(target=run, args=("first",))
    second = threading.Thread(target=run, args=("second",))
    first.start()
    second.start()
    assert in_call.wait(60)
    assert waiting.wait(60)  # the second found the claim and waits, holding no lock
    release.set()
    first.join(90)
    second.join(90)
    assert errors == []
    assert refreshes.used == 1 and refreshes.refused == []
    assert results["first"] == results["second"]  # the second adopted the first's token


def test_an_adopted_token_that_is_refused_too_is_refreshed_once_more(
    x_account: int, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached adapter holds T1; another process rotated to T2, which expired too."""
    from clientnest_cli.services.accounts import adapter_for
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.tokens import with_fresh_token
    from clientnest_cli.store.models import SocialAccount

    refreshes = count_refreshes(sandbox, monkeypatch)
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            account = session.get(SocialAccount, x_account)
        assert account is not None
        cached = adapter_for(ctx, account)
        ok("accounts", "refresh", f"x:{account.handle}")  # another process: T1 → T2
        emulator = sandbox.emulator("x")
        with emulator.lock:
            emulator.tokens.expire_all()
        info = with_fresh_token(ctx, account, lambda a: a.account_info(), "test", cached)
    finally:
        ctx.close()
    assert info.handle == account.handle
    assert refreshes.used == 2 and refreshes.refused == []
