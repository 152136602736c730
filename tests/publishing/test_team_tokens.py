"""Two daemon hosts (two homes, two keyrings) share one PostgreSQL store and one
rotating X token: tokens sealed in the store, refreshed once, never spent twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from clientnest_cli.security.secrets import PASSPHRASE_ENV
from tests.helpers import FakeBrowser, init_store, ok
from tests.publishing.conftest import create_due, texts_on
from tests.publishing.daemon_runner import Daemons, all_settled, status_counts, wait_for
from tests.security.store_hosts import Host, count_refreshes, make_hosts

ROUNDS = 20


def host_env(host: Host) -> dict[str, str]:
    return {
        "CLIENTNEST_HOME": str(host.home),
        PASSPHRASE_ENV: host.passphrase,
        "CLIENTNEST_DATABASE_URL": host.database_url,
        "CLIENTNEST_SECRETS__TOKENS": "store",
    }


def test_two_hosts_publish_and_refresh_a_rotating_token_20_times(
    home: Path,
    pg_url: str,
    tmp_path: Path,
    sandbox: SandboxServer,
    browser: FakeBrowser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_hosts(tmp_path, pg_url, monkeypatch)
    a.use()
    init_store()
    ok("users", "set-tier", "owner@acme.test", "business")
    x = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()
    code = ok("secrets", "enrol", "--json").json()["code"]
    b.use()
    ok("secrets", "join", input=code + "\n")
    a.use()
    refreshes = count_refreshes(sandbox, monkeypatch)
    emulator = sandbox.emulator("x")
    expected: list[str] = []
    ids: list[int] = []
    with Daemons(tmp_path / "logs") as daemons:
        daemons.start("hostA", host_env(a))
        daemons.start("hostB", host_env(b))
        for round_ in range(ROUNDS):
            texts = [f"Round {round_:02d}, post {i}" for i in range(2)]
            with emulator.lock:
                emulator.tokens.expire_all()  # both hosts find the token expired at once
            new = create_due(texts, [x["ref"]])
            wait_for(all_settled(new), 90, f"round {round_} published", daemons)
            expected += texts
            ids += new
    assert refreshes.refused == [], f"refresh tokens spent twice: {refreshes.refused}"
    assert refreshes.used >= ROUNDS
    assert status_counts(ids) == {"published": 2 * ROUNDS}
    assert Counter(texts_on(sandbox, "x")) == Counter(expected)
    rows = ok("audit", "list", "--json", "--limit", "1000").json()
    refreshed = [e for e in rows if e["action"] == "account.token_refresh"]
    assert len(refreshed) == refreshes.used  # every rotated token was written, once
    by_process = Counter(e["details"]["by"].rsplit(":", 1)[0] for e in refreshed)
    print(f"refreshes per daemon process: {dict(by_process)}")
    needs_reauth = [e for e in rows if e["action"] == "account.needs_reauth"]
    assert needs_reauth == []
