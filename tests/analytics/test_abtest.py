"""A/B statistics: a real difference is significant, equal variants are not (≈5% of the time)."""

from __future__ import annotations

import random

from clientnest_cli.analytics.abtest import conclude, rank_test, sample_needed, two_proportion


def _variant(rng: random.Random, rate: float, impressions: int) -> int:
    return sum(rng.random() < rate for _ in range(impressions))


def test_a_real_difference_is_significant_and_names_the_winner() -> None:
    rng = random.Random(42)
    a, b = _variant(rng, 0.040, 20_000), _variant(rng, 0.050, 20_000)
    result = two_proportion(a, 20_000, b, 20_000)
    assert result.significant and result.p_value < 0.001
    assert result.low is not None and result.high is not None
    assert result.low < 0.25 < result.high and result.low > 0
    assert conclude(result, (20_000, 20_000), ("A", "B")).startswith("B wins")


def test_equal_variants_are_not_significant_and_say_what_is_needed() -> None:
    rng = random.Random(7)
    a, b = _variant(rng, 0.04, 5_000), _variant(rng, 0.04, 5_000)
    result = two_proportion(a, 5_000, b, 5_000)
    assert not result.significant
    assert conclude(result, (5_000, 5_000), ("A", "B")).startswith("no winner yet")


def test_false_positive_rate_over_many_seeds_is_about_five_percent() -> None:
    hits = 0
    runs = 1000
    for seed in range(runs):
        rng = random.Random(seed)
        n = 4_000
        # binomial by normal approximation keeps this fast; the test checks the test, not rng
        a = round(rng.gauss(n * 0.04, (n * 0.04 * 0.96) ** 0.5))
        b = round(rng.gauss(n * 0.04, (n * 0.04 * 0.96) ** 0.5))
        hits += two_proportion(a, n, b, n).significant
    assert 0.03 <= hits / runs <= 0.07


def test_sample_size_matches_the_textbook_figure() -> None:
    # 4% → 5% at 80% power, 5% two-sided: about 6,700 per variant
    assert 6_600 <= (sample_needed(0.04, 0.05) or 0) <= 6_800
    assert sample_needed(0.04, 0.04) is None


def test_rank_test_without_impressions() -> None:
    rng = random.Random(3)
    low = [rng.gauss(0.02, 0.005) for _ in range(40)]
    high = [rng.gauss(0.03, 0.005) for _ in range(40)]
    assert rank_test(low, high).significant
    same = [rng.gauss(0.02, 0.005) for _ in range(40)]
    assert not rank_test(low, same).significant
