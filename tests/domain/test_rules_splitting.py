"""split_thread and truncate_at_sentence: fixed cases worked out by hand, then properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientnest_cli.domain.rules import (
    PLATFORM_RULES,
    bluesky_bytes,
    bluesky_graphemes,
    split_thread,
    text_length,
    truncate_at_sentence,
    validate_content,
)
from clientnest_cli.errors import BadInput

FAMILY = "👩\u200d👩\u200d👧\u200d👦"  # 1 grapheme, 25 UTF-8 bytes
THREE_SENTENCES = "First one here. Second one here. Third."  # 15 + 1 + 16 + 1 + 6


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("one\n---\ntwo\n---\nthree", {}, ["one", "two", "three"]),
        ("one\n---\ntwo\n---\nthree", {"numbering": True}, ["one 1/3", "two 2/3", "three 3/3"]),
        ("---\none\n  ---  \n\n---\ntwo\n---", {}, ["one", "two"]),  # blank sections dropped
        ("a --- b", {}, ["a --- b"]),  # not a line of its own
        ("short", {"numbering": True}, ["short"]),  # a single part is not numbered
        ("", {}, []),
        (THREE_SENTENCES, {"max_chars": 20}, ["First one here.", "Second one here.", "Third."]),
        # numbering reserves " 9/9" (4), leaving 16: the same cut, and every part <= 20
        (
            THREE_SENTENCES,
            {"max_chars": 20, "numbering": True},
            ["First one here. 1/3", "Second one here. 2/3", "Third. 3/3"],
        ),
        # 15 + 1 + 16 = 32 fits 32: two sentences share a part
        (THREE_SENTENCES, {"max_chars": 32}, ["First one here. Second one here.", "Third."]),
        # one sentence too long: words ("alpha beta" 10, + " gamma" would be 16 > 12)
        (
            "alpha beta gamma delta epsilon",
            {"max_chars": 12},
            ["alpha beta", "gamma delta", "epsilon"],
        ),
        ("abcdefghij", {"max_chars": 4}, ["abcd", "efgh", "ij"]),  # one word: hard cut
        ("Line one\nLine two", {"max_chars": 10}, ["Line one", "Line two"]),  # newlines break
        ("日本語。日本語。", {"max_chars": 8}, ["日本語。", "日本語。"]),  # 4 CJK = 8 weighted
    ],
)
def test_split_thread_on_x(text: str, kwargs: dict, expected: list[str]) -> None:
    assert split_thread(text, "x", **kwargs) == expected


def test_split_separator_part_that_is_too_long_is_split_again() -> None:
    text = "intro\n---\n" + THREE_SENTENCES
    assert split_thread(text, "x", max_chars=20) == [
        "intro",
        "First one here.",
        "Second one here.",
        "Third.",
    ]


def test_split_bluesky_respects_bytes_as_well_as_graphemes() -> None:
    # n family emoji and n-1 spaces: n + n-1 graphemes, 25n + n-1 bytes; bytes bind first:
    # 26n - 1 <= 3000 gives n = 115, so 400 emoji make parts of 115, 115, 115 and 55.
    text = " ".join([FAMILY] * 400)
    parts = split_thread(text, "bluesky")
    assert [part.count(FAMILY) for part in parts] == [115, 115, 115, 55]
    assert all(bluesky_bytes(p) <= 3000 and bluesky_graphemes(p) <= 300 for p in parts)


def test_split_mastodon_counts_links_as_23() -> None:
    link = "https://example.com/" + "x" * 200
    text = f"{link} {link} {link}"  # 23 + 1 + 23 + 1 + 23 = 71 on Mastodon
    assert split_thread(text, "mastodon", max_chars=71) == [text]
    assert len(split_thread(text, "mastodon", max_chars=70)) == 2


def test_split_numbering_grows_to_two_digits() -> None:
    text = " ".join(f"Sentence {i}." for i in range(30))  # "Sentence 7." is 11 characters
    parts = split_thread(text, "x", numbering=True, max_chars=20)
    # " 99/99" takes 6 of 20, leaving 14: one sentence per part, 30 parts
    assert len(parts) == 30
    assert parts[0] == "Sentence 0. 1/30"
    assert parts[-1] == "Sentence 29. 30/30"
    assert all(len(part) <= 20 for part in parts)


def test_split_unknown_platform_and_impossible_limit() -> None:
    with pytest.raises(BadInput):
        split_thread("hello", "myspace")
    with pytest.raises(BadInput):
        split_thread("日本", "x", max_chars=1)  # one CJK character weighs 2


def test_split_without_limit_only_uses_separators() -> None:
    text = "a" * 10_000 + "\n---\nb"
    assert split_thread(text, "feed") == ["a" * 10_000, "b"]


@pytest.mark.parametrize(
    ("text", "platform", "max_chars", "expected"),
    [
        ("Fits already.", "x", None, "Fits already."),
        ("First sentence. Second one here.", "x", 20, "First sentence."),
        ("One. Two. Three four five.", "x", 12, "One. Two."),
        ("Dr. Who is here. Then more text follows.", "x", 20, "Dr. Who is here."),
        # no sentence fits: words plus "…" (Bluesky counts it as 1): "one two…" is 8
        ("one two three four", "bluesky", 12, "one two…"),
        # no word fits: 13 letters + "…" (weight 2 on X) = 15
        ("Supercalifragilistic words here", "x", 15, "Supercalifrag…"),
    ],
)
def test_truncate_at_sentence(text: str, platform: str, max_chars, expected: str) -> None:
    assert truncate_at_sentence(text, platform, max_chars) == expected


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon", "threads", "linkedin"])
def test_truncated_ai_output_validates(platform: str) -> None:
    text = "This is a generated sentence about launches. " * 200
    cut = truncate_at_sentence(text, platform)
    assert cut.endswith(".")
    assert validate_content(platform, cut) == []


# --- properties ----------------------------------------------------------------

# Pieces, not single code points: ZWJ families, flags and combining marks are welcome.
PIECES = st.sampled_from([*"abcdefxyz", "é", "日", "本", "😀", FAMILY, "🇫🇷", "e\u0301"])
WORD = st.lists(PIECES, min_size=1, max_size=12).map("".join)
WORDS = st.lists(WORD, min_size=1, max_size=250)
GAPS = st.sampled_from([" ", ". ", "! ", "\n", "\n\n", ", "])
LIMITED = [name for name, rules in PLATFORM_RULES.items() if rules.max_chars is not None]


def _join(words: list[str], gaps: list[str]) -> str:
    return "".join(word + gaps[i % len(gaps)] for i, word in enumerate(words)).strip()


def _fits(platform: str, part: str, max_chars: int | None) -> bool:
    found = validate_content(platform, part, max_chars=max_chars)
    return not [v for v in found if v.rule in {"length", "bytes"}]


@settings(max_examples=60, deadline=None)
@given(
    words=WORDS,
    gaps=st.lists(GAPS, min_size=1, max_size=5),
    platform=st.sampled_from(LIMITED),
    max_chars=st.one_of(st.none(), st.integers(min_value=30, max_value=120)),
)
def test_every_part_fits_and_words_survive(words, gaps, platform, max_chars) -> None:
    text = _join(words, gaps)
    parts = split_thread(text, platform, max_chars=max_chars)
    assert all(_fits(platform, part, max_chars) for part in parts)
    assert " ".join(parts).split() == text.split()


@settings(max_examples=40, deadline=None)
@given(
    words=WORDS,
    gaps=st.lists(GAPS, min_size=1, max_size=5),
    platform=st.sampled_from(["x", "bluesky", "mastodon", "threads"]),
    max_chars=st.integers(min_value=40, max_value=80),
)
def test_numbered_parts_fit_and_count_right(words, gaps, platform, max_chars) -> None:
    text = _join(words, gaps)
    parts = split_thread(text, platform, numbering=True, max_chars=max_chars)
    assert all(_fits(platform, part, max_chars) for part in parts)
    if len(parts) > 1:
        suffixes = [re.search(r" (\d+)/(\d+)$", part) for part in parts]
        assert [(int(m[1]), int(m[2])) for m in suffixes] == [
            (i, len(parts)) for i in range(1, len(parts) + 1)
        ]
        parts = [part[: m.start()] for part, m in zip(parts, suffixes, strict=True)]
    assert " ".join(parts).split() == text.split()


@settings(max_examples=40, deadline=None)
@given(words=WORDS, gaps=st.lists(GAPS, min_size=1, max_size=5), platform=st.sampled_from(LIMITED))
def test_truncation_always_fits(words, gaps, platform) -> None:
    text = _join(words, gaps)
    cut = truncate_at_sentence(text, platform, 40)
    assert text_length(platform, cut) <= 40
    assert _fits(platform, cut, 40)
