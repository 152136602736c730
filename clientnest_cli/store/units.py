"""One unit of work for the code that serves both stores.

Composing (services/posts.py), the acting user, policy and the audit log work
on a *unit*: the thin store's ``lite_repos.LiteUnit`` (what `post create` uses,
no ORM import) or an ORM session, wrapped here in ``repos.OrmUnit``. Both offer
``users``, ``accounts``, ``posts``, ``dialect``, ``policy_values()``,
``count_status()``, ``add_post()``, ``add_media()`` and ``add_audit()``; the
thin store's also ``add_audits()`` (many in one statement, for the publishing
engine).
"""

from __future__ import annotations

from typing import Any


def unit_of(source: Any) -> Any:
    """``source`` as a unit: a unit as it is; a thin store's ``LiteDB`` or an ORM
    session wrapped."""
    if hasattr(source, "add_post"):
        return source
    if hasattr(source, "fetch"):  # a LiteDB
        from clientnest_cli.store.lite_repos import LiteUnit

        return LiteUnit(source)
    from clientnest_cli.store.repos import OrmUnit

    return OrmUnit(source)
