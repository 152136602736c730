"""Naming accounts and clients, and listing accounts, on either store.

``accounts`` / ``clients`` below are the store's repositories: the ORM's
(``store.repos``) or the thin store's (``store.lite_repos``); both answer
by_id, by_handle and by_name the same way. `accounts list` reads through the
thin store, so this module imports no ORM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.rows import AccountRow

CANNOT_REFRESH = ("linkedin",)  # refresh tokens only for approved partners: reconnect in time


def resolve_in(accounts: Any, ref: str) -> Any:
    """An account from `PLATFORM:HANDLE`, `HANDLE` or its numeric id."""
    if ref.isdigit():
        found = accounts.by_id(int(ref))
        if found is None:
            raise NotFound(f"no account with id {ref}", hint="see `clientnest accounts list`")
        return found
    platform, _, handle = ref.partition(":") if ":" in ref else ("", "", ref)
    handle = handle.lstrip("@")
    matches = accounts.by_handle(handle, platform or None)
    if not matches:
        raise NotFound(f"no account '{ref}'", hint="see `clientnest accounts list`")
    if len(matches) > 1:
        ids = ", ".join(f"{a.id} ({a.platform} at {a.instance_url})" for a in matches)
        raise BadInput(
            f"'{ref}' matches {len(matches)} accounts: {ids}",
            hint="name one by its id, or as PLATFORM:HANDLE",
        )
    return matches[0]


def client_id_in(clients: Any, name: str | None) -> int | None:
    if not name:
        return None
    client = clients.by_name(name)
    if client is None:
        raise NotFound(f"no client named '{name}'", hint="add it with `clientnest clients add`")
    return client.id  # type: ignore[no-any-return]


def list_accounts(ctx: AppContext, client: str | None = None) -> list[AccountRow]:
    from clientnest_cli.store.lite_repos import LiteAccounts, LiteClients, LiteUsers

    with ctx.lite() as db:
        ctx.actor_in(LiteUsers(db))
        client_id = client_id_in(LiteClients(db), client)
        return LiteAccounts(db).all(client_id=client_id)
