"""Values the store computes, without importing SQLAlchemy (the thin store uses them too)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def fold_key(text: str) -> str:
    """A case-insensitive lookup key: NFC, then Unicode casefold ("Ölmühle" →
    "ölmühle", "Straße" → "strasse"); SQLite's lower() folds ASCII only."""
    import unicodedata

    return unicodedata.normalize("NFC", (text or "").strip()).casefold()
