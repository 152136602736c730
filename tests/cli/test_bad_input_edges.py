"""Bad input found by trying ClientNest as a user (issue 17): each refused in one
line with exit 2 and nothing stored, or handled quietly where that is right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.posts_support import refused, setup_store, snapshot, write_png
from tests.helpers import cli, init_store, ok, seed_account


def _refused_unchanged(*args: str) -> str:
    before = snapshot()
    stderr = refused(*args)
    assert snapshot() == before
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr


# --- times at the end of the calendar ---------------------------------------------------


def test_a_time_near_year_9999_is_refused_before_storing(home: Path) -> None:
    setup_store()
    stderr = _refused_unchanged(
        "post", "create", "Hi", "--to", "x:acme", "--at", "9999-12-31T23:59:00+00:00"
    )
    assert "more than 100 years ahead" in stderr
    _refused_unchanged("post", "create", "Hi", "--to", "x:acme", "--at", "in 20000 years")
    _refused_unchanged(
        "post", "create", "Hi", "--to", "x:acme", "--every", "mon 09:00", "--until", "9999-12-31"
    )
    ok("post", "list")


def test_a_los_angeles_user_at_the_last_minute_of_9999(home: Path) -> None:
    setup_store(tz="America/Los_Angeles")
    create = ok("post", "create", "Draft", "--to", "x:acme", "--json").json()
    stderr = _refused_unchanged(
        "post", "create", "Hi", "--to", "x:acme", "--at", "9999-12-31 23:59"
    )
    assert "more than 100 years ahead" in stderr
    post_id = str(create[0]["id"])
    _refused_unchanged("post", "schedule", post_id, "--at", "9999-12-31 23:59")
    ok("post", "show", post_id)


# --- alt text -----------------------------------------------------------------------------


def test_alt_text_is_checked_against_each_platform_at_create(home: Path, tmp_path: Path) -> None:
    setup_store()
    pic = write_png(tmp_path / "latte.png")
    targets = ["--to", "x:acme", "--to", "mastodon:acme", "--to", "bluesky:acme.bsky.social"]
    before = snapshot()
    stderr = refused("post", "create", "Hi", *targets, "--media", str(pic), "--alt", "a" * 5000)
    assert snapshot() == before
    first, *violations = stderr.strip().splitlines()
    assert "3 target(s)" in first
    assert violations == [
        "  x:acme: alt_text — latte.png: 5000/1000 characters of alt text, 4000 over",
        "  mastodon:acme: alt_text — latte.png: 5000/1500 characters of alt text, 3500 over",
        "  bluesky:acme.bsky.social: alt_text — latte.png: 5000/2000 characters of alt text, "
        "3000 over",
    ]
    # at the limit is fine; over it for X only names X
    ok("post", "create", "Hi", *targets, "--media", str(pic), "--alt", "a" * 1000)
    stderr = refused("post", "create", "Hi", *targets, "--media", str(pic), "--alt", "a" * 1001)
    assert stderr.count("alt_text") == 1 and "x:acme: alt_text" in stderr


# --- names with capitals outside ASCII (SQLite's lower() folds ASCII only) -------------


def test_non_ascii_names_are_found_in_any_case(home: Path, tmp_path: Path) -> None:
    init_store()
    ok("clients", "add", "Ölmühle GmbH")
    feed = tmp_path / "Ünï.json"
    ref = ok("accounts", "connect", "feed", "--path", str(feed), "--json").json()["ref"]
    assert ref == "feed:Ünï.json"
    ok("accounts", "set-client", "feed:ünï.json", "Ölmühle GmbH")
    ok("accounts", "set-client", "FEED:ÜNÏ.JSON", "ölmühle gmbh")
    listed = ok("accounts", "list", "--client", "ÖLMÜHLE GMBH", "--json").json()
    assert [a["ref"] for a in listed] == [ref]
    made = ok("post", "create", "Grüße", "--to", "feed:ünï.json", "--json").json()
    assert made[0]["account"] == ref
    assert "already exists" in refused("clients", "add", "ölmühle gmbh")


# --- the store's location ---------------------------------------------------------------------


def test_database_url_inside_a_file_is_bad_input_naming_the_key(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n")
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", f"sqlite:///{a_file}/dir/x.db")
    run = cli("init", "--email", "o@acme.test")
    assert run.exit_code == 2, run.stderr
    assert "database_url" in run.stderr and str(a_file) in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert a_file.read_text() == "root:x:0:0\n"


def test_database_url_in_a_missing_folder_is_not_created(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no" / "such"
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", f"sqlite:///{missing}/x.db")
    run = cli("init", "--email", "o@acme.test")
    assert run.exit_code == 2 and "database_url" in run.stderr and "mkdir -p" in run.stderr
    assert not (tmp_path / "no").exists()
    missing.mkdir(parents=True)
    ok("init", "--email", "o@acme.test")
    assert (missing / "x.db").exists()


# --- config files that are not config files ------------------------------------------------


def test_config_that_never_ends_is_refused(home: Path) -> None:
    run = cli("--config", "/dev/zero", "post", "list")
    assert run.exit_code == 2 and "larger than 1024 KB" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_config_just_under_the_cap_is_read(home: Path) -> None:
    big = home / "big.toml"
    big.write_text("# " + "x" * (1024 * 1024 - 10) + "\nlog_level = 'DEBUG'\n")
    assert cli("--config", str(big), "config", "show").exit_code == 2  # 1 MB + a line: too big
    big.write_text("# padding\n" * 1000 + "log_level = 'DEBUG'\n")
    assert 'log_level = "DEBUG"' in ok("--config", str(big), "config", "show").stdout


# --- a store that cannot be written --------------------------------------------------------


def test_read_only_store_still_answers_reads(home: Path) -> None:
    setup_store()
    ok("post", "create", "Readable", "--to", "x:acme")
    db = home / "data" / "clientnest.db"
    before = db.read_bytes()
    db.chmod(0o400)
    try:
        listed = ok("post", "list", "--json").json()
        assert [p["content"] for p in listed] == ["Readable"]
        ok("post", "show", str(listed[0]["id"]))
        run = cli("clients", "add", "Acme")
        assert run.exit_code == 1 and "not writable" in run.stderr
        assert "chmod 600" not in run.stderr
        assert db.read_bytes() == before
    finally:
        db.chmod(0o600)


# --- output into a closed pipe -------------------------------------------------------------


def test_post_list_into_a_closed_pipe_exits_quietly(home: Path) -> None:
    setup_store()
    for i in range(3):
        ok("post", "create", f"Post {i}", "--to", "x:acme")
    # the reader is gone before anything is written: the first write gets EPIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "clientnest_cli", "post", "list"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert stderr == ""


# --- NUL bytes ---------------------------------------------------------------------------


def test_nul_bytes_are_removed_with_a_note(home: Path, tmp_path: Path) -> None:
    setup_store()
    run = cli("post", "create", "Hi\x00 there", "--to", "x:acme", "--json")
    assert run.exit_code == 0
    assert run.json()[0]["content"] == "Hi there"
    assert "removed 1 NUL byte(s)" in run.stderr
    text = tmp_path / "post.txt"
    text.write_bytes(b"From \x00a \x00file\x07")
    run = cli("post", "create", "--file", str(text), "--to", "x:acme", "--json")
    assert run.json()[0]["content"] == "From a file"
    assert "removed 2 NUL byte(s)" in run.stderr and "removed 1 control character" in run.stderr
    clean = cli("post", "create", "Nothing odd\nhere", "--to", "x:acme")
    assert clean.stderr == ""


def test_seeded_accounts_with_non_ascii_handles_are_keyed_too(home: Path) -> None:
    init_store()
    seed_account("mastodon", "Ärger", base_url="https://social.example")
    ok("post", "create", "Hallo", "--to", "mastodon:ärger")
