"""Column types: datetimes are timezone-aware UTC in and out, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from clientnest_cli.store.values import fold_key, utcnow

__all__ = ["UTCDateTime", "fold_key", "utcnow"]


class UTCDateTime(TypeDecorator[datetime]):
    """Store UTC; hand back aware UTC datetimes.

    SQLite has no time zone type, so values are stored as naive UTC and
    re-attached to UTC on the way out. Naive input is refused: an unlabelled
    time is a bug waiting for the next DST change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
