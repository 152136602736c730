"""A departing client: export everything held for it, then erase it.

``clients export NAME [FILE]`` writes its accounts (never a token), posts,
media records, metrics, comments and posting slots as one JSON file.
``clients erase NAME`` deletes all of that, removes the media files no other
post uses, and deletes each account's tokens from the keychain.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Client

REVOKE_NOTE = (
    "ClientNest's adapters offer no token revocation; remove the app's access in each "
    "platform's settings"
)


def _dump(rows: Any, exclude: set[str] | None = None) -> list[dict[str, Any]]:
    return [row.model_dump(mode="json", exclude=exclude or set()) for row in rows]


def client_data(session: Session, client: Client) -> dict[str, Any]:
    from clientnest_cli.store.client_repos import ClientData
    from clientnest_cli.store.models import (
        AccountStatsSnapshot,
        Comment,
        PostingSlot,
        PostMedia,
        PostMetricsSnapshot,
    )

    data = ClientData(session)
    accounts = []
    for account in data.accounts(client.id or 0):
        posts = data.posts(account.id or 0)
        ids = [p.id or 0 for p in posts]
        accounts.append(
            {
                "account": account.model_dump(mode="json", exclude={"secret_key"}),
                "posts": _dump(posts, {"lease_owner", "lease_expires_at"}),
                "media": _dump(data.rows_of_posts(PostMedia, ids)),
                "metrics": _dump(data.rows_of_posts(PostMetricsSnapshot, ids)),
                "comments": _dump(data.rows_of_posts(Comment, ids)),
                "account_stats": _dump(data.rows_of_account(AccountStatsSnapshot, account.id or 0)),
                "posting_slots": _dump(data.rows_of_account(PostingSlot, account.id or 0)),
            }
        )
    return {
        "format": "clientnest.client/1",
        "client": client.model_dump(mode="json"),
        "accounts": accounts,
    }


def export_client(ctx: AppContext, name: str, path: Path, force: bool = False) -> dict[str, int]:
    from clientnest_cli.services.data_rights import write_private_json
    from clientnest_cli.services.users import get_client

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "exporting a client")
        client = get_client(session, name)
        data = client_data(session, client)
        write_private_json(path, data, force)
        ctx.audit(session, actor.email, "client.export", "client", client.id)
    return {
        "accounts": len(data["accounts"]),
        "posts": sum(len(a["posts"]) for a in data["accounts"]),
    }


def erase_client(ctx: AppContext, name: str) -> dict[str, Any]:
    """Delete the client, its accounts and everything under them; report counts."""
    from clientnest_cli.errors import SecretsError
    from clientnest_cli.services.users import get_client
    from clientnest_cli.store.client_repos import ClientData
    from clientnest_cli.store.repos import Clients

    report: dict[str, Any] = {"accounts": 0, "posts": 0, "media": 0, "metrics": 0}
    report |= {"comments": 0, "media_files_deleted": 0, "keychain_entries_deleted": 0}
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "erasing a client")
        client = get_client(session, name)
        data = ClientData(session)
        files: set[str] = set()
        secret_keys: list[str] = []
        for account in data.accounts(client.id or 0):
            ids = [p.id or 0 for p in data.posts(account.id or 0)]
            from clientnest_cli.store.models import PostMedia

            files |= {m.file for m in data.rows_of_posts(PostMedia, ids)}
            secret_keys.append(account.secret_key)
            for key, count in data.delete_account(account).items():
                report[key] += count
            report["accounts"] += 1
        session.flush()
        unused = files - data.media_files_in_use()
        Clients(session).remove(client)
        ctx.audit(session, actor.email, "client.erase", "client", client.id, **report)
    for key in secret_keys:
        try:
            if ctx.secrets.get(key):
                ctx.secrets.delete(key)
                report["keychain_entries_deleted"] += 1
        except SecretsError:
            continue
    media_dir = ctx.paths.media_dir.resolve()
    for name_ in unused:
        path = (media_dir / name_).resolve()
        if path.is_relative_to(media_dir) and path.is_file():
            path.unlink()
            report["media_files_deleted"] += 1
    report["tokens_revoked"] = REVOKE_NOTE
    return report
