"""A finished chat reply, and reading JSON and usage out of it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clientnest_cli.ai import failures
from clientnest_cli.ai.pricing import estimate_text_tokens, estimate_tokens

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Completion:
    """One finished reply. Token counts are the provider's (``usage``) unless
    ``usage_estimated`` says the server reported none and we estimated them."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    latency_s: float
    finish_reason: str | None
    usage_estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def parse_json_reply(completion: Completion) -> dict[str, Any]:
    """The JSON object in a JSON-mode reply; AIError if it is not one.

    A reply wrapped in a Markdown code fence (some local models do that even
    in JSON mode) is accepted.
    """
    text = completion.text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL | re.IGNORECASE)
    if fenced:
        text = fenced.group(1)
    try:
        value = json.loads(text)
    except ValueError:
        raise failures.malformed_json(completion.finish_reason) from None
    if not isinstance(value, dict):
        raise failures.malformed_json(completion.finish_reason)
    return value


def usage_or_estimate(
    usage: Mapping[str, Any], messages: Sequence[Message], text: str
) -> tuple[int, int, bool]:
    """(prompt, completion, estimated) from ``usage``, or estimated if missing."""
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    if isinstance(prompt, int) and isinstance(completion, int):
        return prompt, completion, False
    return estimate_tokens(messages), estimate_text_tokens(text), True
