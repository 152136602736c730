"""Shared set-up for the `clientnest ai …` tests: the CLI pointed at the AI emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import init_store

KEY = "sk-sandbox"


@pytest.fixture
def ai_env(home: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The AI emulator (returned), env pointing the CLI at it, no retry waits.

    The store is not created here, so a test may change the tier table first;
    use ``ai`` for the usual initialised store.
    """
    from clientnest_cli.ai.client import ChatClient

    monkeypatch.setenv("CLIENTNEST_AI__BASE_URL", sandbox.base_url("ai") + "/v1")
    monkeypatch.setenv("CLIENTNEST_AI_API_KEY", KEY)
    monkeypatch.setattr(ChatClient, "_sleep", lambda self, seconds: None)
    yield sandbox.emulator("ai")


@pytest.fixture
def ai(ai_env: Any) -> Any:
    """An initialised SQLite store and the AI emulator."""
    init_store()
    return ai_env
