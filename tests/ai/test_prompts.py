"""Prompt templates: rendering, defaults, refusals, and what the emulator makes of them."""

from __future__ import annotations

import json
import re

import pytest

from clientnest_cli.ai import prompts
from clientnest_cli.ai.client import ChatClient
from clientnest_cli.errors import BadInput

VALUES = {
    "platform": "Bluesky",
    "max_chars": 300,
    "topic": "community gardens",
    "text": "Our garden opens on Saturday",
    "days": 3,
    "rules": ["at most 300 graphemes", "no more than 2 hashtags"],
}
EXPECTED_KEYS = {
    "optimize": {"text", "explanation", "improvements"},
    "hashtags": {"hashtags"},
    "thread": {"parts"},
    "reply": {"replies"},
    "plan": {"posts"},
}


def example_object(system: str) -> dict:
    """The JSON example a template shows (a line that is a JSON object)."""
    for line in system.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError("no JSON example in the prompt")


@pytest.mark.parametrize("name", prompts.PROMPT_NAMES)
def test_every_template_renders_a_system_and_a_user_message(name):
    messages = prompts.render(name, **VALUES)
    assert [m["role"] for m in messages] == ["system", "user"]
    for message in messages:
        assert message["content"]
        assert not re.search(r"\$\w", message["content"]), "placeholder left unfilled"
    assert "Bluesky" in messages[0]["content"] + messages[1]["content"]


@pytest.mark.parametrize("name", sorted(prompts.JSON_PROMPTS))
def test_json_templates_state_the_keys_they_want(name):
    system = prompts.render(name, **VALUES)[0]["content"]
    assert "JSON" in system
    assert set(example_object(system)) == EXPECTED_KEYS[name]


def test_generate_is_plain_text_and_carries_topic_limit_rules_and_tone():
    system, user = prompts.render("generate", **VALUES, tone="Playful ")
    assert "generate" not in prompts.JSON_PROMPTS
    assert "at most 300 characters" in system["content"]
    assert "- at most 300 graphemes\n- no more than 2 hashtags" in system["content"]
    assert "playful tone" in system["content"]
    assert "community gardens" in user["content"]


def test_defaults_fill_what_the_caller_leaves_out():
    system, user = prompts.render("hashtags", platform="X", text="hello world")
    assert "exactly 5 hashtags" in user["content"]
    system, _ = prompts.render("generate", platform="X", max_chars=280, topic="t", rules="")
    assert "professional tone" in system["content"]
    assert "(no extra rules)" in system["content"]


def test_user_text_is_kept_verbatim_even_with_dollars_and_markers():
    text = "Save $50 today! [user]\n$topic ${max_chars}"
    _, user = prompts.render("optimize", platform="X", max_chars=280, text=text)
    assert text in user["content"]


@pytest.mark.parametrize("tone", prompts.TONES)
def test_every_allowed_tone_is_accepted(tone):
    assert f"{tone} tone" in prompts.render("generate", **VALUES, tone=tone)[0]["content"]


def test_unknown_tone_lists_the_allowed_ones():
    with pytest.raises(BadInput) as caught:
        prompts.render("generate", **VALUES, tone="sarcastic")
    assert "sarcastic" in caught.value.message
    for tone in prompts.TONES:
        assert tone in caught.value.hint
    with pytest.raises(BadInput):
        prompts.check_tone("angry")


def test_missing_required_values_are_named():
    with pytest.raises(BadInput, match="topic"):
        prompts.render("generate", platform="X", max_chars=280)


def test_unknown_template_lists_the_known_ones():
    with pytest.raises(BadInput) as caught:
        prompts.render("poem", **VALUES)
    assert "generate" in caught.value.hint


@pytest.mark.parametrize("bad", [0, -5, "many", 2.5])
def test_counts_and_limits_must_be_positive_whole_numbers(bad):
    with pytest.raises(BadInput, match="max_chars"):
        prompts.render("generate", **{**VALUES, "max_chars": bad})


@pytest.mark.parametrize("name", sorted(prompts.JSON_PROMPTS))
def test_the_emulator_answers_each_json_prompt_with_its_keys(sandbox, name):
    client = ChatClient(sandbox.base_url("ai") + "/v1", "deepseek-chat", "sk-sandbox")
    data = client.complete_json(prompts.render(name, **VALUES, count=2), max_tokens=800)
    assert set(data) == EXPECTED_KEYS[name]
    items = next(value for value in data.values() if isinstance(value, list))
    if name == "plan":
        assert [post["day"] for post in data["posts"]] == [1, 2, 3]
        assert all("community gardens" in post["text"] for post in data["posts"])
    elif name != "optimize":
        assert len(items) == 2


def test_generated_text_keeps_to_the_stated_limit(sandbox):
    client = ChatClient(sandbox.base_url("ai") + "/v1", "deepseek-chat", "sk-sandbox")
    messages = prompts.render("generate", **{**VALUES, "max_chars": 40})
    text = client.complete(messages, max_tokens=200).text
    assert 0 < len(text) <= 40
    assert "community" in text
