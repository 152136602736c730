"""A post being written, checked as the user types: per-target counts, rules, the time.

Nothing is written. The checks are the ones `post create` runs (``plan_compose``),
so the editor and the CLI can never disagree about what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clientnest_cli.errors import ClientNestError, ValidationFailed

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.posts import ComposeRequest


@dataclass
class TargetCount:
    label: str
    length: int
    limit: int | None
    unit: str
    parts: int  # 1, or the thread's parts

    @property
    def over(self) -> bool:
        return self.limit is not None and self.length > self.limit and self.parts == 1


@dataclass
class Preview:
    counts: list[TargetCount] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    problem: str = ""  # bad input (unknown account, unreadable time…), one line
    when: str = ""  # "Mon 07 Jan 09:00 Europe/Berlin (08:00 UTC)", or "" for a draft

    @property
    def ok(self) -> bool:
        return not self.violations and not self.problem


def _when_text(draft: ComposeRequest, tz_name: str) -> str:
    from clientnest_cli.services.posts import resolve_times

    times, _rule, _until = resolve_times(draft, tz_name)
    if not times:
        return ""
    from zoneinfo import ZoneInfo

    first = times[0]
    local = first.astimezone(ZoneInfo(tz_name))
    more = f" and {len(times) - 1} more" if len(times) > 1 else ""
    return f"{local:%a %d %b %Y %H:%M} {tz_name} ({first:%Y-%m-%d %H:%M} UTC){more}"


def preview(ctx: AppContext, draft: ComposeRequest) -> Preview:
    from clientnest_cli.domain.platform_rules import char_limit, rules_for, text_length
    from clientnest_cli.services.posts import (
        _parts,
        clean_text,
        label,
        max_chars,
        plan_compose,
        resolve_targets,
        with_hashtags,
    )

    result = Preview()
    with ctx.store.session(readonly=True) as session:
        actor = ctx.actor(session)
        try:
            accounts = resolve_targets(session, draft.targets) if draft.targets else []
            for account in accounts:
                text = with_hashtags(
                    clean_text(draft.variants.get(account.platform, draft.text)),
                    draft.hashtags,
                )
                result.counts.append(
                    TargetCount(
                        label=label(account),
                        length=text_length(account.platform, text),
                        limit=char_limit(account.platform, max_chars(account)),
                        unit=rules_for(account.platform).unit,
                        parts=len(_parts(text, account, draft)),
                    )
                )
            result.when = _when_text(draft, actor.timezone)
            if accounts:
                plan_compose(ctx, session, actor, draft)
        except ValidationFailed as exc:
            result.violations = [str(v) for v in exc.violations or []]
        except ClientNestError as exc:
            result.problem = exc.one_line()
    return result
