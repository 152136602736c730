"""Prompt templates: text files in ``ai/prompts/``, rendered to chat messages.

Each template has a ``[system]`` and a ``[user]`` section and uses
``string.Template`` placeholders ($platform, $max_chars, $rules, $topic,
$tone, $hashtags, $text, $goal, $days, $count, $context, $findings). Values the caller
leaves out take the defaults below; a template's required value left out is
``BadInput``. Templates that ask for JSON state the exact shape of the object
they want, so they are sent with ``json_mode=True`` (see ``JSON_PROMPTS``).
Platform rules come from the caller as text (the domain's rules).
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from clientnest_cli.errors import BadInput

TONES: tuple[str, ...] = (
    "professional",
    "friendly",
    "playful",
    "bold",
    "informative",
    "inspirational",
    "casual",
)

PROMPT_NAMES: tuple[str, ...] = ("generate", "optimize", "hashtags", "thread", "reply", "plan")
JSON_PROMPTS: frozenset[str] = frozenset({"optimize", "hashtags", "thread", "reply", "plan"})

DEFAULTS: dict[str, str] = {
    "tone": "professional",
    "rules": "(no extra rules)",
    "hashtags": "use up to 3 relevant hashtags, or none if they would not help",
    "goal": "more engagement",
    "context": "(not given)",
    "findings": "",  # what works for the account (``services.insight.prompt_findings``)
}
DEFAULT_COUNTS: dict[str, int] = {"hashtags": 5, "thread": 4, "reply": 3}
POSITIVE_INTEGERS = ("max_chars", "count", "days")


def template_text(name: str) -> str:
    """The raw text of template ``name``; BadInput for an unknown name."""
    if name not in PROMPT_NAMES:
        raise BadInput(f"no prompt template {name!r}", hint=f"one of: {', '.join(PROMPT_NAMES)}")
    return _load(name)


@cache
def _load(name: str) -> str:
    return (resources.files("clientnest_cli.ai") / "prompts" / f"{name}.txt").read_text("utf-8")


def placeholders(name: str) -> set[str]:
    """The values template ``name`` uses."""
    return set(string.Template(template_text(name)).get_identifiers())


def check_tone(tone: str) -> str:
    """``tone`` normalised, or BadInput listing the allowed tones."""
    normal = str(tone).strip().lower()
    if normal not in TONES:
        raise BadInput(f"unknown tone {tone!r}", hint=f"choose one of: {', '.join(TONES)}")
    return normal


def render(name: str, **values: Any) -> list[dict[str, str]]:
    """The chat messages (system, then user) for template ``name``."""
    text = template_text(name)
    needed = placeholders(name)
    filled = _with_defaults(name, values)
    missing = sorted(needed - filled.keys())
    if missing:
        raise BadInput(f"the {name} prompt needs: {', '.join(missing)}")
    system, user = _split_sections(name, text)
    return [
        {"role": "system", "content": string.Template(system).substitute(filled).strip()},
        {"role": "user", "content": string.Template(user).substitute(filled).strip()},
    ]


def _with_defaults(name: str, values: dict[str, Any]) -> dict[str, str]:
    given = {key: value for key, value in values.items() if value is not None}
    if name in DEFAULT_COUNTS:
        given.setdefault("count", DEFAULT_COUNTS[name])
    if "tone" in given:
        given["tone"] = check_tone(given["tone"])
    for key in POSITIVE_INTEGERS:
        if key in given:
            given[key] = _positive_int(key, given[key])
    filled = {key: _as_text(key, value) for key, value in given.items()}
    for key, default in DEFAULTS.items():
        if not filled.get(key, "").strip():
            filled[key] = default
    return filled


def _positive_int(key: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or (isinstance(value, float) and not value.is_integer()):
        raise BadInput(f"{key} must be a positive whole number, not {value!r}")
    return number


def _as_text(key: str, value: Any) -> str:
    """Lists become lines (rules) or a comma list (hashtags and the like)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Iterable):
        items = [str(item).strip() for item in value]
        if key == "rules":
            return "\n".join(f"- {item}" for item in items if item)
        return ", ".join(item for item in items if item)
    return str(value)


def _split_sections(name: str, text: str) -> tuple[str, str]:
    """Cut a template (before substitution) at its [system] and [user] markers."""
    head, marker, rest = text.partition("[system]\n")
    system, marker2, user = rest.partition("\n[user]\n")
    if not marker or not marker2 or head.strip():
        raise ValueError(f"prompt template {name!r} lacks its [system] and [user] sections")
    return system, user
