"""Finding links in post text, the way platforms' composers do (after twitter-text).

Two kinds of link are recognised:

* links with a scheme: ``http://`` or ``https://`` followed by a host that has a
  dot (or is an IPv4 address), then any path;
* bare domains such as ``example.com`` or ``blog.example.co.uk/post``: the last
  label must be a known generic TLD or a two-letter country code. As in
  twitter-text, a bare ``name.cc`` (one label before a country-code TLD, no path)
  is not a link, so ``setup.py`` or ``notes.md`` stay text.

Trailing sentence punctuation and unbalanced closing brackets are not part of a
link. Bare domains preceded by ``@``, ``#``, ``$``, ``.``, ``-``, ``/`` or a word
character are not links (that keeps e-mail addresses and ``@alice.bsky.social``
out).
"""

from __future__ import annotations

import regex

# Popular generic TLDs (twitter-text ships the full IANA list; this is the part
# people actually type). Every two-letter alphabetic label counts as a ccTLD.
_GENERIC_TLD_WORDS = """
    com net org edu gov mil int info biz name pro aero coop museum mobi asia tel travel jobs
    cat post xxx app dev page blog news online site tech store shop cloud social xyz top club
    live life world today space website web fun email link click agency studio design media
    network digital solutions services company group center zone guru tools systems art music
    photo photography video game games lol ninja rocks expert works help global land city
    london nyc berlin paris tokyo amsterdam wien earth eco green bio health care fit fitness
    money finance bank capital fund market marketing events community foundation academy school
    university education training consulting software codes engineering energy studio garden
    family love dating wedding fashion style beauty hair food recipes restaurant cafe coffee
    pizza bar pub beer wine travel tours holiday flights hotel house home estate property
    realty homes immo law legal attorney lawyer tax accountant insurance auto car cars bike
    run team ltd llc inc gmbh plus one new moe wiki chat email mail host hosting domains
    download stream radio film movie show theater art gallery photos pics pictures camera
    express red blue black pink gold silver lgbt gay vip win bet poker casino sport sports
    football golf tennis yoga dance band rip lgbt quest tube porn sexy kiwi wtf ltd meme
    eth crypto nft tech support systems directory guide review reviews report press
"""
GENERIC_TLDS = frozenset(_GENERIC_TLD_WORDS.split())

_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_SCHEME_URL = regex.compile(
    r"(?<![\w@#$])https?://"
    r"(?:" + _LABEL + r"\.){1,16}" + r"\p{L}{2,63}(?::\d{1,5})?"  # host with a dot, optional port
    r"(?:[/?#][^\s]*)?"
    r"|(?<![\w@#$])https?://\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?:[/?#][^\s]*)?",
    regex.IGNORECASE,
)
_BARE_DOMAIN = regex.compile(
    r"(?<![\w@#$.\-/:＠＃])"
    r"(?P<host>(?:" + _LABEL + r"\.){1,16}(?P<tld>\p{L}{2,63}))"
    r"(?![\w\-@])"
    r"(?P<rest>(?::\d{1,5})?(?:[/?#][^\s]*)?)",
    regex.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?'\"…*”’»"
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


def _trim_trailing(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end."""
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last not in _TRAILING_PUNCT and not unbalanced:
            break
        url = url[:-1]
    return url


def _is_known_tld(tld: str) -> bool:
    tld = tld.lower()
    return tld in GENERIC_TLDS or (len(tld) == 2 and tld.isascii() and tld.isalpha())


def _bare_domain_is_link(host: str, tld: str, rest: str) -> bool:
    if not _is_known_tld(tld):
        return False
    is_cctld = tld.lower() not in GENERIC_TLDS
    single_label = host.count(".") == 1
    # twitter-text: "name.cc" with no path is too likely to be something else.
    return not (is_cctld and single_label and not rest)


def _scheme_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _SCHEME_URL.finditer(text):
        url = _trim_trailing(match.group())
        if "." in url.split("://", 1)[1].split("/", 1)[0]:
            spans.append((match.start(), match.start() + len(url), url))
    return spans


def _bare_spans(text: str, taken: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    spans = []
    for match in _BARE_DOMAIN.finditer(text):
        start = match.start()
        if any(s <= start < e for s, e, _ in taken):
            continue
        url = _trim_trailing(match.group())
        host = match.group("host")
        rest = url[len(host) :]
        if _bare_domain_is_link(host, match.group("tld"), rest):
            spans.append((start, start + len(url), url))
    return spans


def find_urls(text: str, *, bare_domains: bool = True) -> list[tuple[int, int, str]]:
    """Every link in ``text`` as ``(start, end, url)`` in character (code point) offsets.

    ``bare_domains=False`` finds only links with an http(s) scheme (Mastodon's rule).
    """
    spans = _scheme_spans(text)
    if bare_domains:
        spans += _bare_spans(text, spans)
    return sorted(spans)


def count_links(text: str) -> int:
    """How many links ``text`` holds (scheme links and bare domains)."""
    return len(find_urls(text))
