"""Export: Markdown files (one per post, into a folder), one CSV, or JSON.

Every exported post carries its id and group, so importing the file again
updates that post wherever the file has moved. Markdown and CSV files written
to disk get copies of their media in a ``media/`` folder beside them, named by
content, so the folder moves (or goes into git) as one piece and re-imports
from inside itself; CSV on standard output and JSON name the store's own
files. Files are written without
following symbolic links (a link where a file would go is refused, and nothing
is written), and created with the user's umask but never group- or
world-writable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.post_states import check_status
from clientnest_cli.errors import BadInput
from clientnest_cli.services.content_csv import render_csv
from clientnest_cli.services.content_items import THREAD_SEPARATOR
from clientnest_cli.services.content_markdown import render_markdown
from clientnest_cli.services.posts import label
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Accounts

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

NOT_SHARED_WRITABLE = 0o022
MEDIA_FOLDER = "media"  # next to exported Markdown/CSV files: copies of their media


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
                    "group": post.group_id,
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


def refuse_links(*paths: Path) -> None:
    """BadInput when any of ``paths`` is a symbolic link (checked before writing anything)."""
    for path in paths:
        if path.is_symlink():
            raise BadInput(
                f"{path} is a symbolic link; export does not write through links",
                hint="remove the link, or export to another place",
            )


def write_private(path: Path, data: str | Path) -> None:
    """Write ``data`` (text, or the bytes of a file) to ``path`` without following a link
    there; created with the user's umask, never group- or world-writable."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o666 & ~NOT_SHARED_WRITABLE)
    except OSError as exc:
        if path.is_symlink():
            refuse_links(path)
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as handle:
        mode = os.fstat(fd).st_mode & 0o777
        if mode & NOT_SHARED_WRITABLE and hasattr(os, "fchmod"):
            os.fchmod(fd, mode & ~NOT_SHARED_WRITABLE)
        if isinstance(data, str):
            handle.write(data.encode("utf-8"))
            return
        try:
            with open(data, "rb") as source:
                shutil.copyfileobj(source, handle)
        except OSError as exc:
            raise BadInput(f"cannot read the media file {data}: {exc.strerror or exc}") from None


def _with_media(folder: Path, records: list[dict[str, Any]]) -> list[tuple[Path, Path]]:
    """Point the records' media at copies in ``folder``/media (so the export moves as
    one folder and re-imports from inside it); the (copy, store file) pairs to write."""
    copies: dict[Path, Path] = {}
    for record in records:
        names = []
        for stored in map(Path, record["media"]):
            copies[folder / MEDIA_FOLDER / stored.name] = stored
            names.append(f"{MEDIA_FOLDER}/{stored.name}")
        record["media"] = names
    if copies:
        refuse_links(folder / MEDIA_FOLDER, *copies)
    return list(copies.items())


def _write_all(folder: Path, files: list[tuple[Path, str]], media: list[tuple[Path, Path]]) -> None:
    refuse_links(*(path for path, _ in files))
    folder.mkdir(parents=True, exist_ok=True)
    if media:
        (folder / MEDIA_FOLDER).mkdir(exist_ok=True)
    for copy, stored in media:
        write_private(copy, stored)
    for path, text in files:
        write_private(path, text)


def _folder(folder: Path) -> Path:
    refuse_links(folder)
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder} is not a folder")
    return folder


def _file_name(folder: Path, record: dict[str, Any]) -> str:
    """``00042-first-words.md``; a post exported here before keeps its file's name, so an
    edit of its text does not leave the old file behind (naming the same post twice)."""
    prefix = f"{record['id']:05d}-"
    earlier = sorted(folder.glob(f"{prefix}*.md")) if folder.is_dir() else []
    return earlier[0].name if earlier else f"{prefix}{_slug(record['text'])}.md"


def _markdown_files(folder: Path, records: list[dict[str, Any]]) -> ExportResult:
    folder = _folder(folder)
    media = _with_media(folder, records)
    files = [(folder / _file_name(folder, r), r) for r in records]
    _write_all(folder, [(path, render_markdown(r, r["media"])) for path, r in files], media)
    return ExportResult(len(records), str(folder))


def _csv_file(target: Path, records: list[dict[str, Any]]) -> ExportResult:
    refuse_links(target)
    if target.is_dir():
        target = target / "posts.csv"
    folder = _folder(target.parent)
    media = _with_media(folder, records)
    _write_all(folder, [(target, render_csv(records))], media)
    return ExportResult(len(records), str(target))


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
        return _markdown_files(output.expanduser(), records)
    if fmt == "json":
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_csv(records)
    if output is None:
        return ExportResult(len(records), "standard output", text)
    if fmt == "csv":
        return _csv_file(output.expanduser(), records)
    target = output.expanduser()
    refuse_links(target)
    if target.is_dir():
        target = target / f"posts.{fmt}"
        refuse_links(target)
    write_private(target, text)
    return ExportResult(len(records), str(target))
