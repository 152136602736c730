"""Deterministic replies for the AI emulator: no model, just the prompt.

The wording is picked by a hash of the last user message, so the same prompt
always gets the same reply. The reply repeats the words of the topic (or of
the text to work on) so a test can recognise it, keeps to the "at most N
characters" the prompt states, gives "exactly N" items, and in JSON mode
returns an object shaped like the JSON example the prompt shows.

This module reads prompts the way a model would, from their wording; it
shares no code with the prompt templates or the platform rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

OPENERS = (
    "Big news about",
    "Let's talk about",
    "Here is why we love",
    "Quick take on",
    "All about",
)
MIDDLES = (
    "small steps add up to real results",
    "the details make the difference",
    "we have been working hard on this",
    "there is more to it than meets the eye",
    "our team learned a lot along the way",
)
CLOSERS = ("What do you think?", "Tell us below!", "Stay tuned.", "More soon.", "Join us!")
NOTES = (
    "Moved the key point to the first line",
    "Cut filler words",
    "Added a clear call to action",
    "Made the tone match the audience",
    "Shortened long sentences",
)
FILLER_TAGS = ("#Tips", "#Community", "#News", "#HowTo", "#Update", "#Ideas")
PADDING = " And there is so much more we could say about it, really."
STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "about",
        "this",
        "that",
        "is",
        "are",
        "be",
        "our",
        "your",
        "we",
        "you",
        "it",
        "post",
        "write",
        "its",
        "from",
        "at",
        "by",
        "as",
    ]
)
POSTLIKE_KEYS = frozenset({"text", "parts", "replies", "posts", "reply", "post", "content"})
MAX_ITEMS = 50
DEFAULT_ITEMS = 3


@dataclass
class Prompt:
    """What the emulator understood of a request's messages."""

    everything: str
    last_user: str
    subject: str
    max_chars: int | None
    count: int | None

    @property
    def seed(self) -> bytes:
        return hashlib.sha256(self.last_user.encode()).digest()

    def pick(self, options: tuple[str, ...], salt: int) -> str:
        return options[self.seed[salt % len(self.seed)] % len(options)]

    def keywords(self) -> list[str]:
        words = re.findall(r"[^\W_][\w'-]*", self.subject)
        seen: dict[str, str] = {}
        for word in words:
            if len(word) >= 3 and word.lower() not in STOPWORDS:
                seen.setdefault(word.lower(), word)
        return list(seen.values())[:4]


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def read_prompt(messages: list[dict[str, Any]]) -> Prompt:
    texts = [content_text(m.get("content")) for m in messages]
    users = [content_text(m.get("content")) for m in messages if m.get("role") == "user"]
    last_user = users[-1] if users else (texts[-1] if texts else "")
    tagged = re.search(r"<(topic|text|comment)>\s*(.*?)\s*</\1>", last_user, re.DOTALL)
    everything = "\n".join(texts)
    limit = re.search(r"at most (\d+) characters", everything)
    count = re.search(r"exactly (\d+)", everything)
    return Prompt(
        everything=everything,
        last_user=last_user,
        subject=tagged.group(2) if tagged else last_user,
        max_chars=int(limit.group(1)) if limit else None,
        count=min(int(count.group(1)), MAX_ITEMS) if count else None,
    )


def sentence(prompt: Prompt, index: int) -> str:
    topic = " ".join(prompt.keywords()) or "this"
    opener = prompt.pick(OPENERS, index * 3)
    middle = prompt.pick(MIDDLES, index * 3 + 1)
    closer = prompt.pick(CLOSERS, index * 3 + 2)
    return f"{opener} {topic}: {middle}. {closer}"


def hashtag(prompt: Prompt, index: int) -> str:
    words = prompt.keywords()
    if index < len(words):
        return "#" + re.sub(r"\W", "", words[index].title())
    return FILLER_TAGS[(index - len(words)) % len(FILLER_TAGS)]


def fit(text: str, max_chars: int | None, too_long: bool) -> str:
    """Keep within the limit the prompt stated, or overshoot it on purpose."""
    if too_long:
        target = (max_chars or 1000) + 20
        while len(text) <= target:
            text += PADDING
        return text
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" :,.")


def json_example(prompt_text: str) -> dict[str, Any] | None:
    """The first JSON object written out in the prompt (the wanted shape)."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", prompt_text):
        try:
            value, _ = decoder.raw_decode(prompt_text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict) and value:
            return value
    return None


def fill(example: Any, key: str, index: int, prompt: Prompt, too_long: bool) -> Any:
    """A value shaped like ``example``, worded for the prompt."""
    if isinstance(example, dict):
        return {k: fill(v, k, index, prompt, too_long) for k, v in example.items()}
    if isinstance(example, list):
        count = prompt.count if prompt.count is not None else DEFAULT_ITEMS
        item = example[0] if example else ""
        return [fill(item, key, i, prompt, too_long) for i in range(count)]
    if isinstance(example, bool):
        return True
    if isinstance(example, int):
        return index + 1
    if isinstance(example, float):
        return round(0.5 + index / 10, 2)
    return fill_text(key, index, prompt, too_long)


def fill_text(key: str, index: int, prompt: Prompt, too_long: bool) -> str:
    if key == "hashtags":
        return hashtag(prompt, index)
    if key in ("improvements", "notes", "changes"):
        return NOTES[(prompt.seed[0] + index) % len(NOTES)] + "."
    if key == "explanation":
        topic = " ".join(prompt.keywords()) or "the post"
        return f"Put {topic} up front and tightened the wording."
    text = sentence(prompt, index)
    if key in POSTLIKE_KEYS:
        return fit(text, prompt.max_chars, too_long)
    return text


def compose(messages: list[dict[str, Any]], *, json_mode: bool, mode: str) -> str:
    """The reply text for a request (before max_tokens is applied)."""
    prompt = read_prompt(messages)
    too_long = mode == "too_long"
    if mode == "empty":
        return ""
    if mode == "malformed_json":
        return '{"text": "' + sentence(prompt, 0) + '", "explanation": '
    if not json_mode:
        return fit(sentence(prompt, 0), prompt.max_chars, too_long)
    example = json_example(prompt.everything) or {"text": ""}
    return json.dumps(fill(example, "", 0, prompt, too_long), ensure_ascii=False)


# --- token counting (the emulator's own, roughly like a BPE tokenizer) -------
_PIECE = re.compile(r"\w+|[^\w\s]")
TOKENS_PER_MESSAGE = 4
TOKENS_PER_PROMPT = 3


def _piece_tokens(piece: str) -> int:
    return max(1, -(-len(piece) // 6)) if piece[0].isalnum() or piece[0] == "_" else 1


def count_tokens(text: str) -> int:
    return sum(_piece_tokens(m.group()) for m in _PIECE.finditer(text))


def count_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    body = sum(count_tokens(content_text(m.get("content"))) for m in messages)
    return body + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_PROMPT


def cut_to_tokens(text: str, max_tokens: int) -> tuple[str, bool]:
    """``text`` cut after ``max_tokens`` tokens; True if it was cut."""
    used = 0
    for match in _PIECE.finditer(text):
        used += _piece_tokens(match.group())
        if used > max_tokens:
            return text[: match.start()].rstrip(), True
    return text, False
