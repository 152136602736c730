"""A/B test statistics (pure): is variant B's engagement different from A's?

- Impressions known: a two-proportion z-test (pooled) on interactions ÷
  impressions; the lift B/A − 1 with a 95% interval (log risk ratio, delta
  method); the impressions per variant needed to detect the observed lift at
  80% power and 5% two-sided (the usual normal-approximation formula).
- Impressions unknown: a Mann–Whitney rank test on the posts' follower-based
  rates (no normality assumed), the lift of the mean rates; no sample size.

``conclude`` names a winner only when p < alpha; otherwise it says how many
more impressions per variant the observed lift would need.

More than two variants: each is compared with the first (A, the control), and
the p-values of those m comparisons are adjusted with **Holm's step-down
method** (family-wise error ≤ alpha); the lifts' intervals and the sample
needed use the Bonferroni level alpha/m, so an interval that excludes 0 always
goes with a significant adjusted p. With two variants nothing changes (m = 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

ALPHA = 0.05
POWER = 0.8
_N = NormalDist()


@dataclass(frozen=True)
class Result:
    test: str  # "two-proportion z" | "Mann-Whitney U"
    p_value: float
    lift: float | None  # B relative to A: 0.25 = B draws 25% more
    low: float | None
    high: float | None
    needed: int | None  # exposures per variant to detect the observed lift at 80% power
    p_adjusted: float | None = None  # Holm-adjusted over the comparisons (None: just one)

    @property
    def significant(self) -> bool:
        return self.adjusted < ALPHA

    @property
    def adjusted(self) -> float:
        return self.p_value if self.p_adjusted is None else self.p_adjusted

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "p_value": self.p_value,
            "p_adjusted": self.adjusted,
            "lift": self.lift,
            "low": self.low,
            "high": self.high,
            "needed_per_variant": self.needed,
            "significant": self.significant,
        }


def sample_needed(p1: float, p2: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Exposures per variant to tell rate p1 from p2; None when they are equal."""
    if p1 == p2 or not (0 < p1 < 1 and 0 < p2 < 1):
        return None
    z_a, z_b = _N.inv_cdf(1 - alpha / 2), _N.inv_cdf(power)
    mean = (p1 + p2) / 2
    top = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(top**2 / (p2 - p1) ** 2)


def two_proportion(x_a: int, n_a: int, x_b: int, n_b: int, alpha: float = ALPHA) -> Result:
    """Interactions x out of impressions n per variant (an interaction counts once);
    ``alpha``: the level of the lift's interval and of the sample needed."""
    if n_a <= 0 or n_b <= 0:
        raise ValueError("each variant needs impressions")
    x_a, x_b = min(x_a, n_a), min(x_b, n_b)
    p_a, p_b = x_a / n_a, x_b / n_b
    pooled = (x_a + x_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    p_value = 1.0 if se == 0 else 2 * (1 - _N.cdf(abs(p_b - p_a) / se))
    lift = low = high = None
    if x_a > 0 and x_b > 0:
        log_rr = math.log(p_b / p_a)
        se_rr = math.sqrt(1 / x_a - 1 / n_a + 1 / x_b - 1 / n_b)
        z = _N.inv_cdf(1 - alpha / 2)
        lift = math.expm1(log_rr)
        low, high = math.expm1(log_rr - z * se_rr), math.expm1(log_rr + z * se_rr)
    needed = sample_needed(p_a, p_b, alpha)
    return Result("two-proportion z", p_value, lift, low, high, needed)


def rank_test(rates_a: list[float], rates_b: list[float]) -> Result:
    """Per-post follower-based rates of each variant (impressions unknown)."""
    from scipy.stats import mannwhitneyu

    if len(rates_a) < 1 or len(rates_b) < 1:
        raise ValueError("each variant needs at least one measured post")
    p_value = float(mannwhitneyu(rates_a, rates_b, alternative="two-sided").pvalue)
    mean_a, mean_b = sum(rates_a) / len(rates_a), sum(rates_b) / len(rates_b)
    lift = None if mean_a == 0 else mean_b / mean_a - 1
    return Result("Mann-Whitney U", p_value, lift, None, None, None)


def conclude(result: Result, exposures: tuple[int, int], names: tuple[str, str]) -> str:
    """One sentence: the winner, or why there is none yet."""
    if result.significant and result.lift is not None and result.lift != 0:
        winner = names[1] if result.lift > 0 else names[0]
        return f"{winner} wins (p = {result.p_value:.3g}, lift {result.lift:+.0%})"
    if result.needed is not None:
        more = max(0, result.needed - min(exposures))
        return f"no winner yet — about {more:,} more impressions per variant needed"
    return "no winner yet — no difference seen so far"


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [1.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def adjust(results: dict[str, Result]) -> dict[str, Result]:
    """The comparisons with the control, Holm-adjusted when there are two or more."""
    if len(results) < 2:
        return results
    names = list(results)
    adjusted = holm([results[n].p_value for n in names])
    return {n: replace(results[n], p_adjusted=p) for n, p in zip(names, adjusted, strict=True)}


def conclude_many(results: dict[str, Result], exposures: dict[str, int], control: str) -> str:
    """``conclude`` for variants each compared with ``control`` (``adjust``-ed results)."""
    if len(results) == 1:
        [(name, result)] = results.items()
        return conclude(result, (exposures[control], exposures[name]), (control, name))
    m = len(results)
    better = {n: r for n, r in results.items() if r.significant and (r.lift or 0) > 0}
    if better:
        name = max(better, key=lambda n: better[n].lift or 0)
        r = better[name]
        return (
            f"{name} wins (Holm-adjusted p = {r.adjusted:.3g} over {m} comparisons, "
            f"lift {r.lift or 0:+.0%} over {control})"
        )
    if all(r.significant and (r.lift or 0) < 0 for r in results.values()):
        worst = max(r.adjusted for r in results.values())
        return f"{control} wins (every other variant draws less; Holm-adjusted p ≤ {worst:.3g})"
    needed = [r.needed for r in results.values() if r.needed is not None]
    if needed:
        more = max(0, min(needed) - min(exposures.values()))
        return f"no winner yet — about {more:,} more impressions per variant needed"
    return "no winner yet — no difference seen so far"
