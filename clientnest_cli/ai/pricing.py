"""Token estimates and prices for AI calls.

Estimates are used *before* a call (to check a user's token budget) and as a
fallback when a server does not report ``usage``; the provider's own counts
are always preferred after the call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

# Price per million tokens, in US dollars: (input, output).
# These are DEFAULTS, correct when written (DeepSeek: cache-miss input price);
# providers change them, so users override them under [ai.prices] in config.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "deepseek-chat": (0.28, 0.42),
    "deepseek-reasoner": (0.28, 0.42),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
}

# Tokens a chat format adds around every message (role markers, separators)
# and once around the whole prompt (the reply's priming). OpenAI documents
# about 3-4 per message and 3 for priming; we round up.
PER_MESSAGE_OVERHEAD = 4
PER_PROMPT_OVERHEAD = 3

# English text averages about 4 characters per token in GPT and DeepSeek
# tokenizers; dividing by 3.5 over-estimates on purpose. Other scripts (CJK,
# emoji, accented text) take more tokens per character, so each non-ASCII
# character counts as a whole token.
ASCII_CHARS_PER_TOKEN = 3.5


def estimate_text_tokens(text: str) -> int:
    """A conservative (rather too high than too low) token count of ``text``."""
    if not text:
        return 0
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    ascii_chars = len(text) - non_ascii
    return math.ceil(ascii_chars / ASCII_CHARS_PER_TOKEN) + non_ascii


def _content_text(content: Any) -> str:
    """Message content is a string, or a list of parts ({"type": "text", "text": ...})."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def estimate_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Estimate the prompt tokens of a chat request.

    Sum of ``estimate_text_tokens`` over every message's content, plus
    ``PER_MESSAGE_OVERHEAD`` per message and ``PER_PROMPT_OVERHEAD`` once.
    """
    total = PER_PROMPT_OVERHEAD
    for message in messages:
        total += PER_MESSAGE_OVERHEAD + estimate_text_tokens(_content_text(message.get("content")))
    return total


def price_for(
    model: str, prices: Mapping[str, tuple[float, float]] | None = None
) -> tuple[float, float] | None:
    """The (input, output) price of ``model``, also for dated variants.

    "gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini": the longest known
    name the model starts with wins. Unknown models (local ones) have no price.
    """
    table = DEFAULT_PRICES if prices is None else prices
    if model in table:
        return table[model]
    matches = [name for name in table if model.startswith(name + "-")]
    return table[max(matches, key=len)] if matches else None


def cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    prices: Mapping[str, tuple[float, float]] | None = None,
) -> float:
    """Dollars a call cost; 0.0 for a model with no price (e.g. a local server)."""
    price = price_for(model, prices)
    if price is None:
        return 0.0
    per_input, per_output = price
    return (prompt_tokens * per_input + completion_tokens * per_output) / 1_000_000
