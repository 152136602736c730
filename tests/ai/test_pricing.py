"""Token estimates and cost."""

from __future__ import annotations

import pytest

from clientnest_cli.ai.pricing import DEFAULT_PRICES, cost, estimate_tokens, price_for


def test_estimate_over_counts_english_text():
    text = "Launch day is here and we could not be happier to share it with you all. " * 4
    estimate = estimate_tokens([{"role": "user", "content": text}])
    assert estimate >= len(text) / 4  # real tokenizers: about 4 characters per token
    assert estimate <= len(text)


def test_estimate_counts_every_message_and_non_ascii_generously():
    one = estimate_tokens([{"role": "user", "content": "hi"}])
    two = estimate_tokens([{"role": "system", "content": "hi"}, {"role": "user", "content": "hi"}])
    assert two > one
    assert estimate_tokens([{"role": "user", "content": "日本語のテキスト"}]) >= 8
    assert estimate_tokens([]) > 0
    parts = [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]
    assert estimate_tokens(parts) > estimate_tokens([{"role": "user", "content": ""}])


def test_cost_uses_prices_per_million_tokens():
    prices = {"m": (1.0, 2.0)}
    assert cost("m", 1_000_000, 500_000, prices) == pytest.approx(2.0)
    assert cost("m", 0, 0, prices) == 0


def test_default_prices_cover_the_documented_models():
    assert {"deepseek-chat", "deepseek-reasoner", "gpt-4o-mini", "gpt-4o"} <= set(DEFAULT_PRICES)
    assert cost("deepseek-chat", 1000, 1000) > 0


def test_dated_variants_take_the_base_models_price_and_unknown_models_are_free():
    assert price_for("gpt-4o-mini-2024-07-18") == DEFAULT_PRICES["gpt-4o-mini"]
    assert price_for("gpt-4o-2024-08-06") == DEFAULT_PRICES["gpt-4o"]
    assert cost("llama3.2", 10_000, 10_000) == 0.0
