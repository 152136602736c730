"""What each installed platform adapter can do, for `platforms list`."""

from __future__ import annotations

from typing import Any

from clientnest_cli.domain.rules import PLATFORM_RULES
from clientnest_cli.platforms.registry import get_adapter_class, platform_names


def describe_platforms() -> list[dict[str, Any]]:
    rows = []
    for name in platform_names():
        cls = get_adapter_class(name)
        caps = cls.capabilities
        rules = PLATFORM_RULES.get(name)
        limit = "—"
        if rules is not None and rules.max_chars:
            limit = f"{rules.max_chars} {rules.unit}"
        rows.append(
            {
                "platform": name,
                "name": cls.display_name,
                "limit": limit,
                "max_media": caps.max_media,
                "media_types": list(caps.media_types),
                "media_required": not caps.text_only,
                "threads": caps.threads,
                "idempotency": caps.idempotency,
                "edit": caps.edit,
                "delete": caps.delete,
                "metrics": caps.metrics,
                "metrics_batch": caps.metrics_batch,
                "comments": caps.comments,
                "auth": caps.auth,
                "default_base_url": cls.default_base_url,
            }
        )
    return rows
