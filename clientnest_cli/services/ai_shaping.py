"""Fitting AI output to a platform: rules for the prompt, checks, one retry, a cut.

Every text the AI writes is checked against the target platforms' rules
(``domain.rules.validate_content``, text rules only: media is not the AI's
business). A reply that breaks a rule is asked for once more with a tighter
instruction; what is still too long after that is cut at a sentence boundary
(``truncate_at_sentence``) and flagged ``cut``, or, for a thread, split into
more parts. Other rules still broken (too many hashtags or links) come back
as warnings for the person to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.rules import (
    rules_for,
    split_thread,
    truncate_at_sentence,
    validate_content,
)
from clientnest_cli.errors import AIError
from clientnest_cli.services.ai_stream import OnText, Preview, as_text, watcher

if TYPE_CHECKING:
    from clientnest_cli.ai.completion import Completion
    from clientnest_cli.domain.outgoing import Violation
    from clientnest_cli.services.ai_usage import Meter

TEXT_RULES = frozenset({"length", "bytes", "links", "hashtags", "mentions", "empty"})
LENGTH_RULES = frozenset({"length", "bytes"})
UNLIMITED_PROMPT_CHARS = 2000  # what we ask for where a platform has no limit (feed)
TIGHTER = 0.85  # the retry asks for this share of the limit
JSON_OVERHEAD_TOKENS = 60

Extract = Callable[["Completion", "dict[str, Any] | None"], list[str]]


def prompt_chars(platform: str) -> int:
    return rules_for(platform).max_chars or UNLIMITED_PROMPT_CHARS


def rules_text(platform: str) -> list[str]:
    """The platform's rules as lines for a prompt: limit and unit, links, media."""
    rules = rules_for(platform)
    lines = []
    if rules.max_chars:
        lines.append(f"At most {rules.max_chars} {rules.unit}.")
        if "link" in rules.counter and "23" in rules.counter:
            lines.append("Every link counts as 23 characters, however long it is.")
        if "weighted" in rules.counter:
            lines.append("Emoji and CJK characters count double.")
    if rules.max_bytes:
        lines.append(f"At most {rules.max_bytes} bytes of UTF-8.")
    if rules.max_links is not None:
        lines.append(f"At most {rules.max_links} links.")
    if rules.max_hashtags is not None:
        lines.append(f"At most {rules.max_hashtags} hashtags.")
    if rules.max_mentions is not None:
        lines.append(f"At most {rules.max_mentions} @mentions.")
    if rules.media_required:
        lines.append("Every post carries an image or a video: write the caption only.")
    elif rules.max_media == 0:
        lines.append("Text only: no images or video can be attached.")
    if platform == "linkedin":
        lines.append("No Markdown: LinkedIn shows it literally.")
    return lines


def item_tokens(ctx_max_tokens: int, platform: str) -> int:
    """Completion tokens one post may need (chars/2 is generous), capped by config."""
    return max(32, min(ctx_max_tokens, prompt_chars(platform) // 2 + 40))


def json_tokens(ctx_max_tokens: int, platform: str, items: int) -> int:
    """Completion tokens for a JSON reply of ``items`` posts (config caps each post)."""
    return min(16_384, items * item_tokens(ctx_max_tokens, platform) + JSON_OVERHEAD_TOKENS)


_QUOTES = {'"': '"', "“": "”", "'": "'", "«": "»"}


def clean_text(text: Any) -> str:
    """A model's post as text: trimmed, without a code fence or wrapping quotes."""
    value = str(text if text is not None else "").strip()
    fenced = re.fullmatch(r"```[a-z]*\s*(.*?)\s*```", value, re.DOTALL)
    if fenced:
        value = fenced.group(1).strip()
    if len(value) > 1 and _QUOTES.get(value[0]) == value[-1] and value.count(value[0]) == 2:
        value = value[1:-1].strip()
    return value


def problems(text: str, platforms: Sequence[str]) -> list[Violation]:
    found: list[Violation] = []
    for platform in platforms:
        found += [v for v in validate_content(platform, text) if v.rule in TEXT_RULES]
    return found


def _tighter(bad: dict[int, list[Violation]], platforms: Sequence[str], *, json_mode: bool) -> str:
    limits = [(p, rules_for(p)) for p in platforms if rules_for(p).max_chars]
    strictest = min(limits, key=lambda pair: pair[1].max_chars or 0) if limits else None
    broken = "; ".join(sorted({str(v) for found in bad.values() for v in found}))
    where = f" (item {', '.join(str(i + 1) for i in sorted(bad))})" if json_mode else ""
    ask = f"Your answer breaks the platform's rules{where}: {broken}."
    if strictest is not None:
        name, rules = strictest
        target = int((rules.max_chars or 0) * TIGHTER)
        ask += f" Rewrite it so every post is at most {target} {rules.unit} on {name}"
        ask += ", with fewer hashtags and links if those were the problem."
    else:
        ask += " Rewrite it to follow them."
    if json_mode:
        return ask + " Answer in JSON again, in exactly the same shape."
    return ask + " Reply with the text of the post only."


@dataclass
class Shaped:
    """What came back, fitted: the items, which were cut, what is still wrong."""

    items: list[str]
    cut: list[bool]
    warnings: list[str] = field(default_factory=list)
    data: dict[str, Any] | None = None
    split: bool = False


def ask(
    meter: Meter,
    purpose: str,
    messages: list[dict[str, Any]],
    *,
    platforms: Sequence[str],
    max_tokens: int,
    extract: Extract,
    json_mode: bool,
    overflow: str = "cut",
    on_text: OnText | None = None,
    preview: Preview = as_text,
) -> Shaped:
    """Call, check each item, retry once if any breaks a rule, then cut (or split).

    With ``on_text`` each call is streamed and ``on_text`` is told what
    ``preview`` makes of the reply so far (a retry starts the text over).
    """

    def check(completion: Completion, data: dict[str, Any] | None) -> None:
        extract(completion, data)  # raises AIError for a reply of the wrong shape

    completion, data = meter.complete(
        purpose,
        messages,
        max_tokens=max_tokens,
        json_mode=json_mode,
        check=check,
        on_piece=watcher(on_text, preview),
    )
    items = extract(completion, data)
    bad = {i: found for i, item in enumerate(items) if (found := problems(item, platforms))}
    if bad:
        retry = [
            *messages,
            {"role": "assistant", "content": completion.text},
            {"role": "user", "content": _tighter(bad, platforms, json_mode=json_mode)},
        ]
        completion, data = meter.complete(
            purpose,
            retry,
            max_tokens=max_tokens,
            json_mode=json_mode,
            check=check,
            on_piece=watcher(on_text, preview),
        )
        items = extract(completion, data)
    return _fit(items, platforms, data, overflow)


def _fit(
    items: list[str], platforms: Sequence[str], data: dict[str, Any] | None, overflow: str
) -> Shaped:
    shaped = Shaped(items=[], cut=[], data=data)
    for item in items:
        too_long = any(v.rule in LENGTH_RULES for v in problems(item, platforms))
        if too_long and overflow == "split" and platforms:
            pieces = [item]
            for platform in platforms:
                pieces = [p for piece in pieces for p in split_thread(piece, platform)]
            shaped.items += pieces
            shaped.cut += [False] * len(pieces)
            shaped.split = True
            continue
        if too_long:
            for platform in platforms:
                item = truncate_at_sentence(item, platform)
        shaped.items.append(item)
        shaped.cut.append(too_long)
    for number, item in enumerate(shaped.items, 1):
        label = f"item {number}: " if len(shaped.items) > 1 else ""
        shaped.warnings += [label + str(v) for v in problems(item, platforms)]
    return shaped


# --- extracting items from replies ------------------------------------------------


def shape_error(what: str) -> AIError:
    return AIError(
        f"the AI reply did not have the expected shape ({what})",
        kind="retryable",
        hint="try again; if it keeps happening, choose a model with JSON output (ai.model)",
    )


def plain_text(completion: Completion, _data: dict[str, Any] | None) -> list[str]:
    text = clean_text(completion.text)
    if not text:
        raise AIError(
            "the AI provider returned an empty reply",
            kind="retryable",
            hint="try again; if it keeps happening, try another ai.model",
        )
    return [text]


def string_list(key: str) -> Extract:
    """Items from ``{key: ["...", ...]}`` (a lone string is taken as one item)."""

    def extract(_completion: Completion, data: dict[str, Any] | None) -> list[str]:
        value = (data or {}).get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise shape_error(f'no "{key}" list')
        items = [clean_text(v.get("text") if isinstance(v, dict) else v) for v in value]
        items = [item for item in items if item]
        if not items:
            raise shape_error(f'an empty "{key}" list')
        return items

    return extract


def text_field(key: str) -> Extract:
    def extract(_completion: Completion, data: dict[str, Any] | None) -> list[str]:
        text = clean_text((data or {}).get(key))
        if not text:
            raise shape_error(f'no "{key}"')
        return [text]

    return extract


def plan_posts(completion: Completion, data: dict[str, Any] | None) -> list[str]:
    """The plan's posts in day order (items without a day keep their place)."""
    value = (data or {}).get("posts")
    if not isinstance(value, list):
        raise shape_error('no "posts" list')
    numbered = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            text, day = clean_text(entry.get("text")), entry.get("day")
        else:
            text, day = clean_text(entry), None
        if text:
            numbered.append((day if isinstance(day, int) else index + 1, index, text))
    if not numbered:
        raise shape_error('an empty "posts" list')
    return [text for _day, _index, text in sorted(numbered)]


_TAG_JUNK = re.compile(r"[^\w]", re.UNICODE)


def hashtag_list(completion: Completion, data: dict[str, Any] | None) -> list[str]:
    """Normalised, de-duplicated hashtags: "#Word", no spaces or punctuation."""
    raw = string_list("hashtags")(completion, data)
    tags: dict[str, str] = {}
    for item in raw:
        for word in item.replace(",", " ").split():
            body = _TAG_JUNK.sub("", word.lstrip("#＃"))
            if body and not body.isdigit():
                tags.setdefault(body.lower(), "#" + body)
    if not tags:
        raise shape_error("no usable hashtags")
    return list(tags.values())
