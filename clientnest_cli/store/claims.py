"""The publishing engine's SQL: claims with leases, and the guarded outcome writes.

A post is claimed by one conditional UPDATE whose WHERE clause carries the
status, the due time and an empty-or-expired lease, so two publishers can
never both own it; on PostgreSQL batches come from ``FOR UPDATE SKIP LOCKED``.
Every later write is guarded by ``lease_owner``: a publisher whose lease was
taken over (it was too slow, or presumed dead) cannot overwrite the outcome.

The engine runs on the thin store (store/lite.py: stdlib sqlite3 or psycopg,
hand-written SQL with ``?`` placeholders, rows as the dataclasses of
store/rows.py), so `publish now` and the daemon's sends import no ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.store.rows import MediaRow, SendingAccountRow, SendingPostRow, columns

if TYPE_CHECKING:
    from clientnest_cli.store.lite import LiteDB

CLAIMABLE_APPROVALS = ("not_required", "approved")
POST_COLUMNS = columns(SendingPostRow, "post")


@dataclass
class Batch:
    """A claimed batch's rows: posts, their accounts, media, thread rows, open attempts."""

    posts: dict[int, SendingPostRow]
    accounts: dict[int, SendingAccountRow]
    media: dict[int, list[MediaRow]]
    threads: dict[tuple[int, int], SendingPostRow]
    attempts: dict[int, int]

    def previous_part(self, post: SendingPostRow) -> SendingPostRow | None:
        """The part a thread part replies to: the lead for part 1, else the part before."""
        lead = post.thread_parent_id
        if lead is None:
            return None
        if post.thread_position <= 1:
            return self.threads.get((lead, 0))
        return self.threads.get((lead, post.thread_position - 1))


# A thread part may go only after the part before it is published.
_PREVIOUS_PART_PUBLISHED = """(post.thread_parent_id IS NULL OR EXISTS (
    SELECT 1 FROM post AS prev WHERE prev.status = 'published' AND (
        (post.thread_position = 1 AND prev.id = post.thread_parent_id)
        OR (prev.thread_parent_id = post.thread_parent_id
            AND prev.thread_position = post.thread_position - 1))))"""

# Due at ``?`` (the same time three times): scheduled, approved if it must be, not
# leased, of an active account, and (a thread part) after its published predecessor.
_DUE = f"""post.status = 'scheduled' AND post.scheduled_at <= ?
    AND (post.next_attempt_at IS NULL OR post.next_attempt_at <= ?)
    AND post.approval_status IN ('not_required', 'approved')
    AND (post.lease_expires_at IS NULL OR post.lease_expires_at <= ?)
    AND EXISTS (SELECT 1 FROM socialaccount AS a
                WHERE a.id = post.account_id AND a.status = 'active')
    AND {_PREVIOUS_PART_PUBLISHED}"""

_CLAIM = "status = 'publishing', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1"
_OWNED = "post.id = ? AND post.status = 'publishing' AND post.lease_owner = ?"
_OPEN_ATTEMPT = (
    "INSERT INTO publishattempt (post_id, daemon_id, started_at, outcome, error) "
    "VALUES (?, ?, ?, '', '')"
)


class Claims:
    def __init__(self, db: LiteDB) -> None:
        self.db = db

    def _p(self, value: Any) -> Any:
        return self.db.param(value)

    def _due(self, at: datetime) -> tuple[str, list[Any]]:
        return _DUE, [self._p(at)] * 3

    def _in(self, values: Sequence[Any]) -> str:
        return self.db.in_list(values)

    def claim_due(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        due_by: datetime | None = None,
        attempt_by: str = "",
    ) -> list[int]:
        """Claim up to ``limit`` posts due by ``due_by`` (default now) for ``owner``.

        With ``attempt_by`` the PublishAttempt rows are opened in the same
        transaction, so a batch costs one write transaction, not one per post.
        """
        where, params = self._due(now if due_by is None else min(now, due_by))
        ids = self._update_at_most(
            limit,
            (where, params),
            "post.scheduled_at, post.id",
            (_CLAIM, [owner, self._p(now + lease)]),
        )
        if attempt_by and ids:
            self._open_attempts(ids, attempt_by, now)
        return ids

    def _open_attempts(self, ids: Sequence[int], daemon_id: str, started: datetime) -> None:
        self.db.execute_many(
            _OPEN_ATTEMPT, [(post_id, daemon_id, self._p(started)) for post_id in ids]
        )

    def load_batch(self, ids: Sequence[int]) -> Batch:
        """Everything a claimed batch needs to be sent, one query per table."""
        ids = list(ids)
        posts = {
            p.id: p
            for p in self.db.fetch(
                SendingPostRow,
                f"SELECT {POST_COLUMNS} FROM post WHERE post.id IN {self._in(ids)}",
                ids,
            )
        }
        account_ids = sorted({p.account_id for p in posts.values()})
        accounts = {}
        if account_ids:
            accounts = {
                a.id: a
                for a in self.db.fetch(
                    SendingAccountRow,
                    f"SELECT {columns(SendingAccountRow)} FROM socialaccount "
                    f"WHERE id IN {self._in(account_ids)}",
                    account_ids,
                )
            }
        media: dict[int, list[MediaRow]] = {}
        for m in self.db.fetch(
            MediaRow,
            f"SELECT {columns(MediaRow)} FROM postmedia WHERE post_id IN {self._in(ids)} "
            "ORDER BY position",
            ids,
        ):
            media.setdefault(m.post_id, []).append(m)
        return Batch(posts, accounts, media, self._thread_rows(posts), self.open_attempts(ids))

    def _thread_rows(
        self, posts: dict[int, SendingPostRow]
    ) -> dict[tuple[int, int], SendingPostRow]:
        """The leads and parts of the batch's threads, by (lead id, position); a lead is
        at (its id, 0)."""
        leads = sorted({p.thread_parent_id for p in posts.values() if p.thread_parent_id})
        if not leads:
            return {}
        rows = self.db.fetch(
            SendingPostRow,
            f"SELECT {POST_COLUMNS} FROM post WHERE post.id IN {self._in(leads)} "
            f"OR post.thread_parent_id IN {self._in(leads)}",
            [*leads, *leads],
        )
        return {
            (p.thread_parent_id, p.thread_position) if p.thread_parent_id else (p.id, 0): p
            for p in rows
        }

    def open_attempts(self, ids: Sequence[int]) -> dict[int, int]:
        """Post id → its newest attempt that has no outcome yet."""
        ids = list(ids)
        rows = self.db.rows(
            "SELECT post_id, max(id) FROM publishattempt "
            f"WHERE post_id IN {self._in(ids)} AND finished_at IS NULL GROUP BY post_id",
            ids,
        )
        return {post_id: attempt_id for post_id, attempt_id in rows}

    def claim_one(
        self, post_id: int, owner: str, now: datetime, lease: timedelta, attempt_by: str = ""
    ) -> bool:
        """Claim one post if it is due now (used by `publish now`)."""
        where, params = self._due(now)
        cur = self.db.execute(
            f"UPDATE post SET {_CLAIM} WHERE post.id = ? AND {where}",
            [owner, self._p(now + lease), post_id, *params],
        )
        claimed = cur.rowcount == 1
        if claimed and attempt_by:
            self._open_attempts([post_id], attempt_by, now)
        return claimed

    def take_over_expired(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        grace: timedelta = timedelta(0),
    ) -> list[int]:
        """Claim `publishing` posts whose lease ran out ``grace`` ago: their publisher died
        mid-send. ``grace`` (HTTP timeout + margin) lets a request the old holder started
        just before its lease ended finish before anyone looks for it (fencing)."""
        expired = (
            "post.status = 'publishing' AND post.lease_expires_at <= ?",
            [self._p(now - grace)],
        )
        return self._take_over(expired, owner, now, lease, limit)

    def take_over_checking(
        self, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[int]:
        """Claim `checking` posts whose next check is due, back to `publishing`, to ask."""
        due = (
            "post.status = 'checking' "
            "AND (post.next_attempt_at IS NULL OR post.next_attempt_at <= ?)",
            [self._p(now)],
        )
        return self._take_over(due, owner, now, lease, limit, "status = 'publishing', ")

    def _take_over(
        self,
        where: tuple[str, list[Any]],
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        also: str = "",
    ) -> list[int]:
        sets = (f"{also}lease_owner = ?, lease_expires_at = ?", [owner, self._p(now + lease)])
        return self._update_at_most(limit, where, "post.id", sets)

    def _update_at_most(
        self,
        limit: int,
        where: tuple[str, list[Any]],
        order: str,
        sets: tuple[str, list[Any]],
    ) -> list[int]:
        """UPDATE the first ``limit`` posts matching ``where`` (in ``order``); their ids.

        On PostgreSQL the rows are picked once, in a MATERIALIZED CTE, locked with
        SKIP LOCKED so concurrent claimers take different rows. As a plain ``IN
        (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)`` the planner may rescan the
        subquery for every outer row (a nested-loop semi-join); each rescan skips
        the rows this statement has just updated and yields the next ones, so one
        claim took every due post instead of ``limit``. The outer WHERE repeats
        the condition: a row picked by another claimer in between is left alone.
        """
        pg = self.db.dialect == "postgresql"
        materialized = "MATERIALIZED " if pg else ""
        locking = " FOR UPDATE SKIP LOCKED" if pg else ""
        sql = (
            f"WITH picked AS {materialized}(SELECT post.id FROM post WHERE {where[0]} "
            f"ORDER BY {order} LIMIT ?{locking}) "
            f"UPDATE post SET {sets[0]} "
            f"WHERE post.id IN (SELECT id FROM picked) AND {where[0]} RETURNING id"
        )
        params = [*where[1], limit, *sets[1], *where[1]]
        return [row[0] for row in self.db.rows(sql, params)]

    def finish(self, post_id: int, owner: str, **values: Any) -> bool:
        """Write an outcome if we still hold the lease; False means we lost it."""
        values.setdefault("lease_owner", "")
        values.setdefault("lease_expires_at", None)
        sets = ", ".join(f"{name} = ?" for name in values)
        cur = self.db.execute(
            f"UPDATE post SET {sets} WHERE {_OWNED}",
            [*(self._p(v) for v in values.values()), post_id, owner],
        )
        return bool(cur.rowcount == 1)

    def end_attempts(self, finished: datetime, outcomes: Sequence[tuple[int, str]]) -> None:
        """Close many attempts without an error, ``(attempt id, outcome)`` each: one
        statement, executed for every row."""
        if not outcomes:
            return
        at = self._p(finished)
        self.db.execute_many(
            "UPDATE publishattempt SET finished_at = ?, outcome = ?, http_status = NULL, "
            "error = '' WHERE id = ?",
            [(at, outcome, attempt_id) for attempt_id, outcome in outcomes],
        )

    def finish_published(
        self, owner: str, now: datetime, refs: dict[int, tuple[str, str, dict[str, Any]]]
    ) -> set[int]:
        """Mark published the posts of ``refs`` (id → platform id, url, extra) whose lease
        we still hold; returns those ids. The held rows are read and written in one
        transaction (locked FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE holds
        the write lock), and each UPDATE keeps the lease guard."""
        ids = list(refs)
        locking = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        held = {
            row[0]
            for row in self.db.rows(
                f"SELECT id FROM post WHERE id IN {self._in(ids)} AND status = 'publishing' "
                f"AND lease_owner = ?{locking}",
                [*ids, owner],
            )
        }
        if not held:
            return held
        at = self._p(now)
        self.db.execute_many(
            "UPDATE post SET status = 'published', published_at = ?, platform_post_id = ?, "
            "platform_url = ?, platform_extra = ?, last_error = '', lease_owner = '', "
            f"lease_expires_at = NULL WHERE {_OWNED}",
            [
                (at, pid, url, self._p(extra), post_id, owner)
                for post_id, (pid, url, extra) in refs.items()
                if post_id in held
            ],
        )
        return held

    def extend_many(self, ids: Sequence[int], owner: str, until: datetime) -> set[int]:
        """Renew the leases we still hold among ``ids``; returns the renewed ids."""
        ids = list(ids)
        rows = self.db.rows(
            f"UPDATE post SET lease_expires_at = ? WHERE id IN {self._in(ids)} "
            "AND status = 'publishing' AND lease_owner = ? RETURNING id",
            [self._p(until), *ids, owner],
        )
        return {row[0] for row in rows}

    def start_attempt(self, post_id: int, daemon_id: str, started: datetime) -> int:
        return int(
            self.db.scalar(f"{_OPEN_ATTEMPT} RETURNING id", [post_id, daemon_id, self._p(started)])
        )

    def drop_attempt(self, attempt_id: int) -> None:
        """An attempt that never became a send (deferred by the rate limiter)."""
        self.db.execute("DELETE FROM publishattempt WHERE id = ?", [attempt_id])

    def end_attempt(
        self, attempt_id: int, finished: datetime, outcome: str, status: int | None, error: str
    ) -> None:
        self.db.execute(
            "UPDATE publishattempt SET finished_at = ?, outcome = ?, http_status = ?, error = ? "
            "WHERE id = ?",
            [self._p(finished), outcome, status, error[:2000], attempt_id],
        )

    def fail_unusable_accounts(self, now: datetime, reason_for: dict[str, str]) -> Sequence[int]:
        """Due posts of accounts that need re-auth or are disconnected: failed, with why."""
        rows = self.db.rows(
            "SELECT post.id, a.status, a.status_reason FROM post "
            "JOIN socialaccount AS a ON a.id = post.account_id "
            "WHERE post.status = 'scheduled' AND post.scheduled_at <= ? AND a.status != 'active'",
            [self._p(now)],
        )
        failed = []
        for post_id, status, reason in rows:
            text = reason_for.get(status, status) + (f" ({reason})" if reason else "")
            done = self.db.execute(
                "UPDATE post SET status = 'failed', last_error = ? "
                "WHERE id = ? AND status = 'scheduled'",
                [text, post_id],
            ).rowcount
            if done:
                failed.append(post_id)
        return failed

    def due_count(self, now: datetime) -> int:
        where, params = self._due(now)
        return int(self.db.scalar(f"SELECT count(*) FROM post WHERE {where}", params))

    def save_resume_token(self, post_id: int, owner: str, token: str) -> bool:
        cur = self.db.execute(
            f"UPDATE post SET resume_token = ? WHERE {_OWNED}", [token, post_id, owner]
        )
        return bool(cur.rowcount == 1)

    def fail_later_parts(self, post: SendingPostRow, reason: str) -> None:
        """When a thread part fails, the parts after it can never go: fail them too."""
        root = post.thread_parent_id or post.id
        self.db.execute(
            "UPDATE post SET status = 'failed', last_error = ? WHERE thread_parent_id = ? "
            "AND thread_position > ? AND status = 'scheduled'",
            [reason, root, post.thread_position],
        )

    def next_due_at(self) -> datetime | None:
        """When the earliest scheduled post becomes due (for the dispatcher's sleep)."""
        value = self.db.scalar(
            "SELECT min(coalesce(next_attempt_at, scheduled_at)) FROM post "
            "WHERE status = 'scheduled'"
        )
        return _aware(value)


def _aware(value: datetime | str | None) -> datetime | None:
    """min() over a column comes back as text on SQLite: parse it and attach UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
