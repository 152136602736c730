"""config.toml, env overrides, masking, and config errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok


def write_config(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text(text)
    return path


def test_config_path_follows_clientnest_home(home: Path) -> None:
    assert ok("config", "path").stdout.strip() == str(home / "config.toml")


def test_env_overrides_file_and_nested_keys_use_double_underscore(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(home, '[ai]\nmodel = "from-file"\nmax_tokens = 100\n')
    monkeypatch.setenv("CLIENTNEST_AI__MODEL", "from-env")
    data = ok("config", "show", "--json").json()
    assert data["ai"]["model"] == "from-env"
    assert data["ai"]["max_tokens"] == 100


def test_show_masks_secrets(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(
        home, '[notifications]\nwebhook_url = "https://hooks.slack.com/services/T1/B2/sekrit"\n'
    )
    monkeypatch.setenv(
        "CLIENTNEST_DATABASE_URL", "postgresql+psycopg://app:hunter2@db.local:5432/cn"
    )
    out = ok("config", "show").stdout + ok("config", "show", "--json").stdout
    assert "sekrit" not in out and "hunter2" not in out
    assert "hooks.slack.com" in out and "db.local" in out


def test_toml_syntax_error_names_file_and_line(home: Path) -> None:
    path = write_config(home, '[ai]\nmodel = "ok"\nmax_tokens = = 3\n')
    run = cli("config", "show")
    assert run.exit_code == 2
    assert str(path) in run.stderr and "line 3" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_unknown_key_names_file_line_and_key(home: Path) -> None:
    path = write_config(home, '[ai]\nmodel = "ok"\nmodle = "typo"\n')
    run = cli("users", "list")
    assert run.exit_code == 2
    assert f"{path}:3" in run.stderr and "ai.modle" in run.stderr


def test_unreadable_config_is_a_clear_error(home: Path) -> None:
    path = write_config(home, "")
    path.write_bytes(b"\xff\xfe not utf8")
    run = cli("config", "show")
    assert run.exit_code == 2 and str(path) in run.stderr


def test_explicit_config_flag_must_exist(home: Path) -> None:
    run = cli("--config", str(home / "nope.toml"), "config", "show")
    assert run.exit_code == 2 and "does not exist" in run.stderr


def test_acting_user_from_config(home: Path) -> None:
    init_store()
    ok("users", "add", "viewer@acme.test", "--role", "viewer")
    write_config(home, 'user = "viewer@acme.test"\n')
    run = cli("clients", "add", "Acme")
    assert run.exit_code == 2 and "viewer@acme.test is viewer" in run.stderr


def test_doctor_passes_on_a_fresh_store_and_fails_on_open_permissions(home: Path) -> None:
    init_store()
    checks = {c["name"]: c for c in ok("doctor", "--json").json()}
    assert all(c["ok"] for c in checks.values()), checks
    (home / "data").chmod(0o755)
    run = cli("doctor", "--json")
    assert run.exit_code == 1
    failed = [c["name"] for c in run.json() if not c["ok"]]
    assert failed == ["data folder"]
