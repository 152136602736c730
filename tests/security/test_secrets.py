"""Secrets against a real Secret Service and the encrypted file, never plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientnest_cli.errors import SecretsError
from clientnest_cli.security.secrets import PASSPHRASE_ENV, Secrets


def roundtrip(secrets: Secrets) -> None:
    secrets.set("account:test", "tok-123")
    secrets.set_json("account:json", {"access_token": "a", "refresh_token": "r"})
    assert secrets.get("account:test") == "tok-123"
    assert secrets.get_json("account:json") == {"access_token": "a", "refresh_token": "r"}
    secrets.delete("account:test")
    secrets.delete("account:test")  # already gone: not an error
    assert secrets.get("account:test") is None
    secrets.delete("account:json")


def test_real_secret_service(secret_service: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    secrets = Secrets("keyring")
    assert "SecretService" in secrets.backend_name
    roundtrip(secrets)


def test_encrypted_file_backend_never_stores_plain_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    file = tmp_path / "secrets.cfg"
    secrets = Secrets("file", file)
    roundtrip(secrets)
    secrets.set("account:kept", "very-secret-token-value")
    assert file.exists()
    assert b"very-secret-token-value" not in file.read_bytes()
    assert Secrets("file", file).get("account:kept") == "very-secret-token-value"


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "secrets.cfg"
    monkeypatch.setenv(PASSPHRASE_ENV, "right")
    Secrets("file", file).set("account:x", "v")
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    with pytest.raises(SecretsError) as err:
        Secrets("file", file).get("account:x")
    assert PASSPHRASE_ENV in err.value.one_line()


def test_no_keychain_says_how_to_enable_the_encrypted_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(SecretsError) as err:
        Secrets("auto").set("account:x", "v")
    line = err.value.one_line()
    assert PASSPHRASE_ENV in line and "encrypted file" in line


def test_file_without_passphrase_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(SecretsError, match="passphrase"):
        Secrets("file").get("x")
    with pytest.raises(SecretsError, match="passphrase"):
        Secrets("cryptfile").get("x")  # the old name of the same backend


def test_native_keychain_is_the_one_the_full_scan_picks(
    secret_service: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Secrets` tries the platform's keychain before keyring's plugin scan; where it
    answers, it is the backend the scan of every backend would have chosen."""
    from keyring.backend import get_all_keyring

    from clientnest_cli.security import secrets as module

    monkeypatch.delenv("XDG_CURRENT_DESKTOP", raising=False)
    get_all_keyring.reset()  # the scan is kept per process; a test without a bus ran one
    native, scanned = module._native(), module._scanned()
    assert native is not None
    assert type(native) is type(scanned)


def test_the_full_scan_decides_where_the_native_keychain_might_not_be_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clientnest_cli.security import secrets as module

    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")  # KWallet outranks Secret Service there
    assert module._native() is None
    monkeypatch.delenv("XDG_CURRENT_DESKTOP")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # no Secret Service
    assert module._native() is None
    picked: list[str] = []
    monkeypatch.setattr(module, "_scanned", lambda: picked.append("scan") or "ring")
    assert Secrets("keyring").keyring == "ring" and picked == ["scan"]
