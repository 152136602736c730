"""Per-platform counting, link finding, facets, escaping and validation.

Expected numbers are worked out by hand in the comments next to them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clientnest_cli.domain.enums import Platform
from clientnest_cli.domain.rules import (
    PLATFORM_RULES,
    MediaItem,
    bluesky_bytes,
    bluesky_facets,
    bluesky_graphemes,
    count_links,
    find_urls,
    linkedin_escape,
    mastodon_length,
    text_length,
    validate_content,
    x_weighted_length,
)
from clientnest_cli.errors import BadInput

FAMILY = "👩\u200d👩\u200d👧\u200d👦"  # 4 emoji (4 bytes each) + 3 ZWJ (3 bytes each) = 25 bytes
FLAG = "🇫🇷"  # two regional indicators, 8 bytes
THUMB = "👍🏽"  # thumbs up + skin tone, 8 bytes
E_COMBINING = "e\u0301"  # decomposed é: 1 + 2 bytes
MB = 1024 * 1024


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 5),
        ("日本語", 6),  # CJK weighs 2 each
        ("한국어", 6),  # Hangul syllables are above U+10FF
        ("\u1112\u1161\u11ab", 2),  # jamo compose (NFC) into one syllable 한, weight 2
        ("😀", 2),
        (FAMILY, 2),  # an emoji sequence weighs 2 in total (twitter-text v3)
        (FLAG, 2),
        (THUMB, 2),
        ("a😀b", 4),
        (E_COMBINING, 1),  # NFC -> U+00E9, weight 1
        (E_COMBINING * 280, 280),  # naive code points would be 560
        ("café", 4),
        ("—", 1),  # U+2014 is in 8208-8223
        ("…", 2),  # U+2026 = 8230, outside every light range
        ("″", 1),  # U+2033 = 8243, in 8242-8247
        (chr(4351), 1),
        (chr(4352), 2),
        (chr(8205), 1),
        (chr(8206), 2),
        (chr(8208), 1),
        (chr(8223), 1),
        (chr(8224), 2),
        (chr(8241), 2),
        (chr(8242), 1),
        (chr(8247), 1),
        (chr(8248), 2),
        ("https://example.com/" + "a" * 100, 23),
        ("see example.com", 27),  # 4 + 23
        ("Go to https://example.com/path.", 30),  # 6 + 23 + final "." 1
        ("bob@example.com", 15),  # e-mail: no link
        ("notes.md", 8),  # name.ccTLD without a path is not a link
        ("example.de/x", 23),
        ("@alice.bsky.social", 18),  # a handle is not a bare link
        ("a" * 280, 280),
    ],
)
def test_x_weighted_length(text: str, expected: int) -> None:
    assert x_weighted_length(text) == expected


@pytest.mark.parametrize(
    ("text", "graphemes", "utf8_bytes"),
    [
        ("", 0, 0),
        ("hello", 5, 5),
        (FAMILY, 1, 25),
        (FLAG, 1, 8),
        (THUMB, 1, 8),
        (E_COMBINING, 1, 3),
        ("é", 1, 2),
        ("日本語", 3, 9),
        ("a " + FAMILY + " b", 5, 29),  # a, space, family, space, b; 4 + 25
    ],
)
def test_bluesky_counts(text: str, graphemes: int, utf8_bytes: int) -> None:
    assert bluesky_graphemes(text) == graphemes
    assert bluesky_bytes(text) == utf8_bytes


@pytest.mark.parametrize(
    ("text", "url_length", "expected"),
    [
        ("hi @alice@example.social", 23, 9),  # counts as "hi @alice"
        ("https://example.com/very/long/path", 23, 23),
        ("https://example.com/abc", 10, 10),
        ("see https://a.example.com/x and example.com", 23, 43),  # 4 + 23 + 16: no bare links
        ("@bob@mastodon.social check https://joinmastodon.org/apps", 23, 34),  # 4 + 7 + 23
        ("email me at bob@example.com", 23, 27),  # not a mention
        (FAMILY, 23, 1),
        (E_COMBINING, 23, 1),
    ],
)
def test_mastodon_length(text: str, url_length: int, expected: int) -> None:
    assert mastodon_length(text, url_length) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Visit example.com.", [(6, 17, "example.com")]),
        ("(see https://example.com/a_(b))", [(5, 30, "https://example.com/a_(b)")]),
        ("Trailing https://example.com/path?q=1, then", [(9, 37, "https://example.com/path?q=1")]),
        ("docs at readthedocs.io/en/latest/", [(8, 33, "readthedocs.io/en/latest/")]),
        ("sub.example.co.uk", [(0, 17, "sub.example.co.uk")]),
        ("HTTPS://EXAMPLE.COM", [(0, 19, "HTTPS://EXAMPLE.COM")]),
        ("https://例え.jp/パス", [(0, 16, "https://例え.jp/パス")]),
        ("mail bob@example.com", []),
        ("file setup.py and notes.md", []),
        ("http://localhost:8000", []),
        ("@alice.bsky.social", []),
        ("no links at all. Really.", []),
    ],
)
def test_find_urls(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert find_urls(text) == expected
    for start, end, url in find_urls(text):
        assert text[start:end] == url


def test_count_links_counts_scheme_and_bare_links() -> None:
    assert count_links("a.com b.org https://c.net and d.io/x, not e.md") == 4


def _facet_texts(text: str) -> list[tuple[str, dict]]:
    encoded = text.encode("utf-8")
    return [
        (encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8"), f["features"][0])
        for f in bluesky_facets(text)
    ]


def test_bluesky_facets_byte_offsets_after_emoji() -> None:
    text = "👋 Hi @Alice.bsky.social, read https://example.com/x! #café #2024 #ok."
    facets = bluesky_facets(text)
    # "👋" is 4 bytes and " Hi " 4 more, so the mention starts at byte 8 and is 18 bytes.
    assert facets[0]["index"] == {"byteStart": 8, "byteEnd": 26}
    assert _facet_texts(text) == [
        (
            "@Alice.bsky.social",
            {"$type": "app.bsky.richtext.facet#mention", "handle": "alice.bsky.social"},
        ),
        (
            "https://example.com/x",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/x"},
        ),
        ("#café", {"$type": "app.bsky.richtext.facet#tag", "tag": "café"}),
        ("#ok", {"$type": "app.bsky.richtext.facet#tag", "tag": "ok"}),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("go to example.com", [("example.com", "https://example.com")]),
        (FAMILY + " " + FLAG + " bsky.app/profile/x", [("bsky.app/profile/x", None)]),
        ("＃タグ", [("＃タグ", "タグ")]),
        ("mail bob@example.com", []),  # neither a mention nor a link
        ("hi @alice", []),  # not a full handle
        ("a#b", []),  # hashtags start after whitespace
        ("#2024", []),  # only digits
        (E_COMBINING + " @bob.example.com", [("@bob.example.com", "bob.example.com")]),
    ],
)
def test_bluesky_facets_cover_the_right_bytes(text: str, expected: list) -> None:
    found = _facet_texts(text)
    assert [piece for piece, _ in found] == [piece for piece, _ in expected]
    for (_, feature), (_, value) in zip(found, expected, strict=True):
        if value is not None:
            assert value in (feature.get("uri"), feature.get("tag"), feature.get("handle"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text.", "plain text."),
        ("Hello (world)", "Hello \\(world\\)"),
        ("a_b*c~d", "a\\_b\\*c\\~d"),
        ("#tag @me", "\\#tag \\@me"),
        ("back\\slash", "back\\\\slash"),
        ("{}[]<>|", "\\{\\}\\[\\]\\<\\>\\|"),
        ("émoji 👩\u200d👩\u200d👧\u200d👦", "émoji 👩\u200d👩\u200d👧\u200d👦"),
    ],
)
def test_linkedin_escape(text: str, expected: str) -> None:
    assert linkedin_escape(text) == expected


def test_linkedin_counts_the_escaped_text() -> None:
    assert text_length("linkedin", "(a)") == 5


def test_table_covers_every_platform() -> None:
    assert set(PLATFORM_RULES) == {p.value for p in Platform}
    assert PLATFORM_RULES["x"].max_chars == 280
    assert PLATFORM_RULES["feed"].max_chars is None


def _media(name: str, mime: str, size: int = 1000) -> MediaItem:
    return MediaItem(path=Path(name), mime_type=mime, size=size, sha256="0" * 64)


JPEG = _media("a.jpg", "image/jpeg")
PNG = _media("a.png", "image/png")
MP4 = _media("a.mp4", "video/mp4")


def _rules(platform: str, text: str, media=(), **kwargs) -> list[tuple[str, int]]:
    return [(v.rule, v.over_by) for v in validate_content(platform, text, media, **kwargs)]


@pytest.mark.parametrize(
    ("platform", "text", "media", "kwargs", "expected"),
    [
        ("x", "a" * 280, (), {}, []),
        ("x", "a" * 312, (), {}, [("length", 32)]),
        ("x", "日" * 141, (), {}, [("length", 2)]),  # 282 weighted
        ("bluesky", "a" * 300, (), {}, []),
        ("bluesky", "a" * 301, (), {}, [("length", 1)]),
        ("bluesky", FAMILY * 121, (), {}, [("bytes", 25)]),  # 121 graphemes, 3025 bytes
        ("mastodon", "a" * 501, (), {}, [("length", 1)]),
        ("mastodon", "a" * 600, (), {"max_chars": 1000}, []),
        ("mastodon", "a" * 600, (), {"max_chars": 550}, [("length", 50)]),
        ("linkedin", "(" * 1500, (), {}, []),  # escaped: exactly 3000
        ("linkedin", "(" * 1501, (), {}, [("length", 2)]),
        ("facebook", "a" * 63207, (), {}, [("length", 1)]),
        ("discord", "a" * 2001, (), {}, [("length", 1)]),
        ("slack", "a" * 40000, (), {}, []),
        ("feed", "a" * 100_000, (), {}, []),
        ("threads", " ".join(f"s{i}.com" for i in range(5)), (), {}, []),
        ("threads", " ".join(f"s{i}.com" for i in range(6)), (), {}, [("links", 1)]),
        ("threads", "a" * 501, (), {}, [("length", 1)]),
        ("instagram", "hi", (), {}, [("media_required", 0)]),
        ("instagram", "", (JPEG,), {}, []),
        ("instagram", "x", (PNG,), {}, [("media_type", 0)]),
        ("instagram", "x", (JPEG,) * 11, {}, [("media_count", 1)]),
        ("instagram", "x", (JPEG, MP4), {}, []),  # carousels may mix
        ("instagram", " ".join(f"#t{i}" for i in range(31)), (JPEG,), {}, [("hashtags", 1)]),
        ("tiktok", "hi", (), {}, [("media_required", 0)]),
        ("tiktok", "", (MP4,), {}, []),
        ("tiktok", "", (JPEG,) * 35, {}, []),
        ("tiktok", "", (JPEG,) * 36, {}, [("media_count", 1)]),
        ("tiktok", "", (MP4, MP4), {}, [("media_count", 1)]),
        ("x", "", (), {}, [("empty", 0)]),
        ("x", "  \n", (), {}, [("empty", 0)]),
        ("x", "", (JPEG,), {}, []),
        ("x", "hi", (JPEG,) * 5, {}, [("media_count", 1)]),
        ("x", "hi", (JPEG, MP4), {}, [("media_mix", 0)]),
        ("x", "hi", (_media("big.png", "image/png", 6 * MB),), {}, [("media_size", MB)]),
        ("x", "hi", (_media("v.mp4", "video/mp4", 512 * MB),), {}, []),
        ("bluesky", "hi", (_media("b.jpg", "image/jpeg", 2_000_001),), {}, [("media_size", 1)]),
        ("bluesky", "hi", (MP4,), {}, [("media_type", 0)]),
        ("bluesky", "", (JPEG,) * 5, {}, [("media_count", 1)]),
        ("mastodon", "hi", (JPEG, MP4), {}, [("media_mix", 0)]),
        ("discord", "hi", (JPEG,), {}, [("media_count", 1)]),
        ("feed", "hi", (JPEG, MP4, _media("a.pdf", "application/pdf")), {}, []),
        ("slack", "", (), {}, [("empty", 0)]),
    ],
)
def test_validate_content(platform, text, media, kwargs, expected) -> None:
    assert _rules(platform, text, media, **kwargs) == expected


def test_validation_messages_say_how_much() -> None:
    (violation,) = validate_content("x", "a" * 312)
    assert violation.detail == "312/280 weighted characters, 32 over"
    (violation,) = validate_content("bluesky", FAMILY * 121)
    assert violation.detail == "3025/3000 UTF-8 bytes, 25 over"
    (violation,) = validate_content("instagram", "caption only")
    assert violation.detail == "Instagram has no text-only posts: attach an image or video"
    (violation,) = validate_content("threads", " ".join(f"s{i}.com" for i in range(7)))
    assert violation.detail == "7 links, Threads allows at most 5"
    assert violation.over_by == 2


def test_several_violations_are_all_reported() -> None:
    found = _rules("x", "a" * 300, (JPEG,) * 4 + (MP4,))
    assert found == [("length", 20), ("media_count", 1), ("media_mix", 0)]


@pytest.mark.parametrize("call", [validate_content, text_length])
def test_unknown_platform_is_bad_input(call) -> None:
    with pytest.raises(BadInput):
        call("myspace", "hello")
