"""Team mode: tokens sealed in the shared store, a data key per enrolled host."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import FakeBrowser, cli, init_store, ok
from tests.security.store_hosts import Host, count_refreshes, make_hosts


@pytest.fixture
def hosts(
    home: Path,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
    browser: FakeBrowser,
) -> list[Host]:
    """Host 0 made the store and connected an X account; host 1 is not enrolled yet."""
    a, b = make_hosts(tmp_path, database_url, monkeypatch)
    a.use()
    init_store()
    x = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()
    a.ref = x["ref"]  # type: ignore[attr-defined]
    return [a, b]


def stored_rows(database_url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [
                r[0] + " " + r[1]
                for r in conn.execute(text("SELECT key, sealed FROM storedsecret"))
            ]
    finally:
        engine.dispose()


def test_tokens_are_sealed_in_the_store_not_in_the_host(
    hosts: list[Host], sandbox: SandboxServer
) -> None:
    a, _ = hosts
    tokens = sandbox.emulator("x").tokens
    issued = set(tokens.access) | set(tokens.refresh)
    rows = stored_rows(a.database_url)
    assert len(rows) == 1 and rows[0].startswith("account:")
    assert not [t for t in issued for row in rows if t in row]
    host_file = a.secrets_file.read_text()
    assert "store-data-key:" in host_file and "account:" not in host_file
    status = ok("secrets", "status", "--json").json()
    assert status["tokens"] == "store" and status["enrolled"] is True


def test_a_new_host_joins_with_a_one_time_code(
    hosts: list[Host], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = hosts
    refreshes = count_refreshes(sandbox, monkeypatch)
    b.use()
    refused = cli("accounts", "refresh", a.ref, "--json")  # type: ignore[attr-defined]
    assert refused.exit_code == 1
    assert "does not hold the store's data key" in refused.stderr
    assert "secrets join" in refused.stderr
    code = a.use() and ok("secrets", "enrol", "--json").json()["code"]
    assert code not in ok("audit", "list", "--json").stdout
    b.use()
    ok("secrets", "join", input=code + "\n")
    again = cli("secrets", "join", input=code + "\n")
    assert again.exit_code == 2 and "unknown, already used or expired" in again.stderr
    for host in (b, a, b, a):  # each adopts the token the other rotated
        host.use()
        ok("accounts", "refresh", a.ref)  # type: ignore[attr-defined]
    assert refreshes.used == 4 and refreshes.refused == []
    assert ok("secrets", "status", "--json").json()["enrolled"] is True


def test_bad_enrolment_input_is_refused(hosts: list[Host], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = hosts
    b.use()
    garbled = cli("secrets", "join", input="not-a-code\n")
    assert garbled.exit_code == 2 and "not an enrolment code" in garbled.stderr
    unknown = cli("secrets", "join", input="AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA\n")
    assert unknown.exit_code == 2 and "unknown, already used or expired" in unknown.stderr
    a.use()
    monkeypatch.setenv("CLIENTNEST_SECRETS__TOKENS", "keyring")
    keyring_mode = cli("secrets", "enrol")
    assert keyring_mode.exit_code == 2 and 'tokens = "store"' in keyring_mode.stderr


def test_doctor_says_where_tokens_live(hosts: list[Host]) -> None:
    a, b = hosts
    a.use()
    checks = {c["name"]: c for c in ok("doctor", "--json").json()}
    assert "clientnest-secrets/1" in checks["keyring"]["detail"]
    assert "sealed in the store" in checks["tokens"]["detail"]
    b.use()
    run = cli("doctor", "--json")
    checks = {c["name"]: c for c in run.json()}
    assert checks["tokens"]["ok"] is False and "secrets join" in checks["tokens"]["detail"]


def test_switching_to_the_store_moves_this_hosts_tokens_at_enrol(
    home: Path,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
    browser: FakeBrowser,
) -> None:
    a, b = make_hosts(tmp_path, database_url, monkeypatch)
    a.use()
    monkeypatch.setenv("CLIENTNEST_SECRETS__TOKENS", "keyring")
    init_store()
    x = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()
    assert "account:" in a.secrets_file.read_text() and stored_rows(database_url) == []
    monkeypatch.setenv("CLIENTNEST_SECRETS__TOKENS", "store")
    ok("accounts", "refresh", x["ref"])  # read through from this host's keyring, written sealed
    code = ok("secrets", "enrol", "--json").json()["code"]
    assert "account:" not in a.secrets_file.read_text()
    assert len(stored_rows(database_url)) == 1
    b.use()
    ok("secrets", "join", input=code + "\n")
    ok("accounts", "refresh", x["ref"])


def test_enrol_moves_tokens_nobody_wrote_since_the_switch(
    home: Path,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
    browser: FakeBrowser,
) -> None:
    a, b = make_hosts(tmp_path, database_url, monkeypatch)
    a.use()
    monkeypatch.setenv("CLIENTNEST_SECRETS__TOKENS", "keyring")
    init_store()
    x = ok(
        "accounts", "connect", "x", "--server", sandbox.base_url("x"), "--timeout", "10", "--json"
    ).json()
    monkeypatch.setenv("CLIENTNEST_SECRETS__TOKENS", "store")
    code = ok("secrets", "enrol", "--json").json()["code"]
    enrolled = [e for e in ok("audit", "list", "--json").json() if e["action"] == "secrets.enrol"]
    assert enrolled[0]["details"]["moved_to_store"] == 1
    assert "account:" not in a.secrets_file.read_text()
    b.use()
    ok("secrets", "join", input=code + "\n")
    ok("accounts", "refresh", x["ref"])
