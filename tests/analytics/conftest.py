"""A store filled by the shared history generator: accounts with planted effects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from clientnest_cli.sandbox.history import HistorySpec, spec_for
from tests.helpers import init_store, seed_account

UNTIL = "2026-11-01T00:00:00+00:00"  # the generator's default end: runs never depend on today


@dataclass
class Seeded:
    refs: dict[str, HistorySpec]  # account ref → the spec its history came from
    ids: dict[str, int]


def seed_store(specs: dict[str, HistorySpec], snapshots: int = 2) -> dict[str, int]:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.history_seed import seed_history

    ids = {}
    for ref, spec in specs.items():
        platform, handle = ref.split(":", 1)
        ids[ref] = seed_account(platform, handle, timezone=spec.timezone)
    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            for ref, spec in specs.items():
                seed_history(conn, ids[ref], spec, snapshots=snapshots)
    finally:
        ctx.close()
    return ids


@pytest.fixture
def seeded(home: Path) -> Seeded:
    init_store()
    specs = {
        "x:acme": spec_for(11, 300, "x", timezone="Europe/Berlin"),
        "bluesky:acme.bsky.social": spec_for(12, 150, "bluesky", timezone="America/New_York"),
        "mastodon:tiny": spec_for(13, 10, "mastodon", timezone="Europe/Berlin"),
    }
    return Seeded(specs, seed_store(specs))


@pytest.fixture
def seeded_db(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """The same seeded store on SQLite and on PostgreSQL."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    specs = {
        "x:acme": spec_for(11, 300, "x", timezone="Europe/Berlin"),
        "bluesky:acme.bsky.social": spec_for(12, 150, "bluesky", timezone="America/New_York"),
    }
    return Seeded(specs, seed_store(specs))
