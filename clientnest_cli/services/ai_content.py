"""Writing with the AI: posts, improvements, hashtags and threads.

(Replies to comments are in ``ai_replies``, a week's plan in ``ai_plan``,
the queue in ``ai_jobs``, the key, budget and usage in ``ai_usage``.) Each feature is one function the CLI, the TUI and the job queue call. Input
is checked before anything is sent (platform, tone, accounts, comments); the
budget is checked by ``Meter`` before the call; output is fitted to the
platform's rules by ``ai_shaping``. Drafts made here are ``ai_generated``.
A failed call leaves nothing behind but its AIRequestLog row.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from clientnest_cli.ai import prompts
from clientnest_cli.domain.enums import AccountStatus, Role
from clientnest_cli.domain.rules import PLATFORM_RULES, rules_for
from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services import ai_shaping as shaping
from clientnest_cli.services.ai_stream import OnText, field_preview, list_preview
from clientnest_cli.services.ai_usage import Actor, Meter
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Users

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount

MAX_VARIANTS = 5
MAX_ITEMS = 20
NO_HASHTAGS = "none: do not use any hashtags"


# --- requests and results ----------------------------------------------------------


@dataclass
class GenerateRequest:
    topic: str
    platform: str | None = None
    tone: str = "professional"
    hashtags: bool = True
    variants: int = 1
    targets: list[str] = field(default_factory=list)  # PLATFORM:HANDLE (or id)
    save_draft: bool = False
    whole: bool = False  # an A/B test's variants: all or none (budget and media checked first)

    def to_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> GenerateRequest:
        known = {k: v for k, v in params.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Draft:
    text: str
    cut: bool = False
    warnings: list[str] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)
    scheduled_at: datetime | None = None


@dataclass
class GenerateResult:
    platform: str
    variants: list[Draft]
    group_id: str | None = None

    @property
    def post_ids(self) -> list[int]:
        return [i for d in self.variants for i in d.post_ids]


@dataclass
class OptimizeResult:
    post_id: int
    platform: str
    original: str
    text: str
    explanation: str
    improvements: list[str]
    cut: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class ThreadResult:
    platform: str
    parts: list[str]
    cut: bool = False
    split: bool = False
    warnings: list[str] = field(default_factory=list)


# --- shared checks ----------------------------------------------------------------


def acting(ctx: AppContext, action: str = "writing with AI") -> Actor:
    with ctx.store.session() as session:
        user = ctx.require(session, Role.EDITOR, action)
        return Actor(user.id or 0, user.email)


def check_platform(platform: str) -> str:
    name = (platform or "").strip().lower()
    rules_for(name)  # BadInput for an unknown platform
    return name


def need_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise BadInput(f"the {what} is empty", hint=f"give a {what} to work from")
    return value


def need_count(value: int, what: str, most: int) -> int:
    if not 1 <= int(value) <= most:
        raise BadInput(f"{what} must be from 1 to {most}, not {value}")
    return int(value)


def resolve_targets(session: Session, refs: list[str]) -> list[SocialAccount]:
    from clientnest_cli.services.accounts import resolve

    found: dict[int, SocialAccount] = {}
    for ref in refs:
        account = resolve(session, ref)
        if account.status == AccountStatus.DISABLED:
            raise BadInput(
                f"{account.platform}:{account.handle} is disconnected",
                hint=f"reconnect with `clientnest accounts connect {account.platform}`",
            )
        found.setdefault(account.id or 0, account)
    return list(found.values())


def _strictest(platforms: list[str]) -> str:
    return min(platforms, key=lambda p: PLATFORM_RULES[p].max_chars or 10**9)


def meter_for(ctx: AppContext, actor: Actor | None, action: str) -> Meter:
    return Meter(ctx, actor or acting(ctx, action))


def render_prompt(name: str, platform: str, **values: Any) -> list[dict[str, str]]:
    return prompts.render(
        name,
        platform=PLATFORM_RULES[platform].display_name if platform in PLATFORM_RULES else platform,
        max_chars=shaping.prompt_chars(platform),
        rules=shaping.rules_text(platform),
        **values,
    )


# --- saving drafts ------------------------------------------------------------------


def save_drafts(
    ctx: AppContext,
    actor: Actor,
    drafts: list[Draft],
    accounts: list[SocialAccount],
    group_id: str,
    *,
    variant_labels: bool,
) -> None:
    """One draft Post per text and account, all in one transaction and one group.

    Goes through services.posts (plan_compose checks the text for every
    target, write_plan writes): the same rules as `post create`, with
    ``ai_generated`` set. A draft's ``scheduled_at`` is a proposed time (the
    plan's slot); it stays a draft until someone schedules it.
    """
    from clientnest_cli.services.posts import ComposeRequest, plan_compose, write_plan

    with ctx.store.session() as session:
        user = Users(session).by_id(actor.user_id)
        if user is None:
            raise NotFound(f"user {actor.email} no longer exists")
        targets = [str(a.id) for a in accounts]
        for number, draft in enumerate(drafts):
            request = ComposeRequest(text=draft.text, targets=targets, ai_generated=True)
            written = write_plan(
                ctx, session, user, plan_compose(ctx, session, user, request), group_id=group_id
            )
            for post in written:
                post.variant = chr(ord("A") + number) if variant_labels else ""
                post.scheduled_at = draft.scheduled_at
                session.add(post)
                draft.post_ids.append(post.id or 0)
                ctx.audit(
                    session,
                    actor.email,
                    "post.create",
                    "post",
                    post.id,
                    account_id=post.account_id,
                    group_id=group_id,
                    status=post.status,
                    ai_generated=True,
                )


def check_can_save(accounts: list[SocialAccount]) -> None:
    """Refuse before the AI call what the draft could never be saved as."""
    for account in accounts:
        if PLATFORM_RULES[account.platform].media_required:
            name = PLATFORM_RULES[account.platform].display_name
            raise BadInput(
                f"{name} posts need an image or video, which the AI does not make",
                hint="generate the caption without --save-draft, then "
                "`clientnest post create TEXT --media FILE --to ...`",
            )


def _findings(ctx: AppContext, account_ids: list[int]) -> str:
    """What works for these accounts (`analytics recommend`'s advice) for the prompt."""
    if not account_ids:
        return ""
    from clientnest_cli.services.insight import prompt_findings

    return prompt_findings(ctx, account_ids)


# --- features ---------------------------------------------------------------------


def generate(
    ctx: AppContext,
    req: GenerateRequest,
    actor: Actor | None = None,
    on_text: OnText | None = None,
) -> GenerateResult:
    """``req.variants`` posts about a topic; saved as drafts when asked.

    ``on_text`` streams each reply (the TUI): it is told the text so far.
    """
    topic = need_text(req.topic, "topic")
    tone = prompts.check_tone(req.tone)
    variants = need_count(req.variants, "--variants", MAX_VARIANTS)
    if req.save_draft and not req.targets:
        raise BadInput("--save-draft needs somewhere to save", hint="add --to PLATFORM:HANDLE")
    accounts: list[SocialAccount] = []
    if req.targets:
        with ctx.store.session() as session:
            ctx.actor(session)
            accounts = resolve_targets(session, req.targets)
    platforms = sorted({a.platform for a in accounts})
    if req.platform:
        platform = check_platform(req.platform)
    elif platforms:
        platform = _strictest(platforms)
    else:
        raise BadInput("say which platform to write for", hint="add --platform (e.g. x, linkedin)")
    checked = sorted({platform, *platforms})
    if req.save_draft or req.whole:
        check_can_save(accounts)
    findings = _findings(ctx, [a.id or 0 for a in accounts])
    with meter_for(ctx, actor, "generating posts") as meter:
        drafts = []
        for number in range(variants):
            messages = render_prompt(
                "generate",
                platform,
                topic=topic,
                tone=tone,
                hashtags=None if req.hashtags else NO_HASHTAGS,
                findings=findings,
            )
            if variants > 1:
                messages[-1]["content"] += (
                    f"\nThis is version {number + 1} of {variants}: "
                    "take a different angle from the other versions."
                )
            max_tokens = shaping.item_tokens(ctx.settings.ai.max_tokens, platform)
            if req.whole and number == 0:
                meter.ensure_room("generate", messages, max_tokens, variants)
            shaped = shaping.ask(
                meter,
                "generate",
                messages,
                platforms=checked,
                max_tokens=max_tokens,
                extract=shaping.plain_text,
                json_mode=False,
                on_text=on_text,
            )
            drafts.append(Draft(shaped.items[0], shaped.cut[0], shaped.warnings))
    result = GenerateResult(platform, drafts)
    if req.save_draft:
        result.group_id = uuid.uuid4().hex
        owner = meter.actor
        save_drafts(ctx, owner, drafts, accounts, result.group_id, variant_labels=variants > 1)
    return result


def optimize(
    ctx: AppContext, post_id: int, goal: str, tone: str | None = None, actor: Actor | None = None
) -> OptimizeResult:
    """A better version of a stored post, with what changed and why."""
    goal = need_text(goal, "goal")
    with ctx.store.session() as session:
        ctx.actor(session)
        post = Posts(session).by_id(post_id)
        if post is None:
            raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
        from clientnest_cli.store.repos import Accounts

        account = Accounts(session).by_id(post.account_id)
        platform = account.platform if account else "x"
        original = post.content
    findings = _findings(ctx, [post.account_id])
    return optimize_text(
        ctx, original, platform, goal, tone, actor, post_id=post_id, findings=findings
    )


def optimize_text(
    ctx: AppContext,
    original: str,
    platform: str,
    goal: str = "more engagement",
    tone: str | None = None,
    actor: Actor | None = None,
    post_id: int = 0,
    findings: str = "",
    on_text: OnText | None = None,
) -> OptimizeResult:
    """A better version of ``original`` for ``platform`` (the editor's unsaved text too);
    ``findings``: what works for the account (``_findings``), or "" for nothing;
    ``on_text`` streams it (told the new text so far)."""
    goal = need_text(goal, "goal")
    with meter_for(ctx, actor, "optimising posts") as meter:
        messages = render_prompt(
            "optimize",
            platform,
            text=original,
            goal=goal,
            tone=prompts.check_tone(tone) if tone else None,
            findings=findings,
        )
        shaped = shaping.ask(
            meter,
            "optimize",
            messages,
            platforms=[platform],
            max_tokens=shaping.json_tokens(ctx.settings.ai.max_tokens, platform, 2),
            extract=shaping.text_field("text"),
            json_mode=True,
            on_text=on_text,
            preview=field_preview("text"),
        )
    data = shaped.data or {}
    improvements = data.get("improvements") or []
    if isinstance(improvements, str):
        improvements = [improvements]
    return OptimizeResult(
        post_id=post_id,
        platform=platform,
        original=original,
        text=shaped.items[0],
        explanation=shaping.clean_text(data.get("explanation")),
        improvements=[shaping.clean_text(i) for i in improvements if shaping.clean_text(i)],
        cut=shaped.cut[0],
        warnings=shaped.warnings,
    )


def suggest_hashtags(
    ctx: AppContext,
    text: str,
    platform: str | None = None,
    count: int = 5,
    actor: Actor | None = None,
    on_text: OnText | None = None,
) -> list[str]:
    """Hashtags for ``text``; ``on_text`` streams them (told "tag, tag, …" so far)."""
    text = need_text(text, "text")
    count = need_count(count, "--count", 30)
    name = check_platform(platform) if platform else None
    most = PLATFORM_RULES[name].max_hashtags if name else None
    with meter_for(ctx, actor, "suggesting hashtags") as meter:
        messages = prompts.render(
            "hashtags",
            platform=PLATFORM_RULES[name].display_name if name else "social media",
            text=text,
            count=count,
        )
        shaped = shaping.ask(
            meter,
            "hashtags",
            messages,
            platforms=[],
            max_tokens=min(ctx.settings.ai.max_tokens, 20 * count + 40),
            extract=shaping.hashtag_list,
            json_mode=True,
            on_text=on_text,
            preview=list_preview("hashtags"),
        )
    return shaped.items[: min(count, most) if most else count]


def write_thread(
    ctx: AppContext,
    text: str,
    platform: str,
    parts: int = 4,
    tone: str | None = None,
    actor: Actor | None = None,
) -> ThreadResult:
    """A thread of about ``parts`` posts; parts that are too long are split further."""
    text = need_text(text, "text")
    platform = check_platform(platform)
    parts = need_count(parts, "--parts", MAX_ITEMS)
    with meter_for(ctx, actor, "writing threads") as meter:
        messages = render_prompt(
            "thread",
            platform,
            topic=text,
            count=parts,
            tone=prompts.check_tone(tone) if tone else None,
        )
        shaped = shaping.ask(
            meter,
            "thread",
            messages,
            platforms=[platform],
            max_tokens=shaping.json_tokens(ctx.settings.ai.max_tokens, platform, parts),
            extract=shaping.string_list("parts"),
            json_mode=True,
            overflow="split",
        )
    return ThreadResult(platform, shaped.items, any(shaped.cut), shaped.split, shaped.warnings)
