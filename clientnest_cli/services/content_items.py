"""What a content file (Markdown or a CSV row) says, before it is matched to posts.

Shared by the two readers (``content_markdown``, ``content_csv``), the import
(``content_import``) and the export (``content_export``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from clientnest_cli.errors import BadInput
from clientnest_cli.services.posts import ComposeRequest

THREAD_SEPARATOR = "\n\n---\n\n"


@dataclass
class ImportItem:
    source: str  # Post.source_file: resolved path (+ "#key" for a CSV row)
    where: str  # for messages: "a.md", "posts.csv row 3"
    draft: ComposeRequest
    folder: Path  # the imported file's folder: media must lie inside it
    post_id: int | None = None  # `id:` — the post this file is (an exported file)
    group: str = ""  # `group:` — the cross-post this file belongs to
    status: str = ""  # `status:` as written; never promotes a post


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # invalid items (with --skip-invalid)
    unchanged: list[str] = field(default_factory=list)  # left as they were, and why
    notes: list[str] = field(default_factory=list)  # those of ``unchanged`` with a reason


def as_list(value: Any, split: str = r"[,\s]+") -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(split, str(value)) if p.strip()]


def truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "y", "on")


def when(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip() or None


def post_id(value: Any, where: str) -> int | None:
    """The `id:` of an exported file: a positive whole number, or None when absent."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise BadInput(f"{where}: id '{text[:40]}' is not a post id", hint="ids are whole numbers")
    return int(text)


def group_id(value: Any, where: str) -> str:
    text = str(value or "").strip()
    if text and not re.fullmatch(r"[0-9a-fA-F]{1,32}", text):
        raise BadInput(f"{where}: group '{text[:40]}' is not a group id")
    return text.lower()


def media_pairs(
    base: Path, media: list[str], alts: list[str], where: str
) -> list[tuple[Path, str]]:
    """(path, alt) pairs; a relative path is taken from the imported file's folder."""
    if len(alts) > len(media):
        raise BadInput(f"{where}: {len(alts)} alt texts for {len(media)} media files")
    pairs = []
    for i, name in enumerate(media):
        path = Path(name).expanduser()
        pairs.append(
            (path if path.is_absolute() else base / path, alts[i] if i < len(alts) else "")
        )
    return pairs


def read_text(path: Path, encoding: str = "utf-8") -> str:
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise BadInput(f"file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
