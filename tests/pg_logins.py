"""PostgreSQL logins for team-mode tests: one per person, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest


class Logins:
    """Creates LOGIN roles on the test server and URLs that connect as them."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        self.made: list[str] = []

    def admin_dsn(self) -> str:
        u = self.url
        return f"host={u.host} port={u.port} user={u.username} dbname={u.database}"

    def sql(self, statement: str, params: Any = None) -> None:
        import psycopg

        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(statement, params)

    def create(self, prefix: str, grant_all: bool = False) -> tuple[str, str]:
        """A new login (name, URL); ``grant_all`` gives it every table right (no
        `db roles` yet), so only ClientNest's own checks stand in its way."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.sql(f'CREATE ROLE "{name}" LOGIN')
        self.made.append(name)
        if grant_all:
            self.sql(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}"')
            self.sql(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{name}"')
        return name, self.url_for(name)

    def url_for(self, name: str) -> str:
        return self.url.set(username=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.made:
            self.sql(f'DROP OWNED BY "{name}"')
            self.sql(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture(name="logins")
def logins_fixture(pg_url: str) -> Iterator[Logins]:
    made = Logins(pg_url)
    yield made
    made.drop_all()
