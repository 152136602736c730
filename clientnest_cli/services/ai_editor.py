"""What the TUI editor needs around the AI: the acting user's budget and the draft's platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientnest_cli.domain.platform_rules import PLATFORM_RULES
from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


@dataclass
class Budget:
    left: int
    limit: int

    def line(self) -> str:
        return f"AI budget: {self.left:,} of {self.limit:,} tokens left this month"


def budget(ctx: AppContext) -> Budget:
    from clientnest_cli.domain.ai_month import current_month, tokens_used

    with ctx.store.session(readonly=True) as session:
        user = ctx.actor(session)
        used = tokens_used(user, current_month())
        return Budget(max(0, user.ai_tokens_limit - used), user.ai_tokens_limit)


def strictest_platform(targets: list[str]) -> str:
    """The platform of the selected targets with the shortest text limit."""
    platforms = sorted({ref.split(":", 1)[0] for ref in targets})
    if not platforms:
        raise BadInput("pick a target first", hint="the AI writes for the targets' platform")
    known = [p for p in platforms if p in PLATFORM_RULES]
    if not known:
        raise BadInput(f"the AI cannot write for {platforms[0]}", hint="pick a social platform")
    return min(known, key=lambda p: PLATFORM_RULES[p].max_chars or 10**9)
