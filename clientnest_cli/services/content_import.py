"""Import: content files matched to the posts they are, checked, then written.

Which posts a file is:
- ``id:`` (an exported file): that post, wherever the file now lives and whatever
  it is called. With ``group:`` too, the post must be in that group. An id this
  store does not have (a file from another store) is refused unless ``--new``.
- no ``id:``: the posts made from the same file (CSV: the same ``key`` or row) by
  an earlier import; none yet means new posts (in a new group: ``group:`` alone
  matches nothing, so removing ``id:`` from an exported file makes a new post).

What happens to a matched post: nothing when the file says what the post already
is ("left as it was"); refused when it is published or publishing and the file
differs; otherwise updated in place. The status written in a file never promotes
a post: a draft is scheduled only by ``--schedule`` or by an ``at:`` that differs
from the post's. Media must lie in the imported file's folder (or under a
``--media-root``), or be the files the matched post already has.

Every item is checked before anything is written; with ``skip_invalid`` the
valid ones are imported and the rest reported.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import PostStatus, Role
from clientnest_cli.domain.post_states import can_transition
from clientnest_cli.errors import BadInput, ValidationFailed
from clientnest_cli.services.content_csv import read_csv
from clientnest_cli.services.content_items import ImportItem, ImportReport
from clientnest_cli.services.content_markdown import read_markdown
from clientnest_cli.services.posts import (
    ComposePlan,
    TargetPlan,
    add_media_rows,
    back_to_approval,
    check_scheduled_limit,
    label,
    plan_compose,
    store_media,
    write_plan,
)
from clientnest_cli.store.models import Post
from clientnest_cli.store.post_repos import Posts

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import User

# on (or perhaps on) the platform: a file may not change them
SETTLED = {
    PostStatus.PUBLISHED,
    PostStatus.PUBLISHING,
    PostStatus.CHECKING,
    PostStatus.UNCONFIRMED,
    PostStatus.DELETED,
}


@dataclass
class ImportOptions:
    skip_invalid: bool = False
    new: bool = False  # create posts from files whose id/group this store does not know
    schedule: bool = False  # drafts whose file has an `at:` become scheduled
    media_roots: list[Path] = field(default_factory=list)


@dataclass
class _Update:
    post: Post
    target: TargetPlan
    status: str


@dataclass
class _Action:
    item: ImportItem
    plan: ComposePlan
    updates: list[_Update] = field(default_factory=list)
    new_targets: list[TargetPlan] = field(default_factory=list)
    group: str | None = None  # the group new posts join
    drafts: bool = False  # new posts stay drafts whatever the file's `at:`
    notes: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def scheduled_added(self) -> int:
        adding = sum(
            len(u.target.parts)
            for u in self.updates
            if u.status == PostStatus.SCHEDULED and u.post.status != PostStatus.SCHEDULED
        )
        if self.plan.times and not self.drafts:
            adding += sum(len(t.parts) for t in self.new_targets)
        return adding


# --- reading ---------------------------------------------------------------------------


def _read(files: list[Path]) -> tuple[list[ImportItem], list[str], int]:
    """Items of every file, the problems of unreadable CSV rows, and how many there were."""
    if not files:
        raise BadInput("no files to import")
    items: list[ImportItem] = []
    problems: list[str] = []
    for path in files:
        path = Path(path).expanduser()
        if path.suffix.lower() == ".csv":
            found, errors = read_csv(path)
            items += found
            problems += errors
        elif path.suffix.lower() in (".md", ".markdown"):
            items.append(read_markdown(path))
        else:
            raise BadInput(f"{path}: not a .md or .csv file")
    return items, problems, len(problems)


def _media_roots(roots: list[Path]) -> list[Path]:
    resolved = []
    for root in roots:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise BadInput(f"--media-root {root} is not a folder")
        resolved.append(path.resolve())
    return resolved


# --- matching --------------------------------------------------------------------------


def _unknown(what: str, item: ImportItem) -> BadInput:
    return BadInput(
        f"{item.where}: {what} is not in this store (is the file from another one?)",
        hint="add --new to create it as a new post",
    )


def _matched(session: Session, item: ImportItem, opts: ImportOptions) -> tuple[list[Post], bool]:
    """The posts ``item`` is, and whether it is a known file from another store."""
    posts = Posts(session)
    if item.post_id is not None:
        post = posts.by_id(item.post_id)
        if post is not None and post.thread_parent_id is not None:
            raise BadInput(
                f"{item.where}: post {item.post_id} is a part of a thread",
                hint=f"edit the thread's first post, {post.thread_parent_id}",
            )
        if post is None or (item.group and post.group_id != item.group):
            if not opts.new:
                raise _unknown(f"post {item.post_id}", item)
            return [], True
        return [post], False
    return list(posts.by_source(item.source)), False


def _confine_media(
    ctx: AppContext, session: Session, item: ImportItem, existing: list[Post], roots: list[Path]
) -> None:
    """Refuse media outside the file's folder and the --media-root folders, unless it is
    a file the matched posts already have (an exported file names the store's copy)."""
    posts = Posts(session)
    own = {
        (ctx.paths.media_dir / m.file).resolve() for p in existing for m in posts.media(p.id or 0)
    }
    allowed = [item.folder.resolve(), *roots]
    for path, _alt in item.draft.media:
        real = path.resolve()
        if real in own or any(real.is_relative_to(root) for root in allowed):
            continue
        shown = path.relative_to(item.folder) if path.is_relative_to(item.folder) else path
        raise BadInput(
            f"{item.where}: media {shown} is outside the file's folder",
            hint="move it next to the file, or allow its folder with --media-root DIR",
        )


# --- deciding --------------------------------------------------------------------------


def _wanted_status(post: Post, when: datetime | None, opts: ImportOptions) -> str:
    """A file never promotes: a draft is scheduled only by --schedule or a new `at:`."""
    if when is None:
        return PostStatus.DRAFT if post.status == PostStatus.SCHEDULED else post.status
    if post.status == PostStatus.SCHEDULED:
        return PostStatus.SCHEDULED
    if opts.schedule or when != post.scheduled_at:
        return PostStatus.SCHEDULED
    return post.status


def _same(
    posts: Posts, post: Post, target: TargetPlan, plan: ComposePlan, when: datetime | None
) -> bool:
    """Whether the file says what ``post`` already is: text, parts, tags, category,
    media and time (a published or publishing post on everything but its time)."""
    parts = [post.content, *[p.content for p in posts.thread_parts(post.id or 0)]]
    media = [(m.sha256, m.alt_text) for m in sorted(posts.media(post.id or 0), key=_position)]
    return (
        parts == target.parts
        and list(post.hashtags) == plan.hashtags
        and post.category == plan.category
        and media == [(m.sha256, m.alt_text) for m in plan.media]
        and (post.status in SETTLED or post.scheduled_at == when)
    )


def _position(media: object) -> int:
    return getattr(media, "position", 0)


def _decide(
    session: Session,
    item: ImportItem,
    plan: ComposePlan,
    existing: list[Post],
    action: _Action,
    opts: ImportOptions,
) -> None:
    posts = Posts(session)
    when = plan.times[0] if plan.times else None
    by_account = {p.account_id: p for p in existing}
    if item.post_id is not None and existing:
        post = existing[0]
        names = [label(t.account) for t in plan.targets]
        if [t.account.id for t in plan.targets] != [post.account_id]:
            raise BadInput(
                f"{item.where}: post {post.id} is not for {', '.join(names)}",
                hint="a file with `id:` updates that one post; remove `id:` to post elsewhere",
            )
    for target in plan.targets:
        post = by_account.pop(target.account.id or 0, None)
        if post is None:
            action.new_targets.append(target)
            continue
        if post.status in SETTLED:
            if not _same(posts, post, target, plan, when):
                raise BadInput(
                    f"{item.where}: post {post.id} is already {post.status} — remove `id:` "
                    "to make a new post"
                    if item.post_id is not None
                    else f"{item.where}: post {post.id} (made from this file) is already "
                    f"{post.status} — copy the file to a new name to make a new post"
                )
            action.unchanged.append(f"{item.where}: post {post.id} left as it was")
            continue
        status = _wanted_status(post, when, opts)
        if status == post.status and _same(posts, post, target, plan, when):
            action.unchanged.append(f"{item.where}: post {post.id} left as it was")
        elif status != post.status and not can_transition(post.status, status):
            action.notes.append(f"{item.where}: post {post.id} is {post.status}; left as it is")
        else:
            action.updates.append(_Update(post, target, status))
    for post in by_account.values():
        action.notes.append(
            f"{item.where}: post {post.id} is no longer among the file's targets; left as it is"
        )


def _prepare(
    ctx: AppContext,
    session: Session,
    actor: User,
    item: ImportItem,
    opts: ImportOptions,
    roots: list[Path],
) -> _Action:
    existing, foreign = _matched(session, item, opts)
    _confine_media(ctx, session, item, existing, roots)
    plan = _plan(ctx, session, actor, item, existing)
    action = _Action(item, plan, group=existing[0].group_id if existing else None)
    # an exported file's `at:` was not written by the user: it schedules nothing new
    action.drafts = (foreign and not opts.schedule) or item.status == PostStatus.DRAFT
    _decide(session, item, plan, existing, action, opts)
    return action


def _plan(
    ctx: AppContext, session: Session, actor: User, item: ImportItem, existing: list[Post]
) -> ComposePlan:
    """The checked plan; a past `at:` is fine when it is the time the post already has
    (an exported file of a post that went out, or is overdue)."""
    kept = _kept_past_time(item.draft.at, actor.timezone, existing)
    if kept is None:
        return plan_compose(ctx, session, actor, item.draft)
    plan = plan_compose(ctx, session, actor, replace(item.draft, at=None))
    plan.times = [kept]
    return plan


def _kept_past_time(at: str | None, tz_name: str, existing: list[Post]) -> datetime | None:
    from clientnest_cli.services.timeparse import parse_when
    from clientnest_cli.store.types import utcnow

    if not at or not existing:
        return None
    try:
        when = parse_when(at, tz_name, allow_past=True)
    except BadInput:
        return None
    if when > utcnow() or not any(p.scheduled_at == when for p in existing):
        return None
    return when


def _problems(where: str, exc: BadInput) -> list[str]:
    first = exc.one_line()
    if not first.startswith(where):
        first = f"{where}: {first}"
    return [first] + [f"{where}: {v}" for v in getattr(exc, "violations", [])]


def _twice(items: list[ImportItem]) -> tuple[list[str], set[int]]:
    """Problems for the items naming a post an earlier item names, and their indexes."""
    seen: dict[int, str] = {}
    problems, again = [], set()
    for index, item in enumerate(items):
        if item.post_id is None:
            continue
        if item.post_id in seen:
            problems.append(f"{item.where}: post {item.post_id} is also {seen[item.post_id]}")
            again.add(index)
        seen.setdefault(item.post_id, item.where)
    return problems, again


# --- writing ---------------------------------------------------------------------------


def import_files(
    ctx: AppContext, files: list[Path], opts: ImportOptions | None = None
) -> ImportReport:
    opts = opts or ImportOptions()
    roots = _media_roots(opts.media_roots)
    items, problems, unreadable = _read(files)
    twice, again = _twice(items)
    problems += twice
    report = ImportReport()
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "importing posts")
        actions: list[_Action] = []
        for index, item in enumerate(items):
            if index in again:
                continue
            try:
                actions.append(_prepare(ctx, session, actor, item, opts, roots))
            except BadInput as exc:
                problems += _problems(item.where, exc)
        if problems and not opts.skip_invalid:
            if len(problems) == 1 and len(items) + unreadable == 1:
                raise BadInput(problems[0])  # one file, one reason: one line
            invalid = len(items) + unreadable - len(actions)
            raise ValidationFailed(
                f"{invalid} of {len(items) + unreadable} item(s) are invalid; nothing was imported",
                violations=problems,
                hint="fix them, or import the valid ones with --skip-invalid",
            )
        report.skipped = problems
        check_scheduled_limit(ctx, session, actor, sum(a.scheduled_added() for a in actions))
        groups: dict[str, str] = {}  # a foreign group -> the new group of its posts here
        for action in actions:
            _apply(ctx, session, actor, action, report, groups)
        return report


def _apply(
    ctx: AppContext,
    session: Session,
    actor: User,
    action: _Action,
    report: ImportReport,
    groups: dict[str, str],
) -> None:
    item, plan = action.item, action.plan
    report.unchanged += action.unchanged + action.notes
    report.notes += action.notes
    names = store_media(ctx, plan.media) if action.updates else []
    for update in action.updates:
        _rewrite(session, update, plan, names)
        back_to_approval(ctx, session, actor, [update.post])
        report.updated.append(update.post.id or 0)
        ctx.audit(session, actor.email, "post.import", "post", update.post.id, created=False)
    if not action.new_targets:
        return
    group = action.group
    if group is None and item.group and item.post_id is not None:
        group = groups.setdefault(item.group, uuid.uuid4().hex)
    extra = ComposePlan(**{**plan.__dict__, "targets": action.new_targets})
    for post in write_plan(ctx, session, actor, extra, source_file=item.source, group_id=group):
        if action.drafts:
            post.status = PostStatus.DRAFT
            session.add(post)
        if post.thread_parent_id is None:
            report.created.append(post.id or 0)
            ctx.audit(session, actor.email, "post.import", "post", post.id, created=True)


def _rewrite(session: Session, update: _Update, plan: ComposePlan, names: list[str]) -> None:
    from clientnest_cli.store.types import utcnow

    posts = Posts(session)
    post, target = update.post, update.target
    when = plan.times[0] if plan.times else None
    now = utcnow()

    def fill(row: Post, content: str) -> None:
        row.content, row.hashtags, row.category = content, list(plan.hashtags), plan.category
        row.status, row.scheduled_at, row.updated_at = update.status, when, now
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
