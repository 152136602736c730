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
    secrets = Secrets("cryptfile", file)
    roundtrip(secrets)
    secrets.set("account:kept", "very-secret-token-value")
    assert file.exists()
    assert b"very-secret-token-value" not in file.read_bytes()
    assert Secrets("cryptfile", file).get("account:kept") == "very-secret-token-value"


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "secrets.cfg"
    monkeypatch.setenv(PASSPHRASE_ENV, "right")
    Secrets("cryptfile", file).set("account:x", "v")
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    with pytest.raises(SecretsError) as err:
        Secrets("cryptfile", file).get("account:x")
    assert PASSPHRASE_ENV in err.value.one_line()


def test_no_keychain_says_how_to_enable_the_encrypted_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(SecretsError) as err:
        Secrets("auto").set("account:x", "v")
    line = err.value.one_line()
    assert PASSPHRASE_ENV in line and "keyrings.cryptfile" in line


def test_cryptfile_without_passphrase_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(SecretsError, match="passphrase"):
        Secrets("cryptfile").get("x")


def test_encrypted_file_stays_readable_by_plain_cryptfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key cache changes no byte of the format: keyrings.cryptfile reads our file."""
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    monkeypatch.setenv(PASSPHRASE_ENV, "shared secret")
    file = tmp_path / "secrets.cfg"
    ours = Secrets("cryptfile", file)
    ours.set("account:a", "token-a")
    ours.set("account:b", "token-b")
    plain = CryptFileKeyring()
    plain.file_path = str(file)
    plain.keyring_key = "shared secret"
    assert plain.get_password("clientnest", "account:a") == "token-a"
    plain.set_password("clientnest", "account:c", "token-c")
    assert Secrets("cryptfile", file).get("account:c") == "token-c"
