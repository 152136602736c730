"""Checks of user input that need no I/O: email, names, roles, tiers, timezones."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clientnest_cli.domain.enums import Role, Tier
from clientnest_cli.errors import BadInput

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_NAME_LENGTH = 200


def check_email(email: str) -> str:
    """A trimmed, lower-cased e-mail address, or BadInput."""
    email = (email or "").strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise BadInput(f"'{email}' is not an e-mail address", hint="use name@example.com")
    return email


def check_name(name: str, what: str = "name") -> str:
    """A trimmed, non-empty name of reasonable length, or BadInput."""
    name = (name or "").strip()
    if not name:
        raise BadInput(f"the {what} is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise BadInput(f"the {what} is longer than {MAX_NAME_LENGTH} characters")
    return name


def check_role(role: str) -> Role:
    try:
        return Role((role or "").strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise BadInput(f"unknown role '{role}'", hint=f"use one of: {known}") from None


def check_tier(tier: str) -> Tier:
    try:
        return Tier((tier or "").strip().lower())
    except ValueError:
        known = ", ".join(t.value for t in Tier)
        raise BadInput(f"unknown tier '{tier}'", hint=f"use one of: {known}") from None


def check_timezone(timezone: str) -> str:
    """An IANA timezone name (Europe/Paris, UTC), or BadInput."""
    timezone = (timezone or "").strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadInput(
            f"unknown timezone '{timezone}'", hint="use an IANA name such as Europe/Paris or UTC"
        ) from None
    return timezone
