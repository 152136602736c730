"""Several daemon hosts in one test: each its own home and keyring, one shared store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from clientnest_cli.security.secrets import PASSPHRASE_ENV


@dataclass
class Host:
    name: str
    home: Path
    passphrase: str
    database_url: str
    monkeypatch: pytest.MonkeyPatch

    def use(self) -> Host:
        """Make the next in-process CLI call run as this host."""
        mp = self.monkeypatch
        mp.setenv("CLIENTNEST_HOME", str(self.home))
        mp.setenv(PASSPHRASE_ENV, self.passphrase)
        mp.setenv("CLIENTNEST_DATABASE_URL", self.database_url)
        mp.setenv("CLIENTNEST_SECRETS__TOKENS", "store")
        return self

    @property
    def secrets_file(self) -> Path:
        return self.home / "data" / "secrets.json"


def make_hosts(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, n: int = 2
) -> list[Host]:
    hosts = []
    for i in range(n):
        home = tmp_path / f"host{i}"
        home.mkdir()
        hosts.append(Host(f"host{i}", home, f"passphrase of host {i}", database_url, monkeypatch))
    return hosts


@dataclass
class RefreshCounter:
    """Refresh-token grants the X emulator saw, and how many it refused."""

    used: int = 0
    refused: list[str] = field(default_factory=list)


def count_refreshes(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> RefreshCounter:
    tokens = sandbox.emulator("x").tokens
    counter = RefreshCounter()
    real: Callable = tokens.use_refresh

    def use_refresh(token: str):  # type: ignore[no-untyped-def]
        issued = real(token)
        counter.used += 1
        if issued is None:
            counter.refused.append(token[:12])
        return issued

    monkeypatch.setattr(tokens, "use_refresh", use_refresh)
    return counter
