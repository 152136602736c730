"""Posts as files, so content can live in git.

Import: a Markdown file with front matter (to, at, media, alt, hashtags,
category, thread, numbering) is one post (one per target); a CSV file has one
post per row (columns text, to, at, media, alt, hashtags, category; optional
thread, key). Every item is checked before anything is written; with
``skip_invalid`` the valid ones are imported and the rest reported.
Re-importing updates the posts made from the same file (or CSV row: the
``key`` column if present, else the row number) instead of adding new ones.

Export: Markdown files (one per post, into a folder), one CSV, or JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import PostStatus, Role
from clientnest_cli.domain.post_states import APPROVAL_REQUIRED, can_transition, check_status
from clientnest_cli.errors import BadInput, ValidationFailed
from clientnest_cli.services.posts import (
    ComposePlan,
    ComposeRequest,
    TargetPlan,
    add_media_rows,
    check_scheduled_limit,
    label,
    plan_compose,
    store_media,
    write_plan,
)
from clientnest_cli.store.models import Post
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Accounts

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import User

FRONT_MATTER_KEYS = {"to", "at", "media", "alt", "hashtags", "category", "thread", "numbering",
                     "id", "status"}  # fmt: skip
CSV_COLUMNS = ["text", "to", "at", "media", "alt", "hashtags", "category"]
CSV_OPTIONAL = {"thread", "key", "id", "status"}
THREAD_SEPARATOR = "\n\n---\n\n"


@dataclass
class ImportItem:
    source: str  # Post.source_file: resolved path (+ "#key" for a CSV row)
    where: str  # for messages: "a.md", "posts.csv row 3"
    draft: ComposeRequest


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # invalid items (with --skip-invalid)
    unchanged: list[str] = field(default_factory=list)  # left alone, and why


# --- reading files ---------------------------------------------------------------------


def _as_list(value: Any, split: str = r"[,\s]+") -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(split, str(value)) if p.strip()]


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "y", "on")


def _when(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip() or None


def _media_pairs(
    base: Path, media: list[str], alts: list[str], where: str
) -> list[tuple[Path, str]]:
    if len(alts) > len(media):
        raise BadInput(f"{where}: {len(alts)} alt texts for {len(media)} media files")
    pairs = []
    for i, name in enumerate(media):
        path = Path(name).expanduser()
        pairs.append(
            (path if path.is_absolute() else base / path, alts[i] if i < len(alts) else "")
        )
    return pairs


def read_markdown(path: Path) -> ImportItem:
    import frontmatter

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
    try:
        doc = frontmatter.loads(text)
    except Exception as exc:  # yaml's errors, or front matter that is not a mapping
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(
            f"{path}: malformed front matter ({first})",
            hint="the part between the --- lines must be YAML key: value pairs",
        ) from None
    meta = doc.metadata
    if not isinstance(meta, dict):
        raise BadInput(f"{path}: the front matter is not a set of key: value pairs")
    unknown = sorted(set(meta) - FRONT_MATTER_KEYS)
    if unknown:
        raise BadInput(
            f"{path}: unknown front matter key(s): {', '.join(map(str, unknown))}",
            hint=f"known keys: {', '.join(sorted(FRONT_MATTER_KEYS - {'id', 'status'}))}",
        )
    where = path.name
    draft = ComposeRequest(
        text=doc.content,
        targets=_as_list(meta.get("to")),
        media=_media_pairs(
            path.parent, _as_list(meta.get("media")), _as_list(meta.get("alt"), r"\|"), where
        ),
        thread=_truthy(meta.get("thread")),
        numbering=_truthy(meta.get("numbering")),
        category=str(meta.get("category") or ""),
        hashtags=_as_list(meta.get("hashtags")),
        at=_when(meta.get("at")),
    )
    return ImportItem(str(path.resolve()), where, draft)


def read_csv(path: Path) -> tuple[list[ImportItem], list[str]]:
    """Items of a CSV, and the rows that cannot even be read as posts."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in ("text", "to") if c not in columns]
    if missing:
        raise BadInput(
            f"{path}: no column(s) {', '.join(missing)}",
            hint=f"the first line names the columns: {','.join(CSV_COLUMNS)}",
        )
    unknown = sorted(set(columns) - set(CSV_COLUMNS) - CSV_OPTIONAL)
    if unknown:
        raise BadInput(f"{path}: unknown column(s): {', '.join(unknown)}")
    items, errors, keys = [], [], set()
    resolved = str(path.resolve())
    for number, raw in enumerate(reader, 1):
        row = {(k or "").strip().lower(): (v or "") for k, v in raw.items() if k is not None}
        if None in raw:
            errors.append(f"{path.name} row {number}: more cells than columns")
            continue
        key = row.get("key", "").strip() or f"row-{number}"
        where = f"{path.name} row {number}"
        if key in keys:
            errors.append(f"{where}: key '{key}' is used twice")
            continue
        keys.add(key)
        try:
            draft = ComposeRequest(
                text=row.get("text", ""),
                targets=_as_list(row.get("to")),
                media=_media_pairs(
                    path.parent,
                    _as_list(row.get("media"), r"\|"),
                    _as_list(row.get("alt"), r"\|"),
                    where,
                ),
                thread=_truthy(row.get("thread")),
                category=row.get("category", ""),
                hashtags=_as_list(row.get("hashtags")),
                at=_when(row.get("at")),
            )
        except BadInput as exc:
            errors.append(exc.one_line())
            continue
        items.append(ImportItem(f"{resolved}#{key}", where, draft))
    return items, errors


# --- importing -------------------------------------------------------------------------


def _problems(where: str, exc: BadInput) -> list[str]:
    return [f"{where}: {exc.one_line()}"] + [
        f"{where}: {v}" for v in getattr(exc, "violations", [])
    ]


def import_files(ctx: AppContext, files: list[Path], *, skip_invalid: bool = False) -> ImportReport:
    if not files:
        raise BadInput("no files to import")
    items: list[ImportItem] = []
    problems: list[str] = []
    invalid = unreadable = 0
    for path in files:
        path = Path(path).expanduser()
        if path.suffix.lower() == ".csv":
            found, errors = read_csv(path)
            items += found
            problems += errors
            invalid += len(errors)
            unreadable += len(errors)
        elif path.suffix.lower() in (".md", ".markdown"):
            items.append(read_markdown(path))
        else:
            raise BadInput(f"{path}: not a .md or .csv file")
    report = ImportReport()
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "importing posts")
        plans: list[tuple[ImportItem, ComposePlan, list[Post]]] = []
        for item in items:
            existing = list(Posts(session).by_source(item.source))
            if existing and all(p.status in _SETTLED for p in existing):
                report.unchanged.append(
                    f"{item.where}: already {existing[0].status}; left as it is"
                )
                continue
            try:
                plans.append((item, plan_compose(ctx, session, actor, item.draft), existing))
            except BadInput as exc:
                problems += _problems(item.where, exc)
                invalid += 1
        if problems and not skip_invalid:
            raise ValidationFailed(
                f"{invalid} of {len(items) + unreadable} item(s) are invalid; nothing was imported",
                violations=problems,
                hint="fix them, or import the valid ones with --skip-invalid",
            )
        report.skipped = problems
        check_scheduled_limit(ctx, session, actor, sum(_new_scheduled(p, e) for _, p, e in plans))
        for item, plan, existing in plans:
            if existing:
                _update(ctx, session, actor, item, plan, existing, report)
            else:
                for post in write_plan(ctx, session, actor, plan, source_file=item.source):
                    if post.thread_parent_id is None:
                        report.created.append(post.id or 0)
                        ctx.audit(
                            session, actor.email, "post.import", "post", post.id, created=True
                        )
        return report


_SETTLED = {PostStatus.PUBLISHED, PostStatus.PUBLISHING}


def _new_scheduled(plan: ComposePlan, existing: list[Post]) -> int:
    if not plan.times:
        return 0
    already = {p.account_id for p in existing if p.status == PostStatus.SCHEDULED}
    return sum(len(t.parts) for t in plan.targets if t.account.id not in already)


def _update(
    ctx: AppContext,
    session: Session,
    actor: User,
    item: ImportItem,
    plan: ComposePlan,
    existing: list[Post],
    report: ImportReport,
) -> None:
    by_account = {p.account_id: p for p in existing}
    group = existing[0].group_id
    new_targets: list[TargetPlan] = []
    names: list[str] | None = None
    for target in plan.targets:
        post = by_account.pop(target.account.id or 0, None)
        if post is None:
            new_targets.append(target)
            continue
        if post.status in _SETTLED:
            report.unchanged.append(f"{item.where}: post {post.id} is {post.status}; left as it is")
            continue
        wanted = PostStatus.SCHEDULED if plan.times else PostStatus.DRAFT
        if post.status != wanted and not can_transition(post.status, wanted):
            report.unchanged.append(f"{item.where}: post {post.id} is {post.status}; left as it is")
            continue
        if names is None:
            names = store_media(ctx, plan.media)
        _rewrite(session, post, target, plan, names, wanted)
        if post.approval_status != "not_required" and actor.role == Role.EDITOR:
            post.approval_status, post.approved_by, post.approved_at = APPROVAL_REQUIRED, None, None
        report.updated.append(post.id or 0)
        ctx.audit(session, actor.email, "post.import", "post", post.id, created=False)
    if new_targets:
        extra = ComposePlan(**{**plan.__dict__, "targets": new_targets})
        for post in write_plan(ctx, session, actor, extra, source_file=item.source, group_id=group):
            if post.thread_parent_id is None:
                report.created.append(post.id or 0)
                ctx.audit(session, actor.email, "post.import", "post", post.id, created=True)
    for post in by_account.values():
        report.unchanged.append(
            f"{item.where}: post {post.id} is no longer among the file's targets; left as it is"
        )


def _rewrite(
    session: Session,
    post: Post,
    target: TargetPlan,
    plan: ComposePlan,
    names: list[str],
    status: str,
) -> None:
    from clientnest_cli.store.types import utcnow

    posts = Posts(session)
    when = plan.times[0] if plan.times else None
    now = utcnow()

    def fill(row: Post, content: str) -> None:
        row.content, row.hashtags, row.category = content, list(plan.hashtags), plan.category
        row.status, row.scheduled_at, row.updated_at = status, when, now
        row.attempts, row.next_attempt_at, row.last_error = 0, None, ""
        session.add(row)

    fill(post, target.parts[0])
    posts.remove_media(post.id or 0)
    add_media_rows(session, post.id or 0, plan.media, names)
    parts = list(posts.thread_parts(post.id or 0))
    for position, content in enumerate(target.parts[1:], 1):
        if position <= len(parts):
            fill(parts[position - 1], content)
            continue
        child = Post(
            account_id=post.account_id,
            content=content,
            group_id=post.group_id,
            thread_parent_id=post.id,
            thread_position=position,
            approval_status=post.approval_status,
            created_by=post.created_by,
        )
        fill(child, content)
        posts.add(child)
    for extra in parts[len(target.parts) - 1 :]:
        session.delete(extra)
    session.flush()


# --- exporting -------------------------------------------------------------------------


@dataclass
class ExportResult:
    count: int
    where: str = ""
    text: str | None = None  # set when written to standard output


def _records(ctx: AppContext, status: str | None) -> list[dict[str, Any]]:
    statuses = [check_status(s) for s in (status or "").split(",") if s.strip()]
    with ctx.store.session() as session:
        ctx.actor(session)
        posts, accounts = Posts(session), Accounts(session)
        records = []
        for post in posts.export_rows(statuses):
            account = accounts.by_id(post.account_id)
            parts = posts.thread_parts(post.id or 0)
            media = posts.media(post.id or 0)
            records.append(
                {
                    "id": post.id,
                    "status": post.status,
                    "to": label(account) if account else "",
                    "at": post.scheduled_at.isoformat() if post.scheduled_at else "",
                    "text": THREAD_SEPARATOR.join([post.content, *[p.content for p in parts]]),
                    "thread": bool(parts),
                    "media": [str(ctx.paths.media_dir / m.file) for m in media],
                    "alt": [m.alt_text for m in media],
                    "hashtags": list(post.hashtags),
                    "category": post.category,
                }
            )
        return records


def _slug(text: str) -> str:
    words = re.findall(r"\w+", text.lower())[:6]
    return "-".join(words)[:50] or "post"


def _markdown(record: dict[str, Any]) -> str:
    import yaml

    meta = {"id": record["id"], "status": record["status"], "to": record["to"]}
    if record["at"]:
        meta["at"] = record["at"]
    for key in ("media", "alt", "hashtags"):
        if record[key]:
            meta[key] = record[key]
    if record["category"]:
        meta["category"] = record["category"]
    if record["thread"]:
        meta["thread"] = True
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{head}\n---\n\n{record['text']}\n"


def export_posts(
    ctx: AppContext, fmt: str, *, status: str | None = None, output: Path | None = None
) -> ExportResult:
    fmt = (fmt or "").lower()
    if fmt not in ("md", "csv", "json"):
        raise BadInput(f"unknown format '{fmt}'", hint="use md, csv or json")
    if fmt == "md" and output is None:
        raise BadInput(
            "Markdown export writes one file per post", hint="name a folder with --output DIR"
        )
    records = _records(ctx, status)
    if fmt == "md":
        assert output is not None
        folder = output.expanduser()
        if folder.exists() and not folder.is_dir():
            raise BadInput(f"{folder} is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        for record in records:
            name = f"{record['id']:05d}-{_slug(record['text'])}.md"
            (folder / name).write_text(_markdown(record), encoding="utf-8")
        return ExportResult(len(records), str(folder))
    if fmt == "json":
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["id", "status", *CSV_COLUMNS, "thread"])
        writer.writeheader()
        for record in records:
            writer.writerow(
                {
                    **record,
                    "media": "|".join(record["media"]),
                    "alt": "|".join(record["alt"]),
                    "hashtags": " ".join(record["hashtags"]),
                    "thread": "true" if record["thread"] else "",
                }
            )
        text = buffer.getvalue()
    if output is None:
        return ExportResult(len(records), "standard output", text)
    target = output.expanduser()
    if target.is_dir():
        target = target / f"posts.{fmt}"
    target.write_text(text, encoding="utf-8")
    return ExportResult(len(records), str(target))
