"""Data rights: export everything held about a person, and erase it.

``export_user`` writes one JSON file (profile, posts authored, approvals, AI
usage, queued replies, audit events). ``erase_user`` removes the person's
personal data: their posts and accounts are reassigned (``--reassign-to``) or
anonymised, their AI usage is kept without them, audit rows stay with a
pseudonym, their keyring entries and log lines go. ``users remove`` is
``erase`` without the export.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import User


def write_private_json(path: Path, data: Any, force: bool = False) -> None:
    """``data`` as JSON in a new 0600 file (refuses to overwrite unless ``force``)."""
    path = Path(path).expanduser()
    if path.exists() and not force:
        raise BadInput(f"{path} already exists", hint="choose another file name")
    if not path.parent.is_dir():
        raise BadInput(f"folder {path.parent} does not exist")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, default=str, ensure_ascii=False)
        handle.write("\n")


def _rows(items: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{f: getattr(item, f) for f in fields} for item in items]


def person_data(session: Session, user: User) -> dict[str, Any]:
    from clientnest_cli.store.people_repos import People

    people, uid = People(session), user.id or 0
    post_fields = ("id", "account_id", "content", "status", "scheduled_at", "published_at")
    post_fields += ("approval_status", "created_at")
    return {
        "profile": user.model_dump(mode="json"),
        "posts_authored": _rows(people.posts_by(uid), post_fields),
        "approvals": _rows(people.posts_approved_by(uid), ("id", "approval_status", "approved_at")),
        "accounts_connected": _rows(
            people.accounts_connected(uid), ("id", "platform", "handle", "created_at")
        ),
        "ai_usage": _rows(
            people.ai_requests(uid),
            ("purpose", "model", "prompt_tokens", "completion_tokens", "cost", "created_at"),
        ),
        "ai_jobs": _rows(people.ai_jobs(uid), ("id", "kind", "status", "created_at")),
        "replies": _rows(people.replies(uid), ("id", "comment_id", "text", "status", "created_at")),
        "audit_events": _rows(
            people.audit_naming([user.email]),
            ("created_at", "actor", "action", "object_type", "object_id", "details"),
        ),
    }


def export_user(ctx: AppContext, email: str, path: Path, force: bool = False) -> dict[str, int]:
    """Everything held about ``email`` as one JSON file; counts per section.

    Admins export anyone; a person may export themselves."""
    from clientnest_cli.services.users import get_user

    with ctx.store.session() as session:
        actor = ctx.actor(session)
        user = get_user(session, email)
        if actor.id != user.id:
            actor = ctx.require(session, Role.ADMIN, "exporting someone else's data")
        data = person_data(session, user)
        write_private_json(path, {"format": "clientnest.person/1", **data}, force)
        ctx.audit(session, actor.email, "user.export", "user", user.id)
    return {k: len(v) for k, v in data.items() if isinstance(v, list)}


def pseudonym(user: User) -> str:
    digest = hashlib.sha256(f"{user.id}:{user.email.lower()}".encode()).hexdigest()
    return f"erased-user-{digest[:10]}"


def erase_user(
    ctx: AppContext, email: str, reassign_to: str | None = None, action: str = "user.erase"
) -> dict[str, Any]:
    """Remove a person's personal data and report what was done."""
    from clientnest_cli.services.users import _keep_an_owner, _only_owner_grants_owner, get_user
    from clientnest_cli.store.people_repos import People

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "removing users")
        user = get_user(session, email)
        _only_owner_grants_owner(actor, Role(user.role), user)
        if user.role == Role.OWNER:
            _keep_an_owner(session)
        target = get_user(session, reassign_to) if reassign_to else None
        if target is not None and target.id == user.id:
            raise BadInput("--reassign-to names the person being erased")
        if actor.id == user.id:
            raise BadInput("you cannot erase yourself", hint="ask another admin or owner")
        people, alias = People(session), pseudonym(user)
        report: dict[str, Any] = {"pseudonym": alias}
        report |= people.hand_over(user.id or 0, target.id if target else None)
        needles = [user.email] + ([user.name] if len(user.name.strip()) >= 3 else [])
        report["audit_events_pseudonymised"] = people.pseudonymise_audit(needles, alias)
        report["policy_keys_pseudonymised"] = people.pseudonymise_policy(user.email, alias)
        report["keyring_entries_deleted"] = _forget_secrets(ctx, user)
        report["log_files_scrubbed"] = _scrub_logs(ctx, needles, alias)
        people.delete_user(user)
        report["reassigned_to"] = target.email if target else None
        ctx.audit(
            session,
            actor.email,
            action,
            "user",
            user.id,
            pseudonym=alias,
            reassigned_to=report["reassigned_to"],
        )
        return report


def user_secret_keys(user: User) -> list[str]:
    """Keyring entries that belong to one person (none are per-person today but the
    namespace is reserved: ``user:<id>:<what>``)."""
    return [f"user:{user.id}:ai_key"]


def _forget_secrets(ctx: AppContext, user: User) -> int:
    from clientnest_cli.errors import SecretsError

    deleted = 0
    for key in user_secret_keys(user):
        try:
            if ctx.secrets.get(key):
                ctx.secrets.delete(key)
                deleted += 1
        except SecretsError:
            continue  # no usable keyring here: nothing of theirs can be in it
    return deleted


def _scrub_logs(ctx: AppContext, needles: list[str], alias: str) -> int:
    from clientnest_cli.store.people_repos import replace_names

    log_dir = ctx.paths.log_dir
    changed = 0
    if not log_dir.is_dir():
        return 0
    for path in sorted(log_dir.iterdir()):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        new = replace_names(text, needles, alias)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed
