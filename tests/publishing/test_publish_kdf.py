"""With the encrypted-file backend, one `publish now` derives the file key once."""

from __future__ import annotations

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from clientnest_cli.security import secretfile
from tests.helpers import ok
from tests.publishing.conftest import Accounts, texts_on


def test_publish_now_makes_one_key_derivation(
    accounts: Accounts, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = ok("post", "create", "One key for all", "--to", accounts.x, "--json").json()[0]
    sandbox.emulator("x").tokens.expire_all()  # X refreshes: a write as well as reads
    calls: list[bytes] = []
    real = secretfile.derive_key

    def counted(passphrase: str, salt: bytes, *params: int) -> bytes:
        calls.append(salt)
        return real(passphrase, salt, *params)

    secretfile.forget_keys()  # as a fresh process
    monkeypatch.setattr(secretfile, "derive_key", counted)
    ok("publish", "now", str(post["id"]))
    assert texts_on(sandbox, "x") == ["One key for all"]
    assert len(calls) == 1
    actions = [e["action"] for e in ok("audit", "list", "--json").json()]
    assert "account.token_refresh" in actions  # the refreshed token was written too
