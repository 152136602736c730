"""Markdown with front matter: one file is one post (one per target when written by hand).

Keys: to, at, media, alt, hashtags, category, thread, numbering; an exported
file also carries id, group and status (status is for reading only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clientnest_cli.errors import BadInput
from clientnest_cli.services.content_items import (
    ImportItem,
    as_list,
    group_id,
    media_pairs,
    post_id,
    read_text,
    truthy,
    when,
)
from clientnest_cli.services.posts import ComposeRequest

EXPORT_KEYS = {"id", "group", "status"}
FRONT_MATTER_KEYS = {"to", "at", "media", "alt", "hashtags", "category", "thread",
                     "numbering"} | EXPORT_KEYS  # fmt: skip


def read_markdown(path: Path) -> ImportItem:
    import frontmatter

    text = read_text(path)
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
    unknown = sorted(set(map(str, meta)) - FRONT_MATTER_KEYS)
    if unknown:
        raise BadInput(
            f"{path}: unknown front matter key(s): {', '.join(unknown)}",
            hint=f"known keys: {', '.join(sorted(FRONT_MATTER_KEYS - EXPORT_KEYS))}",
        )
    where = path.name
    draft = ComposeRequest(
        text=doc.content,
        targets=as_list(meta.get("to")),
        media=media_pairs(
            path.parent, as_list(meta.get("media")), as_list(meta.get("alt"), r"\|"), where
        ),
        thread=truthy(meta.get("thread")),
        numbering=truthy(meta.get("numbering")),
        category=str(meta.get("category") or ""),
        hashtags=as_list(meta.get("hashtags")),
        at=when(meta.get("at")),
    )
    return ImportItem(
        source=str(path.resolve()),
        where=where,
        draft=draft,
        folder=path.parent,
        post_id=post_id(meta.get("id"), where),
        group=group_id(meta.get("group"), where),
        status=str(meta.get("status") or "").strip().lower(),
    )


def render_markdown(record: dict[str, Any], media: list[str]) -> str:
    """One exported post as Markdown; ``media`` are the paths to write for its files."""
    import yaml

    meta: dict[str, Any] = {
        "id": record["id"],
        "group": record["group"],
        "status": record["status"],
        "to": record["to"],
    }
    if record["at"]:
        meta["at"] = record["at"]
    if media:
        meta["media"] = media
    for key in ("alt", "hashtags"):
        if record[key]:
            meta[key] = record[key]
    if record["category"]:
        meta["category"] = record["category"]
    if record["thread"]:
        meta["thread"] = True
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{head}\n---\n\n{record['text']}\n"
