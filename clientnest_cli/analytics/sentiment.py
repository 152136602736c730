"""Comment sentiment with VADER (made for social media text), English only.

VADER's lexicon is English: a German comment would get a confident wrong score
("Der Kaffee war schlecht" reads "war" as conflict). So each text is first
checked for its language with a small stop-word vote over common European
languages and the script it is written in; a text that is not English gets no
score (label "", language as guessed), never a wrong one. A text with no
letters at all (only emoji) is scored: VADER reads emoji.

Labels follow VADER's usual thresholds: compound ≥ 0.05 positive, ≤ −0.05
negative, neutral between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

POSITIVE, NEGATIVE = 0.05, -0.05
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
OTHER_SCRIPT = re.compile(r"[^a-z\u00e0-\u00ff]")
STOPWORDS = {
    "en": "the a an and or but is are was were be been it this that these those i you he she we "
    "they my your our their me him her us them to of in on at for with from by as not no so very "
    "just too can will would should could do does did have has had what who how why when where "
    "all any some more most love like great good bad thanks thank please really",
    "es": "el la los las un una unos unas y o pero es son fue era muy no sí que de del en con por "
    "para como mi tu su nuestro este esta esto eso lo le les se al gracias me encanta gusta",
    "de": "der die das den dem des ein eine einen und oder aber ist sind war waren sehr nicht kein "
    "keine ich du er sie wir ihr mein dein unser mit von zu für auf ist auch noch danke schön "
    "gut schlecht",
    "fr": "le la les un une des et ou mais est sont était très pas ne je tu il elle nous vous ils "
    "mon ton son notre avec de du pour sur dans que qui merci bien c'est",
    "it": "il lo la gli le un una e o ma è sono era molto non che di del della in con per su mio "
    "tuo suo nostro grazie bello questo questa",
    "pt": "o a os as um uma e ou mas é são era muito não que de do da em com por para meu seu "
    "nosso obrigado obrigada isso este esta",
    "nl": "de het een en of maar is zijn was waren erg niet geen ik jij hij zij wij mijn jouw "
    "met van voor op dank bedankt heel",
}
VOTES = {lang: set(words.split()) for lang, words in STOPWORDS.items()}


@dataclass(frozen=True)
class Score:
    compound: float | None  # None: not scored (not English)
    label: str  # positive | negative | neutral | ""
    language: str  # "en", another code, or "" when there are no words


class LazyEmojis(dict[str, str]):
    """VADER's emoji lexicon, read on the first lookup of a character that could be
    in it. Every entry is a non-ASCII character, so text without one (most posts)
    never pays for reading it (a third of VADER's start-up)."""

    def __init__(self, analyzer: Any, path: Path) -> None:
        super().__init__()
        self.analyzer, self.path, self.loaded = analyzer, path, False

    def _load(self) -> None:
        if not self.loaded:
            self.analyzer.emoji_full_filepath = self.path.read_text(encoding="utf-8")
            self.update(self.analyzer.make_emoji_dict())  # VADER's own parsing
            self.loaded = True

    def __contains__(self, char: object) -> bool:
        if isinstance(char, str) and char.isascii():
            return False
        self._load()
        return super().__contains__(char)

    def __getitem__(self, char: str) -> str:
        self._load()
        return super().__getitem__(char)


class LazyLexicon(dict[str, float]):
    """VADER's word lexicon (word → valence), each word looked up in the file's text
    when first asked about; parsed whole (VADER's own parsing) once ``WHOLE_AFTER``
    different words were. One post asks about a dozen words: well under a
    millisecond, where parsing the 7,500 lines costs 10-30 ms (`analytics predict`
    builds the analyzer for a single text)."""

    WHOLE_AFTER = 200

    def __init__(self, analyzer: Any) -> None:
        super().__init__()
        self.analyzer, self.whole = analyzer, False
        self.text = "\n" + analyzer.lexicon_full_filepath
        self.asked: dict[str, float | None] = {}

    def _load(self) -> None:
        if not self.whole:
            self.update(self.analyzer.make_lex_dict())
            self.whole = True

    def _valence(self, word: object) -> float | None:
        if self.whole or len(self.asked) >= self.WHOLE_AFTER:
            self._load()
            return super().get(word)  # type: ignore[call-overload, no-any-return]
        if not isinstance(word, str):
            return None
        if word not in self.asked:
            self.asked[word] = self._line_of(word)
        return self.asked[word]

    def _line_of(self, word: str) -> float | None:
        """The valence on the word's last line (the one VADER's dict keeps), if any."""
        if not word or "\n" in word or "\t" in word:
            return None
        at = self.text.rfind(f"\n{word}\t")
        if at < 0:
            return None
        end = self.text.find("\n", at + 1)
        line = self.text[at + 1 : end if end >= 0 else len(self.text)]
        found, measure = line.strip().split("\t")[0:2]  # as make_lex_dict reads a line
        return float(measure) if found == word else None

    def __contains__(self, word: object) -> bool:
        return self._valence(word) is not None

    def __getitem__(self, word: str) -> float:
        value = self._valence(word)
        if value is None:
            raise KeyError(word)
        return value


@lru_cache(maxsize=1)
def _analyzer():  # type: ignore[no-untyped-def]
    """VADER as ``SentimentIntensityAnalyzer()`` builds it, both lexicons lazily."""
    from vaderSentiment import vaderSentiment as vader

    class Analyzer(vader.SentimentIntensityAnalyzer):  # type: ignore[misc]
        def __init__(self) -> None:  # the files its own __init__ reads, from its folder
            folder = Path(vader.__file__).parent
            self.lexicon_full_filepath = (folder / "vader_lexicon.txt").read_text("utf-8")
            self.lexicon = LazyLexicon(self)
            self.emojis = LazyEmojis(self, folder / "emoji_utf8_lexicon.txt")

    return Analyzer()


def language(text: str) -> str:
    """ "en", another language code, "und" (words, but none recognised), or "" (no words)."""
    words = [w.lower() for w in WORD.findall(text)]
    if not words:
        return ""
    if OTHER_SCRIPT.search("".join(words)):
        return "und"  # another script (Cyrillic, CJK, Arabic …): not English
    votes = {lang: sum(w in vocab for w in words) for lang, vocab in VOTES.items()}
    best = max(votes.values())
    if best == 0:
        lexicon = _analyzer().lexicon
        return "en" if any(w in lexicon for w in words) else "und"
    if votes["en"] == best:
        return "en"
    return max(votes, key=lambda lang: votes[lang])


def label(compound: float) -> str:
    if compound >= POSITIVE:
        return "positive"
    if compound <= NEGATIVE:
        return "negative"
    return "neutral"


def score(text: str) -> Score:
    lang = language(text)
    if lang not in ("en", ""):
        return Score(None, "", lang)
    compound = float(_analyzer().polarity_scores(text)["compound"])
    return Score(round(compound, 4), label(compound), lang)


def summarise(comments: pd.DataFrame) -> dict[str, object]:
    """Counts per label, comments without a score, and the mean compound of the scored."""
    labels = comments["sentiment_label"].fillna("") if not comments.empty else comments
    scored = comments["sentiment"].dropna() if not comments.empty else comments
    return {
        "comments": len(comments),
        "positive": int((labels == "positive").sum()) if len(comments) else 0,
        "negative": int((labels == "negative").sum()) if len(comments) else 0,
        "neutral": int((labels == "neutral").sum()) if len(comments) else 0,
        "unscored": int((labels == "").sum()) if len(comments) else 0,
        "mean": round(float(scored.mean()), 4) if len(scored) else None,
    }
