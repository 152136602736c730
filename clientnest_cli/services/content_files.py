"""Posts as files, so content can live in git.

Import: a Markdown file with front matter (to, at, media, alt, hashtags,
category, thread, numbering) is one post (one per target); a CSV file has one
post per row (columns text, to, at, media, alt, hashtags, category; optional
thread, key). An exported file or row also carries the post's ``id`` and
``group``: importing it updates that post in place, wherever the file now
lives; see ``content_import`` for the matching rules.

Export: Markdown files (one per post, into a folder), one CSV, or JSON; see
``content_export``.

The pieces: ``content_items`` (what a file says), ``content_markdown`` and
``content_csv`` (the two formats), ``content_import`` (matching and writing),
``content_export``.
"""

from __future__ import annotations

from clientnest_cli.services.content_export import ExportResult, export_posts
from clientnest_cli.services.content_import import ImportOptions, import_files
from clientnest_cli.services.content_items import ImportItem, ImportReport

__all__ = [
    "ExportResult",
    "ImportItem",
    "ImportOptions",
    "ImportReport",
    "export_posts",
    "import_files",
]
