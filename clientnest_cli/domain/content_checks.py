"""Checking a post's text and media against one platform's rules."""

from __future__ import annotations

from collections.abc import Sequence

import regex

from clientnest_cli.domain.counting import bluesky_bytes
from clientnest_cli.domain.outgoing import MediaItem, Violation
from clientnest_cli.domain.platform_rules import PlatformRules, char_limit, rules_for, text_length
from clientnest_cli.domain.urls import count_links

_HASHTAG = regex.compile(r"(?<![\w&])[#＃](?=\w)(?!\d+\b)\w+")
_MENTION = regex.compile(r"(?<![\w@])@[\w.]+")


def _over(count: int, limit: int, unit: str) -> str:
    return f"{count}/{limit} {unit}, {count - limit} over"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _length_violations(rules: PlatformRules, text: str, max_chars: int | None) -> list[Violation]:
    found = []
    limit = char_limit(rules.name, max_chars)
    if limit is not None:
        count = text_length(rules.name, text)
        if count > limit:
            detail = _over(count, limit, rules.unit)
            found.append(Violation(rules.name, "length", detail, count - limit))
    if rules.max_bytes is not None:
        size = bluesky_bytes(text)
        if size > rules.max_bytes:
            detail = _over(size, rules.max_bytes, "UTF-8 bytes")
            found.append(Violation(rules.name, "bytes", detail, size - rules.max_bytes))
    return found


def _limit_violation(rules: PlatformRules, rule: str, count: int, limit: int | None, what: str):
    if limit is None or count <= limit:
        return []
    detail = f"{count} {what}, {rules.display_name} allows at most {limit}"
    return [Violation(rules.name, rule, detail, count - limit)]


def _text_violations(rules: PlatformRules, text: str, has_media: bool) -> list[Violation]:
    found = []
    if not text.strip() and not has_media and not rules.media_required:
        found.append(Violation(rules.name, "empty", f"{rules.display_name} needs some text"))
    found += _limit_violation(rules, "links", count_links(text), rules.max_links, "links")
    hashtags = len(_HASHTAG.findall(text))
    found += _limit_violation(rules, "hashtags", hashtags, rules.max_hashtags, "hashtags")
    mentions = len(_MENTION.findall(text))
    found += _limit_violation(rules, "mentions", mentions, rules.max_mentions, "@mentions")
    return found


def _is_video(item: MediaItem) -> bool:
    return item.mime_type.lower().startswith("video/")


def _media_count_violations(rules: PlatformRules, media: Sequence[MediaItem]) -> list[Violation]:
    name = rules.display_name
    if not media:
        if rules.media_required:
            detail = f"{name} has no text-only posts: attach an image or video"
            return [Violation(rules.name, "media_required", detail)]
        return []
    if rules.max_media == 0:
        detail = f"{name} posts cannot carry media here"
        return [Violation(rules.name, "media_count", detail, len(media))]
    found = _limit_violation(rules, "media_count", len(media), rules.max_media, "media files")
    videos = sum(1 for item in media if _is_video(item))
    found += _limit_violation(rules, "media_count", videos, rules.max_videos, "videos")
    if not rules.mix_images_and_video and 0 < videos < len(media):
        detail = f"{name} takes either images or one video, not both"
        found.append(Violation(rules.name, "media_mix", detail))
    return found


def _media_item_violations(rules: PlatformRules, item: MediaItem) -> list[Violation]:
    found = []
    label = item.path.name or str(item.path)
    allowed = rules.allowed_media_types
    if allowed is not None and item.mime_type.lower() not in allowed:
        accepted = ", ".join(sorted(allowed))
        detail = f"{label} is {item.mime_type}; {rules.display_name} takes {accepted}"
        found.append(Violation(rules.name, "media_type", detail))
    limit = rules.max_video_bytes if _is_video(item) else rules.max_image_bytes
    if limit is not None and item.size > limit:
        detail = f"{label} is {_mb(item.size)}; the limit is {_mb(limit)}"
        found.append(Violation(rules.name, "media_size", detail, item.size - limit))
    alt_limit = rules.max_alt_chars
    if alt_limit is not None and len(item.alt_text) > alt_limit:
        detail = f"{label}: {_over(len(item.alt_text), alt_limit, 'characters of alt text')}"
        found.append(Violation(rules.name, "alt_text", detail, len(item.alt_text) - alt_limit))
    return found


def validate_content(
    platform: str,
    text: str,
    media: Sequence[MediaItem] = (),
    *,
    max_chars: int | None = None,
) -> list[Violation]:
    """Every rule of ``platform`` that the post breaks; empty when it can be sent.

    ``max_chars`` overrides the platform's length limit (a Mastodon instance's own
    limit). An unknown platform raises ``BadInput``.
    """
    rules = rules_for(platform)
    found = _length_violations(rules, text, max_chars)
    found += _text_violations(rules, text, bool(media))
    found += _media_count_violations(rules, media)
    if rules.max_media != 0:
        for item in media:
            found += _media_item_violations(rules, item)
    return found
