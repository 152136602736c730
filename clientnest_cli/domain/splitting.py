"""Cutting long text into thread parts, or down to one post, at sentence boundaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from clientnest_cli.domain.counting import bluesky_bytes, graphemes
from clientnest_cli.domain.platform_rules import char_limit, rules_for, text_length
from clientnest_cli.errors import BadInput

ELLIPSIS = "…"
_SEPARATOR = regex.compile(r"^[ \t]*---[ \t]*$", regex.MULTILINE)
# After . ! ? … (and closing quotes/brackets) followed by space; after CJK stops; at newlines.
_BOUNDARY = regex.compile(r"(?<=[.!?…]+[\"'”’)\]]*)\s+|(?<=[。！？]+)\s*|\s*\n\s*")
_WORD = regex.compile(r"\S+")
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "mr.", "mrs.", "ms.", "dr.", "prof.", "vs.", "st."})

Fits = Callable[[str], bool]


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    break_before: bool = False  # start a new part here (first piece of an oversized sentence)


def fits_length(platform: str, text: str, max_chars: int | None = None) -> bool:
    """Whether ``text`` passes ``platform``'s length rules (Bluesky: graphemes and bytes)."""
    rules = rules_for(platform)
    limit = char_limit(platform, max_chars)
    if limit is not None and text_length(platform, text) > limit:
        return False
    return rules.max_bytes is None or bluesky_bytes(text) <= rules.max_bytes


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, position = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        before = text[position : match.start()]
        words = before.split()
        if not words or (words[-1].lower() in _ABBREVIATIONS and "\n" not in match.group()):
            continue
        spans.append((position, match.start()))
        position = match.end()
    if text[position:end].strip():
        spans.append((position, end))
    return [_strip_span(text, s, e) for s, e in spans]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _hard_cut(text: str, start: int, end: int, fits: Fits, tail: str = "") -> int:
    """The furthest grapheme boundary after ``start`` where ``text[start:cut] + tail`` fits."""
    bounds, position = [], start
    for cluster in graphemes(text[start:end]):
        position += len(cluster)
        bounds.append(position)
    low, high = 0, 1  # number of clusters kept; gallop first so a huge word stays cheap
    while high <= len(bounds) and fits(text[start : bounds[high - 1]] + tail):
        low, high = high, high * 2
    high = min(high - 1, len(bounds))
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[start : bounds[middle - 1]] + tail):
            low = middle
        else:
            high = middle - 1
    while low > 0 and not fits(text[start : bounds[low - 1]] + tail):
        low -= 1  # the count is not always monotonic (a URL forming as it grows)
    if low == 0:
        raise BadInput("the length limit is too small to hold even one character")
    return bounds[low - 1]


def _word_atoms(text: str, start: int, end: int, fits: Fits) -> list[_Atom]:
    atoms = []
    for match in _WORD.finditer(text, start, end):
        position = match.start()
        while position < match.end():
            if fits(text[position : match.end()]):
                atoms.append(_Atom(position, match.end()))
                break
            cut = _hard_cut(text, position, match.end(), fits)
            atoms.append(_Atom(position, cut))
            position = cut
    return [_Atom(atoms[0].start, atoms[0].end, True), *atoms[1:]] if atoms else []


def _atoms(text: str, start: int, end: int, fits: Fits) -> list[_Atom]:
    atoms: list[_Atom] = []
    for s, e in _sentence_spans(text, start, end):
        atoms += [_Atom(s, e)] if fits(text[s:e]) else _word_atoms(text, s, e, fits)
    return atoms


def _pack(text: str, atoms: list[_Atom], fits: Fits) -> list[str]:
    """Greedily join neighbouring atoms into parts that still fit."""
    parts: list[str] = []
    current: tuple[int, int] | None = None
    for atom in atoms:
        if current and not atom.break_before and fits(text[current[0] : atom.end].strip()):
            current = (current[0], atom.end)
            continue
        if current:
            parts.append(text[current[0] : current[1]].strip())
        current = (atom.start, atom.end)
    if current:
        parts.append(text[current[0] : current[1]].strip())
    return parts


def _sections(text: str) -> list[tuple[int, int]]:
    """Spans between ``---`` separator lines, blank sections dropped."""
    spans, position = [], 0
    for match in _SEPARATOR.finditer(text):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _split_once(text: str, platform: str, max_chars: int | None, suffix: str) -> list[str]:
    def fits(candidate: str) -> bool:
        return fits_length(platform, candidate + suffix, max_chars)

    parts = []
    for start, end in _sections(text):
        section = text[start:end].strip()
        if fits(section):
            parts.append(section)
        else:
            parts += _pack(text, _atoms(text, start, end, fits), fits)
    return parts


def split_thread(
    text: str, platform: str, *, numbering: bool = False, max_chars: int | None = None
) -> list[str]:
    """Cut ``text`` into thread parts that each pass ``platform``'s length rule.

    Lines made of ``---`` separate parts explicitly; a part (or the whole text) that is
    still too long is split at sentence boundaries, then between words, then inside a
    word. With ``numbering`` every part of a multi-part thread ends in `` i/n``, and the
    suffix is counted against the limit.
    """
    rules_for(platform)
    digits = 1
    while True:
        suffix = f" {'9' * digits}/{'9' * digits}" if numbering else ""
        parts = _split_once(text, platform, max_chars, suffix)
        if not numbering or len(parts) <= 1:
            return parts
        if len(str(len(parts))) <= digits:
            total = len(parts)
            return [f"{part} {index}/{total}" for index, part in enumerate(parts, 1)]
        digits += 1


def truncate_at_sentence(text: str, platform: str, max_chars: int | None = None) -> str:
    """``text`` cut to fit ``platform`` at the last sentence boundary that fits.

    Text that already fits comes back unchanged. When not even the first sentence
    fits, the cut falls back to a word boundary, then a grapheme, and ends in "…".
    """

    def fits(candidate: str) -> bool:
        return fits_length(platform, candidate, max_chars)

    if fits(text):
        return text
    spans = _sentence_spans(text, 0, len(text))
    kept = ""
    for _start, end in spans:
        candidate = text[spans[0][0] : end].strip()
        if not fits(candidate):
            break
        kept = candidate
    return kept or _truncate_inside_sentence(text, fits)


def _truncate_inside_sentence(text: str, fits: Fits) -> str:
    words = list(_WORD.finditer(text))
    kept = ""
    for word in words:
        candidate = text[words[0].start() : word.end()]
        if not fits(candidate + ELLIPSIS):
            break
        kept = candidate
    if kept:
        return kept + ELLIPSIS
    start, end = _strip_span(text, 0, len(text))
    return text[start : _hard_cut(text, start, end, fits, ELLIPSIS)] + ELLIPSIS
