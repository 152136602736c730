"""Where a platform that pulls media by URL (Instagram, Threads, TikTok photos) finds a file.

``MediaItem.public_url`` when the caller set one; otherwise the account's
``media_base_url`` setting + "/" + the file name (the service serves the
store's media there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from clientnest_cli.domain.outgoing import MediaItem, Violation
from clientnest_cli.errors import PlatformError


def public_url_for(
    item: MediaItem, settings: Mapping[str, str], platform: str, display: str
) -> str:
    if item.public_url:
        return item.public_url
    base = settings.get("media_base_url", "").rstrip("/")
    if not base:
        raise PlatformError(
            f"{display} fetches media from a public URL and none is set for {item.path.name}",
            platform=platform,
            hint="set the account's media_base_url to where the media files are served",
        )
    return f"{base}/{quote(item.path.name)}"


def url_violations(
    media: Iterable[MediaItem], settings: Mapping[str, str], platform: str, display: str
) -> list[Violation]:
    """A violation when some file has no public URL and no media_base_url is set."""
    if settings.get("media_base_url") or all(m.public_url for m in media):
        return []
    detail = f"{display} fetches media from a public URL; set the account's media_base_url"
    return [Violation(platform, "media_url", detail)]
