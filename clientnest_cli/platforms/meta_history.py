"""`accounts backfill` for Instagram and Threads: the user's media edge, then insights.

``GET /{ig-user-id}/media`` and ``GET /{threads-user-id}/threads`` list the
account's own posts newest first, ``limit`` up to 100 a page, with cursor
paging (``paging.cursors.after`` while ``paging.next`` is there). Their
figures come from each post's insights (``GET /{media-id}/insights``, one call
a post, as for metrics sync), so a backfill of N posts costs ⌈N / 100⌉ listing
calls plus N insight calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import PastPost, PublishedRef

if TYPE_CHECKING:
    from clientnest_cli.platforms.meta_containers import MetaContainerAdapter

HISTORY_PAGE = 100  # the media edges' largest page
# Graph media_type -> ClientNest media type (IG: IMAGE/VIDEO/CAROUSEL_ALBUM;
# Threads adds TEXT_POST, AUDIO, REPOST_FACADE)
MEDIA_KIND = {"IMAGE": "photo", "VIDEO": "video", "CAROUSEL_ALBUM": "carousel", "TEXT_POST": "text"}


def list_history(adapter: MetaContainerAdapter, since: datetime) -> list[PastPost]:
    """The account's own posts published since ``since``, newest first, with insights."""
    from clientnest_cli.platforms.meta_containers import parse_graph_time

    fields = f"id,{adapter.text_param},media_type,timestamp,permalink"
    query: dict[str, Any] = {"fields": fields, "limit": HISTORY_PAGE}
    nodes: list[tuple[dict[str, Any], datetime]] = []
    while True:
        body = adapter._call(
            "GET", f"{adapter.user_path}/{adapter.history_edge}", "reading history", params=query
        )
        for node in body.get("data") or []:
            when = parse_graph_time(node.get("timestamp"))
            if when is None or not node.get("id"):
                continue
            if when < since:
                return _with_insights(adapter, nodes)
            nodes.append((node, when))
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            return _with_insights(adapter, nodes)
        query["after"] = after


def _with_insights(
    adapter: MetaContainerAdapter, nodes: list[tuple[dict[str, Any], datetime]]
) -> list[PastPost]:
    refs = [PublishedRef(str(n["id"]), url=str(n.get("permalink") or "")) for n, _ in nodes]
    metrics = {m.platform_post_id: m for m in adapter.fetch_metrics(refs)}
    found = []
    for ref, (node, when) in zip(refs, nodes, strict=True):
        if ref.platform_post_id not in metrics:  # gone since it was listed
            continue
        found.append(
            PastPost(
                ref,
                str(node.get(adapter.text_param) or ""),
                when,
                metrics[ref.platform_post_id],
                MEDIA_KIND.get(str(node.get("media_type") or ""), ""),
            )
        )
    return found
