"""The reading commands' settings, read without pydantic, agree with the full loader.

``config_file.store_keys`` answers only when it is sure the pydantic model
accepts the config; it reads the model's JSON schema (``config_schema.json``),
which must be the model's own. Otherwise the full loader decides, so every
error is the one it gives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clientnest_cli.config_file import (
    _SCHEMA_FILE,
    CROSS_CHECKED,
    _Unsure,
    light_settings,
    store_keys,
)
from tests.helpers import cli, init_store


def test_the_schema_file_is_the_models_schema() -> None:
    from clientnest_cli.config import Settings

    assert json.loads(_SCHEMA_FILE.read_text(encoding="utf-8")) == json.loads(
        json.dumps(Settings.model_json_schema())
    ), "regenerate clientnest_cli/config_schema.json from Settings.model_json_schema()"


def test_every_cross_field_rule_is_in_a_cross_checked_section() -> None:
    from clientnest_cli.config import Settings

    with_rules = {
        name
        for name, field in Settings.model_fields.items()
        if getattr(field.annotation, "__pydantic_decorators__", None) is not None
        and field.annotation.__pydantic_decorators__.model_validators  # type: ignore[union-attr]
    }
    assert Settings.__pydantic_decorators__.model_validators == {}
    assert with_rules <= set(CROSS_CHECKED)


CONFIGS = [
    ('user = "a@b.test"\n', {}),
    ('database_url = "sqlite:////tmp/x.db"\n[ai]\nmodel = "m"\nmax_tokens = 20\n', {}),
    ("[ai]\nmax_tokens = 5\n", {}),  # under the minimum
    ("[ai]\nmax_tokens = 20.0\n", {}),  # a float where an int goes
    ("[ai]\nprices = { m = [1, 2.5] }\n", {}),
    ("[ai]\nprices = { m = [1] }\n", {}),
    ('[platforms.x]\nbase_url = "http://127.0.0.1:1"\n', {}),
    ("[platforms.x]\nnope = 1\n", {}),
    ('[secrets]\nbackend = "file"\n', {}),
    ('[secrets]\nbackend = "vault"\n', {}),
    ("[publishing]\nlease_seconds = 10\n", {}),  # the cross-field rule
    ("nope = 1\n", {}),
    ('log_level = "INFO"\n', {"CLIENTNEST_LOG_LEVEL": "info"}),
    ("", {"CLIENTNEST_USER": "env@b.test", "CLIENTNEST_SECRETS__BACKEND": "file"}),
    ("", {"CLIENTNEST_AI": '{"model": 5}'}),
    ("", {"CLIENTNEST_DATABASE_URL": "sqlite:////tmp/y.db"}),
    ('[secrets]\ntokens = "store"\n', {"CLIENTNEST_SECRETS__BACKEND": "keyring"}),
    ('[secrets]\nbackend = "file"\n', {"clientnest_secrets__backend": "auto"}),
    ("", {"CLIENTNEST_SECRETS__BACKEND": "vault"}),
    ("", {"CLIENTNEST_DAEMON__TOKEN_REFRESH_AHEAD_MINUTES": "5"}),  # a number to parse
    ("", {"CLIENTNEST_PLATFORMS__X__BASE_URL": "http://127.0.0.1:1"}),
    ("", {"CLIENTNEST_PUBLISHING__LEASE_SECONDS": "10"}),
    ('[notifications]\ndesktop = false\nwebhook_url = "https://h.test/x"\n', {}),
    ('[daemon]\ntoken_refresh_ahead_minutes = 5\n[platforms.bluesky]\nclient_id = "c"\n', {}),
]
PLAIN = [0, 1, 6, 8, 16, 17, 22, 23]  # configs the light readers answer for themselves


@pytest.mark.parametrize(("text", "env"), CONFIGS)
def test_light_answer_is_the_full_loaders(
    home: Path, monkeypatch: pytest.MonkeyPatch, text: str, env: dict[str, str]
) -> None:
    from clientnest_cli.config import load_settings
    from clientnest_cli.errors import ConfigError

    path = home / "config.toml"
    path.write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        light = store_keys(None, path)
    except _Unsure:
        light = None
    try:
        full = load_settings(path)
    except ConfigError:
        assert light is None  # only the full loader refuses, with its own message
        return
    if light is not None:
        assert (light.user, light.database_url) == (full.user, full.database_url)


def test_a_reading_command_gives_the_full_loaders_error(home: Path) -> None:
    init_store()
    (home / "config.toml").write_text("[ai]\nmax_tokens = 5\n")
    listing, show = cli("post", "list"), cli("config", "show")
    assert listing.exit_code == show.exit_code == 2
    assert listing.stderr == show.stderr and "ai.max_tokens" in listing.stderr


@pytest.mark.parametrize(("text", "env"), CONFIGS)
def test_light_settings_are_the_full_loaders(
    home: Path, monkeypatch: pytest.MonkeyPatch, text: str, env: dict[str, str]
) -> None:
    """`publish now`'s settings: every key as pydantic loads it, the full loader asked
    only for a key the schema has no default for (``ai.prices``)."""
    from clientnest_cli.config import load_settings
    from clientnest_cli.errors import ConfigError

    path = home / "config.toml"
    path.write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    asked: list[str] = []
    try:
        full = load_settings(path)
    except ConfigError:
        full = None
    try:
        light = light_settings(None, path, lambda: asked.append("full") or full)
    except _Unsure:
        assert CONFIGS.index((text, env)) not in PLAIN
        return
    assert full is not None  # the light reader never accepts what pydantic refuses
    for key, value in full.model_dump().items():
        if key == "platforms":
            for name in [*value, "elsewhere"]:
                want = full.platform(name).model_dump()
                assert {k: getattr(light.platform(name), k) for k in want} == want
        elif isinstance(value, dict):
            got = {k: getattr(getattr(light, key), k) for k in value if k != "prices"}
            assert got == {k: v for k, v in value.items() if k != "prices"}, key
        else:
            assert getattr(light, key) == value, key
    assert asked == []
    assert light.ai.prices == full.ai.prices and asked == ["full"]
