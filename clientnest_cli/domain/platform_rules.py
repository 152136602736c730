"""The table of per-platform limits and the length function each platform uses.

Figures come from PLATFORMS.md; where it is silent the platforms' published
figures are used and said so in ``notes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clientnest_cli.domain.counting import (
    bluesky_graphemes,
    mastodon_length,
    x_weighted_length,
)
from clientnest_cli.domain.richtext import linkedin_escape
from clientnest_cli.errors import BadInput

MB = 1024 * 1024

JPEG, PNG, WEBP, GIF = "image/jpeg", "image/png", "image/webp", "image/gif"
MP4, MOV, WEBM = "video/mp4", "video/quicktime", "video/webm"


@dataclass(frozen=True)
class PlatformRules:
    """What one platform accepts in a post. ``None`` means "no limit" / "any"."""

    name: str
    display_name: str
    max_chars: int | None
    counter: str  # how characters are counted, in words
    unit: str  # the unit of max_chars, for messages ("weighted characters")
    media_required: bool = False
    max_media: int | None = 0
    allowed_media_types: frozenset[str] | None = frozenset()
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    max_links: int | None = None
    max_bytes: int | None = None  # Bluesky: 3000 UTF-8 bytes
    max_videos: int | None = None  # at most this many videos in one post
    mix_images_and_video: bool = True
    max_hashtags: int | None = None
    max_mentions: int | None = None
    notes: str = ""
    max_alt_chars: int | None = None  # alt text (image description) per media item


PLATFORM_RULES: dict[str, PlatformRules] = {
    "x": PlatformRules(
        name="x",
        display_name="X",
        max_chars=280,
        counter="weighted: NFC; U+0000-10FF, 2000-200D, 2010-201F, 2032-2037 weigh 1, others 2; "
        "each link 23; an emoji sequence 2",
        unit="weighted characters",
        max_media=4,
        allowed_media_types=frozenset({JPEG, PNG, WEBP, GIF, MP4, MOV}),
        max_image_bytes=5 * MB,
        max_video_bytes=512 * MB,
        max_videos=1,
        mix_images_and_video=False,
        max_alt_chars=1000,
        notes="Up to 4 images or 1 video (PLATFORMS.md). Image types, 5 MB/512 MB and "
        "emoji sequences weighing 2 are X's published figures (twitter-text v3); "
        "an animated GIF is limited to 15 MB and counts like a video on X (not checked).",
    ),
    "bluesky": PlatformRules(
        name="bluesky",
        display_name="Bluesky",
        max_chars=300,
        counter="extended grapheme clusters; also at most 3000 UTF-8 bytes",
        unit="graphemes",
        max_bytes=3000,
        max_media=4,
        allowed_media_types=frozenset({JPEG, PNG, WEBP, GIF}),
        max_image_bytes=2_000_000,
        max_alt_chars=2000,
        notes="Links, mentions and hashtags need facets (bluesky_facets). Video embeds exist "
        "on Bluesky but are not in PLATFORMS.md, so only images are accepted.",
    ),
    "mastodon": PlatformRules(
        name="mastodon",
        display_name="Mastodon",
        max_chars=500,
        counter="grapheme clusters; each http(s) link 23; @user@domain counts as @user",
        unit="characters",
        max_media=4,
        allowed_media_types=frozenset({JPEG, PNG, WEBP, GIF, "image/avif", MP4, MOV, WEBM}),
        max_image_bytes=16 * MB,
        max_video_bytes=99 * MB,
        max_videos=1,
        mix_images_and_video=False,
        max_alt_chars=1500,
        notes="500 is the default: pass the instance's configuration.statuses.max_characters "
        "as max_chars. Media types, 16 MB image / 99 MB video and 'one video, not mixed "
        "with images' are Mastodon's defaults (instances may differ).",
    ),
    "linkedin": PlatformRules(
        name="linkedin",
        display_name="LinkedIn",
        max_chars=3000,
        counter="code points of the commentary after little-format escaping",
        unit="characters",
        max_media=1,
        allowed_media_types=frozenset({JPEG, PNG, GIF}),
        notes="Counted after linkedin_escape(), because the escaped text is what the API "
        "receives. One image: the adapter uses content.media (multi-image posts need "
        "another shape). Image types are LinkedIn's published figures.",
    ),
    "facebook": PlatformRules(
        name="facebook",
        display_name="Facebook",
        max_chars=63206,
        counter="code points",
        unit="characters",
        max_media=10,
        allowed_media_types=frozenset({JPEG, PNG, GIF, WEBP, "image/bmp", "image/tiff"}),
        max_image_bytes=10 * MB,
        notes="63206 and image-only posts per the brief; 10 photos and 10 MB per photo are "
        "published figures (check).",
    ),
    "instagram": PlatformRules(
        name="instagram",
        display_name="Instagram",
        max_chars=2200,
        counter="code points of the caption",
        unit="characters",
        media_required=True,
        max_media=10,
        allowed_media_types=frozenset({JPEG, MP4}),
        max_image_bytes=8 * MB,
        max_video_bytes=300 * MB,
        max_hashtags=30,
        max_mentions=20,
        notes="No text-only posts; up to 10 items in a carousel. 8 MB per image, 300 MB per "
        "video, 30 hashtags and 20 @mentions are Instagram's published figures.",
    ),
    "threads": PlatformRules(
        name="threads",
        display_name="Threads",
        max_chars=500,
        counter="code points",
        unit="characters",
        max_links=5,
        max_media=10,
        allowed_media_types=frozenset({JPEG, PNG, MP4, MOV}),
        max_image_bytes=8 * MB,
        max_video_bytes=1024 * MB,
        notes="500 characters and at most 5 links (PLATFORMS.md). Carousel of 10, "
        "JPEG/PNG up to 8 MB and MP4/MOV up to 1 GB are Threads' published figures.",
    ),
    "tiktok": PlatformRules(
        name="tiktok",
        display_name="TikTok",
        max_chars=2200,
        counter="code points of the caption",
        unit="characters",
        media_required=True,
        max_media=35,
        allowed_media_types=frozenset({MP4, WEBM, MOV, JPEG, WEBP}),
        max_image_bytes=20 * MB,
        max_video_bytes=4096 * MB,
        max_videos=1,
        mix_images_and_video=False,
        notes="No text-only posts: one video, or up to 35 photos. 20 MB per photo and 4 GB "
        "per video are TikTok's published figures.",
    ),
    "discord": PlatformRules(
        name="discord",
        display_name="Discord",
        max_chars=2000,
        counter="code points",
        unit="characters",
        notes="Webhook content only; attachments are not sent by the adapter.",
    ),
    "slack": PlatformRules(
        name="slack",
        display_name="Slack",
        max_chars=40000,
        counter="code points",
        unit="characters",
        notes="Incoming webhook text; Slack truncates longer messages. No attachments.",
    ),
    "feed": PlatformRules(
        name="feed",
        display_name="Feed",
        max_chars=None,
        counter="code points",
        unit="characters",
        max_media=None,
        allowed_media_types=None,
        notes="Local RSS/JSON Feed file: no length limit; media become enclosures.",
    ),
}

_COUNTERS: dict[str, Callable[[str], int]] = {
    "x": x_weighted_length,
    "bluesky": bluesky_graphemes,
    "mastodon": mastodon_length,
    "linkedin": lambda text: len(linkedin_escape(text)),
}


def rules_for(platform: str) -> PlatformRules:
    """The rules of ``platform``; an unknown name is bad input."""
    try:
        return PLATFORM_RULES[platform]
    except KeyError:
        known = ", ".join(sorted(PLATFORM_RULES))
        raise BadInput(f"Unknown platform '{platform}'", hint=f"use one of: {known}") from None


def text_length(platform: str, text: str) -> int:
    """The length of ``text`` as ``platform`` counts it (in ``rules_for(platform).unit``)."""
    rules_for(platform)
    return _COUNTERS.get(platform, len)(text)


def char_limit(platform: str, max_chars: int | None = None) -> int | None:
    """The length limit that applies: an explicit ``max_chars`` wins (Mastodon instances)."""
    return max_chars if max_chars is not None else rules_for(platform).max_chars
