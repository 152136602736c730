"""Per-platform text and media rules: the one module adapters and services import.

Pure functions, no I/O. The pieces live in sibling modules by responsibility:

* ``urls``            find_urls, count_links
* ``counting``        x_weighted_length, bluesky_graphemes, bluesky_bytes, mastodon_length
* ``richtext``        bluesky_facets, linkedin_escape
* ``platform_rules``  PlatformRules, PLATFORM_RULES, text_length, rules_for, char_limit
* ``content_checks``  validate_content
* ``splitting``       split_thread, truncate_at_sentence, fits_length

Bluesky mention facets carry ``"handle"`` instead of ``"did"`` (a DID cannot be known
offline): the adapter resolves each handle and swaps the key before sending.
"""

from __future__ import annotations

from clientnest_cli.domain.content_checks import validate_content
from clientnest_cli.domain.counting import (
    bluesky_bytes,
    bluesky_graphemes,
    grapheme_count,
    mastodon_length,
    x_weighted_length,
)
from clientnest_cli.domain.outgoing import MediaItem, Violation
from clientnest_cli.domain.platform_rules import (
    PLATFORM_RULES,
    PlatformRules,
    char_limit,
    rules_for,
    text_length,
)
from clientnest_cli.domain.richtext import bluesky_facets, linkedin_escape
from clientnest_cli.domain.splitting import fits_length, split_thread, truncate_at_sentence
from clientnest_cli.domain.urls import count_links, find_urls

__all__ = [
    "PLATFORM_RULES",
    "MediaItem",
    "PlatformRules",
    "Violation",
    "bluesky_bytes",
    "bluesky_facets",
    "bluesky_graphemes",
    "char_limit",
    "count_links",
    "find_urls",
    "fits_length",
    "grapheme_count",
    "linkedin_escape",
    "mastodon_length",
    "rules_for",
    "split_thread",
    "text_length",
    "truncate_at_sentence",
    "validate_content",
    "x_weighted_length",
]
