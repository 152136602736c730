"""The queries of the store-only commands on the thin store (store/lite.py).

The same questions, in the same order, as the ORM repositories they stand in
for (``store/repos.py``, ``store/post_repos.py``), as hand-written SQL that both
SQLite and PostgreSQL read. Rows are ``store/rows.py`` dataclasses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from clientnest_cli.store.post_filter import like_escape
from clientnest_cli.store.rows import (
    AccountRow,
    AttemptRow,
    AuditRow,
    ClientRow,
    MediaRow,
    PostRow,
    UserRow,
    columns,
)
from clientnest_cli.store.values import fold_key

if TYPE_CHECKING:
    from clientnest_cli.store.lite import LiteDB
    from clientnest_cli.store.post_filter import PostFilter

USER = f'SELECT {columns(UserRow)} FROM "user"'
ACCOUNT = f"SELECT {columns(AccountRow)} FROM socialaccount"
POST = f"SELECT {columns(PostRow)} FROM post"
# team mode: may this login claim a store from before team mode (its first owner)?
OWNS_DATABASE = (
    "SELECT r.rolsuper OR d.datdba = r.oid FROM pg_roles r, pg_database d "
    "WHERE r.rolname = session_user AND d.datname = current_database()"
)
POST_WITH_ACCOUNT = (
    f"SELECT {columns(PostRow, 'p')}, a.platform, a.handle "
    "FROM post p JOIN socialaccount a ON a.id = p.account_id"
)


class LiteUsers:
    def __init__(self, db: LiteDB) -> None:
        self.db = db
        self.dialect = db.dialect

    def _first(self, where: str, params: Sequence[object]) -> UserRow | None:
        found = self.db.fetch(UserRow, f"{USER} WHERE {where} LIMIT 1", params)
        return found[0] if found else None

    def by_email(self, email: str) -> UserRow | None:
        return self._first("lower(email) = ?", (email.lower(),))

    def by_id(self, user_id: int) -> UserRow | None:
        return self._first("id = ?", (user_id,))

    def all(self) -> list[UserRow]:
        return self.db.fetch(UserRow, f"{USER} ORDER BY id")

    def first_owner(self) -> UserRow | None:
        found = self.db.fetch(UserRow, f"{USER} WHERE role = 'owner' ORDER BY id LIMIT 1")
        return found[0] if found else None

    def by_db_role(self, name: str) -> UserRow | None:
        return self._first("db_role = ?", (name,))

    def any_login_mapped(self) -> bool:
        return bool(self.db.rows("SELECT id FROM \"user\" WHERE db_role != '' LIMIT 1"))

    # --- team mode (PostgreSQL) ----------------------------------------------------
    def login(self) -> str:
        return str(self.db.scalar("SELECT session_user"))

    def owns_database(self) -> bool:
        return bool(self.db.scalar(OWNS_DATABASE))

    def map_login(self, user: UserRow, login: str) -> None:
        self.db.execute('UPDATE "user" SET db_role = ? WHERE id = ?', (login, user.id))
        user.db_role = login


class LiteClients:
    def __init__(self, db: LiteDB) -> None:
        self.db = db

    def by_name(self, name: str) -> ClientRow | None:
        found = self.db.fetch(
            ClientRow,
            f"SELECT {columns(ClientRow)} FROM client WHERE name_key = ? LIMIT 1",
            (fold_key(name),),
        )
        return found[0] if found else None


class LiteAccounts:
    def __init__(self, db: LiteDB) -> None:
        self.db = db

    def by_id(self, account_id: int) -> AccountRow | None:
        found = self.db.fetch(AccountRow, f"{ACCOUNT} WHERE id = ?", (account_id,))
        return found[0] if found else None

    def by_handle(self, handle: str, platform: str | None = None) -> list[AccountRow]:
        where, params = "handle_key = ?", [fold_key(handle)]
        if platform:
            where, params = where + " AND platform = ?", [*params, platform.lower()]
        return self.db.fetch(AccountRow, f"{ACCOUNT} WHERE {where} ORDER BY id", params)

    def all(self, client_id: int | None = None) -> list[AccountRow]:
        where = "" if client_id is None else " WHERE client_id = ?"
        params = () if client_id is None else (client_id,)
        return self.db.fetch(AccountRow, f"{ACCOUNT}{where} ORDER BY platform, handle", params)


class LitePosts:
    def __init__(self, db: LiteDB) -> None:
        self.db = db

    def by_id(self, post_id: int) -> PostRow | None:
        found = self.db.fetch(PostRow, f"{POST} WHERE id = ?", (post_id,))
        return found[0] if found else None

    def media(self, post_id: int) -> list[MediaRow]:
        sql = f"SELECT {columns(MediaRow)} FROM postmedia WHERE post_id = ? ORDER BY position"
        return self.db.fetch(MediaRow, sql, (post_id,))

    def attempts(self, post_id: int) -> list[AttemptRow]:
        sql = (
            f"SELECT {columns(AttemptRow)} FROM publishattempt WHERE post_id = ? "
            "ORDER BY started_at, id"
        )
        return self.db.fetch(AttemptRow, sql, (post_id,))

    def thread_parts(self, lead_id: int) -> list[PostRow]:
        sql = f"{POST} WHERE thread_parent_id = ? ORDER BY thread_position, id"
        return self.db.fetch(PostRow, sql, (lead_id,))

    def group_leads(self, group_id: str, limit: int = 1000) -> list[PostRow]:
        sql = (
            f"{POST} WHERE group_id = ? AND thread_parent_id IS NULL "
            "ORDER BY scheduled_at, id LIMIT ?"
        )
        return self.db.fetch(PostRow, sql, (group_id, limit))

    def thread_lead_ids(self, post_ids: Sequence[int]) -> set[int]:
        """Which of ``post_ids`` start a thread (have parts)."""
        if not post_ids:
            return set()
        sql = (
            "SELECT DISTINCT thread_parent_id FROM post "
            f"WHERE thread_parent_id IN {self.db.in_list(post_ids)}"
        )
        return {r[0] for r in self.db.rows(sql, list(post_ids)) if r[0] is not None}

    def thread_sizes(self, lead_ids: Sequence[int]) -> dict[int, int]:
        """Posts (lead included) in each thread started by ``lead_ids``; leads
        without parts are left out."""
        if not lead_ids:
            return {}
        sql = (
            "SELECT thread_parent_id, count(*) FROM post "
            f"WHERE thread_parent_id IN {self.db.in_list(lead_ids)} GROUP BY thread_parent_id"
        )
        return {
            lead: count + 1 for lead, count in self.db.rows(sql, list(lead_ids)) if lead is not None
        }

    def list(self, f: PostFilter) -> list[tuple[PostRow, str, str]]:
        """Posts with their account's platform and handle, in one query, LIMIT in SQL."""
        from clientnest_cli.store.lite import db_datetime

        where: list[str] = []
        params: list[object] = []
        if f.statuses:
            where.append(f"p.status IN {self.db.in_list(f.statuses)}")
            params += f.statuses
        for clause, value in (
            ("p.account_id = ?", f.account_id),
            ("a.client_id = ?", f.client_id),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        for clause, when in (
            ("p.scheduled_at >= ?", f.scheduled_from),
            ("p.scheduled_at < ?", f.scheduled_to),
        ):
            if when is not None:
                where.append(clause)
                params.append(db_datetime(when, self.db.dialect))
        if f.search:
            where.append(
                "lower(p.content) LIKE lower(?) ESCAPE '\\'"
                if self.db.dialect == "sqlite"
                else "p.content ILIKE ? ESCAPE '\\'"
            )
            params.append(f"%{like_escape(f.search)}%")
        order = {
            "scheduled": "(p.scheduled_at IS NULL), p.scheduled_at, p.id",
            "status": "p.status, p.id DESC",
        }.get(f.sort, "p.id DESC")  # created: ids grow with creation time
        sql = (
            POST_WITH_ACCOUNT
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} LIMIT ? OFFSET ?"
        )
        return self._with_accounts(sql, [*params, f.limit, f.offset])

    def calendar(
        self, start: datetime, end: datetime, account_id: int | None = None, limit: int = 5000
    ) -> list[tuple[PostRow, str, str]]:
        """Thread leads with a time in [start, end), not canceled, with account names."""
        from clientnest_cli.store.lite import db_datetime

        dialect = self.db.dialect
        params: list[object] = [db_datetime(start, dialect), db_datetime(end, dialect)]
        sql = (
            POST_WITH_ACCOUNT + " WHERE p.scheduled_at >= ? AND p.scheduled_at < ? "
            "AND p.status != 'canceled' AND p.thread_parent_id IS NULL"
        )
        if account_id is not None:
            sql += " AND p.account_id = ?"
            params.append(account_id)
        return self._with_accounts(sql + " ORDER BY p.scheduled_at, p.id LIMIT ?", [*params, limit])

    def _with_accounts(self, sql: str, params: Sequence[object]) -> list[tuple[PostRow, str, str]]:
        from clientnest_cli.store.lite import to_row

        return [
            (to_row(PostRow, values[:-2]), values[-2], values[-1])
            for values in self.db.rows(sql, params)
        ]


class LiteAudit:
    def __init__(self, db: LiteDB) -> None:
        self.db = db

    def list(
        self, *, since: datetime | None = None, actor: str | None = None, limit: int = 100
    ) -> list[AuditRow]:
        from clientnest_cli.store.lite import db_datetime

        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("created_at >= ?")
            params.append(db_datetime(since, self.db.dialect))
        if actor:  # what they did, and what was done in their name ("A acting as B")
            acting_as = (
                "json_extract(details, '$.acting_as')"
                if self.db.dialect == "sqlite"
                else "(details ->> 'acting_as')"
            )
            where.append(f"(lower(actor) = ? OR lower({acting_as}) = ?)")
            params += [actor.lower(), actor.lower()]
        sql = (
            f"SELECT {columns(AuditRow)} FROM auditevent"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY created_at DESC, id DESC LIMIT ?"
        )
        return self.db.fetch(AuditRow, sql, [*params, limit])


# --- writing posts (services/posts.py's unit of work; the ORM's is repos.OrmUnit) -------

# Every post column the ORM fills from a default when a post is made; the columns
# composing sets itself (account, content, status, times, group, …) come as values.
# tests/store/test_lite_rows.py ties these to the SQLModel's defaults.
POST_DEFAULTS: dict[str, object] = {
    "hashtags": [],
    "category": "",
    "ai_generated": False,
    "variant": "",
    "thread_parent_id": None,
    "thread_position": 0,
    "status": "draft",
    "scheduled_at": None,
    "published_at": None,
    "platform_post_id": "",
    "platform_url": "",
    "platform_extra": {},
    "resume_token": "",
    "attempts": 0,
    "next_attempt_at": None,
    "last_error": "",
    "lease_owner": "",
    "lease_expires_at": None,
    "approval_status": "not_required",
    "approved_by": None,
    "approved_at": None,
    "rejection_reason": "",
    "recurrence": "",
    "recurrence_until": None,
    "source_file": "",
    "created_by": None,
    "media_type": "",
    "imported": False,
    "followers_at_post": None,
    "version": 1,
    "checks": 0,
}
POST_FRESH = ("group_id", "idempotency_key", "created_at", "updated_at")  # new per post


class LiteUnit:
    """What composing needs of the store, on the thin store: the acting user's
    repositories, the policy, and adding posts, media and audit events."""

    def __init__(self, db: LiteDB) -> None:
        self.db = db
        self.dialect = db.dialect
        self.users = LiteUsers(db)
        self.accounts = LiteAccounts(db)
        self.posts = LitePosts(db)

    def policy_values(self) -> dict[str, str]:
        return {k: v for k, v in self.db.rows("SELECT key, value FROM policysetting")}

    def count_status(self, status: str) -> int:
        return int(self.db.scalar("SELECT count(*) FROM post WHERE status = ?", (status,)))

    def _insert(self, table: str, values: dict[str, object]) -> int:
        names = list(values)
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) RETURNING id"
        )
        return int(self.db.scalar(sql, [self.db.param(v) for v in values.values()]))

    def add_post(self, **values: object) -> PostRow:
        import uuid

        from clientnest_cli.store.values import utcnow

        now = utcnow()
        fresh = {
            "group_id": uuid.uuid4().hex,
            "idempotency_key": uuid.uuid4().hex,
            "created_at": now,
            "updated_at": now,
        }
        row = {**POST_DEFAULTS, **fresh, **values}
        post = self.posts.by_id(self._insert("post", row))
        assert post is not None
        return post

    def add_media(self, **values: object) -> None:
        self._insert("postmedia", values)

    def add_audit(self, **values: object) -> None:
        self.add_audits([values])

    def add_audits(self, rows: list[dict[str, object]]) -> None:
        """Audit events (the same keys each) in one statement, stamped now."""
        from clientnest_cli.store.values import utcnow

        now = self.db.param(utcnow())
        names = list(rows[0])
        sql = (
            f"INSERT INTO auditevent ({', '.join(names)}, created_at) "
            f"VALUES ({', '.join('?' for _ in names)}, ?)"
        )
        self.db.execute_many(sql, [[*(self.db.param(r[n]) for n in names), now] for r in rows])
