"""Schema status and upgrades of an existing store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import NotInitialised

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


def schema_status(ctx: AppContext) -> dict[str, str]:
    from clientnest_cli.store.db import SCHEMA_REVISION, current_revision, describe

    store = ctx.open_store_unchecked()
    return {
        "store": describe(ctx.database_url),
        "store_revision": current_revision(store.engine) or "(empty)",
        "code_revision": SCHEMA_REVISION,
    }


def upgrade_store(ctx: AppContext) -> tuple[str, str]:
    """Owner only: migrate the store to the code's schema."""
    from clientnest_cli.store.db import SCHEMA_REVISION, current_revision, migrate

    store = ctx.open_store_unchecked()
    before = current_revision(store.engine)
    if before is None:
        raise NotInitialised("ClientNest has no store yet", hint="run `clientnest init` first")
    with store.session() as session:
        actor = ctx.require(session, Role.OWNER, "upgrading the store")
    migrate(store.engine)
    with store.session() as session:
        ctx.audit(session, actor.email, "store.upgrade", before=before, after=SCHEMA_REVISION)
    return before, SCHEMA_REVISION
