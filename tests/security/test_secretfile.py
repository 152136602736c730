"""The clientnest-secrets/1 file: its format, one key derivation, the old file's migration."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from clientnest_cli.errors import SecretsError
from clientnest_cli.security import secretfile
from clientnest_cli.security.secretfile import FORMAT, KDF_PARAMS
from clientnest_cli.security.secrets import PASSPHRASE_ENV, Secrets


@pytest.fixture
def kdf_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every Argon2id derivation this process makes from now on (as a fresh process)."""
    calls: list[bytes] = []
    real = secretfile.derive_key

    def counted(passphrase: str, salt: bytes, *params: int) -> bytes:
        calls.append(salt)
        return real(passphrase, salt, *params)

    secretfile.forget_keys()
    monkeypatch.setattr(secretfile, "derive_key", counted)
    return calls


def test_file_is_the_documented_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    file = tmp_path / "secrets.json"
    Secrets("file", file).set("account:a", "token-value-a")
    doc = json.loads(file.read_text())
    assert doc["format"] == FORMAT
    assert doc["kdf"] | {"salt": ""} == {"alg": "argon2id", "salt": "", **KDF_PARAMS}
    assert set(doc["entries"]["clientnest"]) == {"account:a"}
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert b"token-value-a" not in file.read_bytes()


def test_owasp_minimum_argon2id_parameters() -> None:
    """OWASP: Argon2id with m >= 19 MiB, t >= 2, p >= 1 (its first recommended option)."""
    assert KDF_PARAMS["memory_cost"] >= 19456
    assert KDF_PARAMS["time_cost"] >= 2
    assert KDF_PARAMS["parallelism"] >= 1


def test_one_derivation_per_process_for_many_entries_and_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kdf_calls: list[bytes]
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "pw")
    file = tmp_path / "secrets.json"
    first, second = Secrets("file", file), Secrets("file", file)
    for i in range(10):
        (first if i % 2 else second).set(f"account:{i}", f"v{i}")
    assert [first.get(f"account:{i}") for i in range(10)] == [f"v{i}" for i in range(10)]
    assert len(kdf_calls) == 1


def test_entry_moved_under_another_name_does_not_decrypt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "pw")
    file = tmp_path / "secrets.json"
    Secrets("file", file).set("account:a", "va")
    doc = json.loads(file.read_text())
    doc["entries"]["clientnest"]["account:b"] = doc["entries"]["clientnest"]["account:a"]
    file.write_text(json.dumps(doc))
    with pytest.raises(SecretsError, match="altered"):
        Secrets("file", file).get("account:b")


def test_concurrent_writers_lose_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "pw")
    file = tmp_path / "secrets.json"
    Secrets("file", file).set("seed", "x")

    def write(n: int) -> None:
        own = Secrets("file", file)  # its own object, as another process would have
        for i in range(5):
            own.set(f"k{n}-{i}", str(i))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = Secrets("file", file)
    assert all(reader.get(f"k{n}-{i}") == str(i) for n in range(4) for i in range(5))


def test_not_our_format_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "pw")
    file = tmp_path / "secrets.json"
    file.write_text('{"hello": 1}')
    with pytest.raises(SecretsError, match="not a clientnest-secrets/1"):
        Secrets("file", file).get("x")


def _old_file(path: Path, passphrase: str, values: dict[str, str]) -> None:
    """Written by keyrings.cryptfile itself, as ClientNest used to."""
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    old = CryptFileKeyring()
    old.time_cost, old.memory_cost = 15, 2**16  # its defaults, said out loud
    old.file_path = str(path)
    old.keyring_key = passphrase
    for key, value in values.items():
        old.set_password("clientnest", key, value)


def test_old_cryptfile_is_migrated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kdf_calls: list[bytes]
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "old passphrase")
    old = tmp_path / "secrets.cfg"
    values = {
        "account:0123abcd": '{"access_token":"tok-a","refresh_token":"ref-a"}',
        "app:x:client_secret": "client-secret-x",
        "ai:api_key": "sk-ai",
    }
    _old_file(old, "old passphrase", values)
    new = tmp_path / "secrets.json"
    secrets = Secrets("file", new)
    assert {k: secrets.get(k) for k in values} == values
    assert not old.exists() and (tmp_path / "secrets.cfg.migrated").exists()
    assert b"tok-a" not in new.read_bytes()
    kdf_calls.clear()
    secretfile.forget_keys()
    again = Secrets("file", new)  # the next process: new format only
    assert {k: again.get(k) for k in values} == values
    assert len(kdf_calls) == 1


def test_old_cryptfile_with_wrong_passphrase_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_file(tmp_path / "secrets.cfg", "right", {"account:x": "v"})
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    with pytest.raises(SecretsError) as err:
        Secrets("file", tmp_path / "secrets.json").get("account:x")
    assert PASSPHRASE_ENV in err.value.one_line()
    assert (tmp_path / "secrets.cfg").exists() and not (tmp_path / "secrets.json").exists()
