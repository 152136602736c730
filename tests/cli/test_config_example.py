"""config.example.toml documents every key and is itself a valid config."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from clientnest_cli.config import Settings, load_settings

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


KEY = re.compile(r"^#?\s*([a-z_][a-z0-9_-]*)\s+=\s")
SECTION = re.compile(r"^#?\s*\[([a-z0-9_.]+)\]\s*$")


def documented_keys() -> set[str]:
    """Every `key = value` line, commented out or not, with its section."""
    keys, section = set(), ""
    for line in EXAMPLE.read_text().splitlines():
        if m := SECTION.match(line):
            section = m.group(1)
        elif m := KEY.match(line):
            keys.add(f"{section}.{m.group(1)}" if section else m.group(1))
    return keys


def test_example_is_a_valid_config(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE)
    assert settings.ai.model == "deepseek-chat"
    assert "tiers" not in tomllib.loads(EXAMPLE.read_text())  # team policy: in the store


def test_every_settings_key_is_documented() -> None:
    keys = documented_keys()
    sections = {k.rsplit(".", 1)[0] for k in keys}  # e.g. ai.prices is a table of its own
    missing = []
    for name, field in Settings.model_fields.items():
        sub = getattr(field.annotation, "model_fields", None)  # a [section]
        if sub:
            missing += [
                f"{name}.{k}"
                for k in sub
                if f"{name}.{k}" not in keys and f"{name}.{k}" not in sections
            ]
        elif name not in ("tiers", "platforms") and name not in keys:
            missing.append(name)
    from clientnest_cli.config import PlatformSettings

    missing += [
        f"platforms.x.{k}" for k in PlatformSettings.model_fields if f"platforms.x.{k}" not in keys
    ]
    assert missing == []
