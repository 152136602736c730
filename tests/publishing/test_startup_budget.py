"""`publish now` of one post imports none of the heavy modules (run with -X importtime),
with the encrypted-file keyring backend (the `accounts` fixture's home)."""

from __future__ import annotations

import os

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.cli.test_startup_budget import DENY_ALL, denied, imported_modules
from tests.helpers import ok
from tests.publishing.conftest import Accounts, texts_on


def test_publish_now_imports_nothing_heavy(
    accounts: Accounts, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):  # the suite's fast publishing settings: pydantic checks those
        if name.startswith("CLIENTNEST_PUBLISHING__"):
            monkeypatch.delenv(name)
    post = ok("post", "create", "Light start", "--to", accounts.bluesky, "--json").json()[0]
    modules = imported_modules("publish", "now", str(post["id"]))
    assert texts_on(sandbox, "bluesky") == ["Light start"]  # it really published
    assert denied(modules, DENY_ALL) == []
    # the encrypted-file backend needs no `keyring`; httpx's own CLI (rich, click) is skipped
    assert denied(modules, ("keyring", "rich", "click", "pygments")) == []
    assert "httpx" in modules  # sending is the one reason to load it
    # its settings are read without pydantic-settings (config_file.light_settings)
    assert denied(modules, ("pydantic_settings", "clientnest_cli.config")) == []
    # it claims, sends and records on the thin store (store/lite.py): no ORM at all
    assert denied(modules, ("sqlalchemy", "sqlmodel", "clientnest_cli.store.models")) == []
