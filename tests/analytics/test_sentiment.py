"""Sentiment: VADER scores English comments; others get no score, never a wrong one."""

from __future__ import annotations

import pytest

from clientnest_cli.analytics.sentiment import score
from tests.analytics.conftest import Seeded
from tests.helpers import cli, ok

LABELLED = {
    "positive": [
        "I love this latte, absolutely wonderful!",
        "Great service and friendly staff :)",
        "Best coffee in town 😍",
    ],
    "negative": [
        "Terrible service, the coffee was cold and awful.",
        "Worst experience ever. Never coming back.",
        "I hate the new menu",
    ],
    "neutral": [
        "The shop opens at 9 on Sundays.",
        "We ordered two espressos.",
        "Which street is the new cafe on?",
    ],
    "": [  # not English: no score
        "¡Me encanta este café, es increíble!",
        "Der Kaffee war furchtbar schlecht.",
        "Le service était très lent et le café froid.",
        "Этот кофе ужасен",
        "この店のコーヒーは最高です",
    ],
}


@pytest.mark.parametrize(
    ("text", "want"), [(t, label) for label, texts in LABELLED.items() for t in texts]
)
def test_labelled_comments(text: str, want: str) -> None:
    result = score(text)
    assert result.label == want, (text, result)
    if want:
        assert result.compound is not None and result.language in ("en", "")
    else:
        assert result.compound is None and result.language != "en"


def _add_comments(post_id: int) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Comment

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            n = 0
            for texts in LABELLED.values():
                for text in texts:
                    n += 1
                    session.add(Comment(post_id=post_id, platform_comment_id=f"c{n}", text=text))
    finally:
        ctx.close()


def test_metrics_comments_filters_by_sentiment(seeded: Seeded) -> None:
    post_id = ok("analytics", "top", "--account", "x:acme", "--period", "1y", "--json").json()
    post_id = post_id[0]["post_id"]
    _add_comments(post_id)
    negative = ok("metrics", "comments", "--sentiment", "negative", "--json").json()
    assert sorted(c["text"] for c in negative) == sorted(LABELLED["negative"])
    assert all(c["sentiment"] < 0 and c["sentiment_label"] == "negative" for c in negative)
    unscored = ok("metrics", "comments", "--sentiment", "unscored", "--json").json()
    assert sorted(c["text"] for c in unscored) == sorted(LABELLED[""])
    assert all(c["sentiment"] is None for c in unscored)
    everything = ok("metrics", "comments", "--json").json()
    assert len(everything) == sum(len(t) for t in LABELLED.values())
    bad = cli("metrics", "comments", "--sentiment", "angry")
    assert bad.exit_code == 2 and "unknown sentiment" in bad.stderr


def test_overview_summarises_sentiment(seeded: Seeded) -> None:
    top = ok("analytics", "top", "--account", "x:acme", "--period", "1y", "--json").json()
    _add_comments(top[0]["post_id"])
    ok("metrics", "comments", "--sentiment", "positive")  # scores what was stored unscored
    data = ok("analytics", "overview", "--account", "x:acme", "--period", "1y", "--json").json()
    mood = data["accounts"][0]["sentiment"]
    assert (mood["positive"], mood["negative"], mood["neutral"], mood["unscored"]) == (3, 3, 3, 5)
    assert mood["posts"][0]["post_id"] == top[0]["post_id"] and mood["posts"][0]["negative"] == 3


def test_vader_with_its_emoji_lexicon_read_lazily_scores_as_vader_does() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from clientnest_cli.analytics.sentiment import LazyEmojis, LazyLexicon, _analyzer

    stock = SentimentIntensityAnalyzer()
    assert not any(e.isascii() for e in stock.emojis)  # why ASCII text never needs them
    ours = type(_analyzer())()  # a fresh one: nothing read yet
    assert isinstance(ours.emojis, LazyEmojis) and isinstance(ours.lexicon, LazyLexicon)
    texts = [
        *(t for group in LABELLED.values() for t in group),
        "New roast today #coffee :) but the queue was NOT great!!",
        "meh :-( so-so service",
    ]
    for text in texts:
        if text.isascii():
            assert ours.polarity_scores(text) == stock.polarity_scores(text)
    assert not ours.emojis.loaded  # ASCII text only, so far
    for text in [*texts, "Best coffee in town 😍", "🙂", "Ça va 👍🏽 ok"]:
        assert ours.polarity_scores(text) == stock.polarity_scores(text)
    assert ours.emojis.loaded and dict(ours.emojis) == stock.emojis


def test_the_word_lexicon_looked_up_lazily_is_vaders() -> None:
    """Every word VADER's parsing keeps has its valence, one at a time and parsed
    whole; nothing else is in it (not even parts of lines)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from clientnest_cli.analytics.sentiment import _analyzer

    stock = SentimentIntensityAnalyzer().lexicon
    one_by_one = type(_analyzer())().lexicon
    assert all(one_by_one._line_of(word) == value for word, value in stock.items())
    lazy = type(_analyzer())().lexicon
    strangers = ["coffee", "roast", "", "good\t1.9", "0.9", "good ", "\ngood", "GOOD", ":)x"]
    for word in ["good", "bad", ":)", *strangers]:
        assert (word in lazy) == (word in stock)
        assert word not in lazy or lazy[word] == stock[word]
    assert not lazy.whole and lazy["good"] == stock["good"]
    for word in list(stock)[: lazy.WHOLE_AFTER]:  # enough different words: parsed whole
        assert lazy[word] == stock[word]
    assert "zzz-not-a-word" not in lazy and lazy.whole and dict(lazy) == stock
