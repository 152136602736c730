"""The TUI dashboard's reads on the thin store (store/lite.py): counts, the next and
latest posts, followers now and their snapshots. Each query reads through an index
(migration 0009), so the dashboard stays quick on a 100,000-post store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from clientnest_cli.store.lite_repos import POST_WITH_ACCOUNT
from clientnest_cli.store.rows import PostRow

if TYPE_CHECKING:
    from clientnest_cli.store.lite import LiteDB


class LiteDashboard:
    def __init__(self, db: LiteDB) -> None:
        self.db = db

    def _at(self, value: datetime) -> object:
        from clientnest_cli.store.lite import db_datetime

        return db_datetime(value, self.db.dialect)

    def count_posts(self, status: str, published_since: datetime | None = None) -> int:
        sql, params = "SELECT count(*) FROM post WHERE status = ?", [str(status)]
        if published_since is not None:
            sql, params = sql + " AND published_at >= ?", [*params, self._at(published_since)]
        return int(self.db.scalar(sql, params))

    def count_accounts(self, status: str) -> int:
        return int(self.db.scalar("SELECT count(*) FROM socialaccount WHERE status = ?", (status,)))

    def followers(self) -> dict[int, int]:
        """Followers now, per account id."""
        return {a: f for a, f in self.db.rows("SELECT id, followers FROM socialaccount")}

    def snapshots(self, since: datetime) -> list[tuple[int, int, datetime]]:
        """(account id, followers, captured at) captured since ``since``, oldest first."""
        from clientnest_cli.store.lite import utc_datetime

        rows = self.db.rows(
            "SELECT account_id, followers, captured_at FROM accountstatssnapshot "
            "WHERE captured_at >= ? ORDER BY captured_at, id",
            (self._at(since),),
        )
        return [(a, f, utc_datetime(at)) for a, f, at in rows]  # type: ignore[misc]

    def posts(self, status: str, order: str, limit: int) -> list[tuple[PostRow, str, str]]:
        """Posts in ``status`` with their account's platform and handle, in ``order``."""
        from clientnest_cli.store.lite import to_row

        sql = f"{POST_WITH_ACCOUNT} WHERE p.status = ? ORDER BY {order} LIMIT ?"
        return [
            (to_row(PostRow, values[:-2]), values[-2], values[-1])
            for values in self.db.rows(sql, (str(status), limit))
        ]
