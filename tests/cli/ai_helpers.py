"""Reading and changing store rows directly, for the `clientnest ai …` tests."""

from __future__ import annotations

from typing import Any


def rows(model: Any, **where: Any) -> list[Any]:
    """Rows of a table, read straight from the store."""
    from sqlmodel import select

    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            query = select(model)
            for key, value in where.items():
                query = query.where(getattr(model, key) == value)
            return list(session.exec(query).all())
    finally:
        ctx.close()


def update_user(email: str, **values: Any) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.repos import Users

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            user = Users(session).by_email(email)
            assert user is not None
            for key, value in values.items():
                setattr(user, key, value)
            session.add(user)
    finally:
        ctx.close()


def add_rows(*items: Any) -> list[int]:
    """Insert rows; their ids."""
    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            for item in items:
                session.add(item)
                session.flush()
            return [item.id for item in items]
    finally:
        ctx.close()


def posts() -> list[Any]:
    from clientnest_cli.store.models import Post

    return rows(Post)


def logs() -> list[Any]:
    from clientnest_cli.store.models import AIRequestLog

    return rows(AIRequestLog)


def owner() -> Any:
    from clientnest_cli.store.models import User

    return rows(User, email="owner@acme.test")[0]
