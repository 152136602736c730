"""What a post's account allows, and its stored media as the domain sees it.

Plain functions of rows (an ORM model or a thin-store row alike), shared by
composing (services/posts.py) and the reading commands, which must not import
the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clientnest_cli.domain.outgoing import MediaItem


def max_chars(account: Any) -> int | None:
    value = (account.settings or {}).get("max_characters")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def label(account: Any) -> str:
    return f"{account.platform}:{account.handle}"


def check_parts(account: Any, parts: Sequence[str], media: Sequence[MediaItem]) -> list[str]:
    """Every violation of ``account``'s rules, as printable lines."""
    from clientnest_cli.domain.rules import validate_content

    found = []
    for index, part in enumerate(parts):
        where = label(account) + (f" part {index + 1}/{len(parts)}" if len(parts) > 1 else "")
        for v in validate_content(
            account.platform, part, media if index == 0 else (), max_chars=max_chars(account)
        ):
            over = f" ({v.over_by} over)" if v.over_by and "over" not in v.detail else ""
            found.append(f"{where}: {v.rule} — {v.detail}{over}")
    return found


def media_items(media: Sequence[Any], media_dir: Path | None = None) -> tuple[MediaItem, ...]:
    if media_dir is None:
        from clientnest_cli.paths import resolve_paths

        media_dir = resolve_paths().media_dir
    return tuple(
        MediaItem(
            path=media_dir / m.file,
            mime_type=m.media_type,
            size=m.size,
            sha256=m.sha256,
            alt_text=m.alt_text,
        )
        for m in sorted(media, key=lambda m: m.position)
    )
