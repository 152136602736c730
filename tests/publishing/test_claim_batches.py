"""A claim takes at most its batch size, on SQLite and PostgreSQL.

On PostgreSQL an ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``
can be planned as a nested-loop semi-join that rescans the subquery for every
row; each rescan skips the rows the statement has just updated, so one claim took
every due post. Several daemons then could not share a backlog: one took it all
(and held leases it could not renew in time for most of it).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers import init_store, ok
from tests.publishing.conftest import create_due

POSTS = 30
BATCH = 4


@pytest.fixture
def due_posts(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    feed = ok("accounts", "connect", "feed", "--path", str(home / "feed.json"), "--json").json()
    return create_due([f"batch post {i}" for i in range(POSTS)], [feed["ref"]])


def _claim_all(claim: object) -> list[list[int]]:
    """Call ``claim(db)`` (a thin-store unit) until it claims nothing; the batches, in order."""
    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    batches: list[list[int]] = []
    try:
        while True:
            with ctx.lite(write=True) as db:
                got = claim(db)  # type: ignore[operator]
            if not got:
                return batches
            batches.append(got)
    finally:
        ctx.close()


def test_claim_due_takes_one_batch_at_a_time(due_posts: list[int]) -> None:
    from clientnest_cli.store.claims import Claims
    from clientnest_cli.store.types import utcnow

    lease = timedelta(minutes=5)
    batches = _claim_all(lambda s: Claims(s).claim_due("d1", utcnow(), lease, BATCH))

    assert [len(b) for b in batches] == [BATCH] * (POSTS // BATCH) + [POSTS % BATCH]
    claimed = [post_id for batch in batches for post_id in batch]
    assert sorted(claimed) == sorted(due_posts), "every due post claimed exactly once"


def test_take_over_expired_takes_one_batch_at_a_time(due_posts: list[int]) -> None:
    from clientnest_cli.store.claims import Claims
    from clientnest_cli.store.types import utcnow

    # d1 claims everything with a lease that has already run out: it "died"
    gone = timedelta(seconds=-1)
    _claim_all(lambda s: Claims(s).claim_due("d1", utcnow(), gone, POSTS))
    lease = timedelta(minutes=5)
    batches = _claim_all(lambda s: Claims(s).take_over_expired("d2", utcnow(), lease, BATCH))

    assert [len(b) for b in batches] == [BATCH] * (POSTS // BATCH) + [POSTS % BATCH]
    assert sorted(p for b in batches for p in b) == sorted(due_posts)
