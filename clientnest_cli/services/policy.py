"""Team-wide policy: approval rules and tier limits (quotas), kept in the store.

Policy is not configuration: a person's config.toml or environment must not be
able to lift a limit or skip an approval, so these values live in the
``policysetting`` table and only owners and admins change them
(`clientnest policy set KEY VALUE`, audited). Unset keys take the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import Role, Tier
from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

LIMITS = ("ai_tokens_per_month", "accounts", "scheduled_posts")

DEFAULT_TIERS: dict[str, tuple[int, int, int]] = {
    "free": (20_000, 5, 30),
    "starter": (200_000, 10, 300),
    "professional": (1_000_000, 25, 2_000),
    "business": (5_000_000, 100, 20_000),
    "enterprise": (50_000_000, 10_000, 1_000_000),
}

APPROVAL_KEYS = {"approval.editors": Role.EDITOR, "approval.admins": Role.ADMIN}

DEFAULTS: dict[str, str] = {"approval.editors": "false", "approval.admins": "false"}
for _tier, _values in DEFAULT_TIERS.items():
    for _limit, _value in zip(LIMITS, _values, strict=True):
        DEFAULTS[f"tiers.{_tier}.{_limit}"] = str(_value)

HELP: dict[str, str] = {
    "approval.editors": "posts and replies by editors wait for an admin's approval",
    "approval.admins": "posts and replies by admins wait for an owner's approval too",
    "ai_tokens_per_month": "AI tokens each user on the tier may use a month",
    "accounts": "connected social accounts allowed for a user on the tier",
    "scheduled_posts": "scheduled posts allowed while a user on the tier schedules",
}


@dataclass(frozen=True)
class TierLimits:
    ai_tokens_per_month: int
    accounts: int
    scheduled_posts: int


@dataclass(frozen=True)
class Policy:
    values: dict[str, str]

    def requires_approval(self, role: str) -> bool:
        """Whether changes by someone of ``role`` need an approval before they go out."""
        for key, needs in APPROVAL_KEYS.items():
            if needs == role:
                return self.values[key] == "true"
        return False

    def tier_limits(self, tier: str) -> TierLimits:
        known = tier if tier in DEFAULT_TIERS else "free"
        return TierLimits(*(int(self.values[f"tiers.{known}.{limit}"]) for limit in LIMITS))


def load(session: Any) -> Policy:
    """The policy in ``session`` (an ORM session or a unit, store/units.py)."""
    from clientnest_cli.store.units import unit_of

    values = dict(DEFAULTS)
    values.update({k: v for k, v in unit_of(session).policy_values().items() if k in DEFAULTS})
    return Policy(values)


def check_value(key: str, value: str) -> str:
    """``value`` normalised for ``key``, or BadInput naming what is allowed."""
    key = key.strip().lower()
    if key not in DEFAULTS:
        raise BadInput(
            f"unknown policy key '{key}'",
            hint="see `clientnest policy show` for every key",
        )
    raw = value.strip().lower()
    if key in APPROVAL_KEYS:
        words = {"true": "true", "yes": "true", "on": "true", "1": "true"}
        words |= {"false": "false", "no": "false", "off": "false", "0": "false"}
        if raw not in words:
            raise BadInput(f"{key} is true or false, not '{value}'")
        return words[raw]
    try:
        number = int(raw.replace("_", ""))
    except ValueError:
        raise BadInput(f"{key} is a whole number, not '{value}'") from None
    if not 0 <= number <= 10**12:
        raise BadInput(f"{key} must be between 0 and 1000000000000")
    return str(number)


def show_policy(ctx: AppContext) -> list[dict[str, str]]:
    from clientnest_cli.store.repos import Policies

    with ctx.store.session(readonly=True) as session:
        ctx.actor(session)
        stored = Policies(session).all()
        policy = load(session)
    return [
        {
            "key": key,
            "value": policy.values[key],
            "default": default,
            "set": "yes" if key in stored else "",
            "meaning": HELP.get(key) or HELP[key.rsplit(".", 1)[-1]],
        }
        for key, default in DEFAULTS.items()
    ]


def set_policy(ctx: AppContext, key: str, value: str) -> tuple[str, str, str]:
    """Set one key (owners and admins); users on a changed tier follow at once."""
    from clientnest_cli.store.repos import Policies, Users

    key = key.strip().lower()
    value = check_value(key, value)
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.ADMIN, "changing policy")
        old = load(session).values[key]
        Policies(session).put(key, value, actor.email)
        parts = key.split(".")
        followed = 0
        if parts[0] == "tiers" and parts[2] == "ai_tokens_per_month":
            followed = Users(session).set_tier_token_limit(parts[1], int(value))
        ctx.audit(
            session, actor.email, "policy.set", "policy", key, old=old, new=value, users=followed
        )
        return key, old, value


def tier_names() -> list[str]:
    return [t.value for t in Tier]
