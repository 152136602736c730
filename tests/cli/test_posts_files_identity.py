"""Content files keep identity (issue 10): an exported file is its post, wherever it lives."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.posts_support import audit_actions, posts_json, refused, setup_store, snapshot
from tests.helpers import ok


@pytest.fixture
def accounts(home: Path) -> dict[str, int]:
    return setup_store()


def set_post(post_id: int, **fields: Any) -> None:
    """Change a post as the publisher (or a proposal by `ai plan`) would."""
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            post = session.get(Post, post_id)
            assert post is not None
            for key, value in fields.items():
                setattr(post, key, value)
            session.add(post)
    finally:
        ctx.close()


def export_md(folder: Path) -> dict[int, Path]:
    ok("post", "export", "--format", "md", "--output", str(folder))
    return {int(p.name[:5]): p for p in sorted(folder.glob("*.md"))}


def imported(*args: str) -> dict[str, Any]:
    return ok("post", "import", *args, "--json").json()


def by_id() -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in posts_json()}


def test_a_moved_and_renamed_file_updates_its_post(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    ok("post", "create", "Hello all", "--to", "x:acme", "--to", "bluesky:acme.bsky.social",
       "--at", "2030-03-01 09:00")  # fmt: skip
    files = export_md(tmp_path / "out")
    assert set(files) == {1, 2}
    text = files[2].read_text()
    assert "id: 2\n" in text and f"group: {by_id()[2]['group_id']}\n" in text
    moved = tmp_path / "elsewhere" / "renamed.md"
    moved.parent.mkdir()
    shutil.move(files[2], moved)
    moved.write_text(text.replace("Hello all", "Hello everyone"))
    run = imported(str(moved))
    assert (run["created"], run["updated"], run["unchanged"]) == ([], [2], [])
    rows = by_id()
    assert len(rows) == 2 and rows[2]["content"] == "Hello everyone"
    assert rows[2]["status"] == "scheduled" and rows[1]["content"] == "Hello all"
    # unchanged now: reported, and nothing written (no audit entry, no timestamp)
    before = snapshot()
    again = imported(str(moved), str(files[1]))
    assert (again["created"], again["updated"]) == ([], [])
    assert again["unchanged"] == ["renamed.md: post 2 left as it was",
                                  "00001-hello-all.md: post 1 left as it was"]  # fmt: skip
    assert snapshot() == before
    line = ok("post", "import", str(moved), str(files[1])).stdout
    assert "Imported: 0 created, 0 updated, 2 left as they were, 0 skipped." in line


def test_an_exported_draft_stays_a_draft(accounts: dict[str, int], tmp_path: Path) -> None:
    ok("post", "create", "Maybe later", "--to", "x:acme")
    # a draft with a proposed time (as `ai plan` makes): the export writes that time
    set_post(1, scheduled_at=datetime(2030, 6, 1, 7, 0, tzinfo=UTC))
    [path] = export_md(tmp_path / "out").values()
    assert "status: draft" in path.read_text() and "at: '2030-06-01T07:00:00+00:00'" in (
        path.read_text()
    )
    path.write_text(path.read_text().replace("Maybe later", "Maybe much later"))
    run = imported(str(path))
    assert run["updated"] == [1] and by_id()[1]["status"] == "draft"
    # an `at:` the user wrote schedules it
    path.write_text(path.read_text().replace("2030-06-01T07:00", "2030-06-02T07:00"))
    imported(str(path))
    assert by_id()[1]["status"] == "scheduled"
    assert by_id()[1]["scheduled_at"] == "2030-06-02T07:00:00+00:00"


def test_schedule_flag_schedules_a_draft_with_a_time(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    ok("post", "create", "Proposal", "--to", "x:acme")
    set_post(1, scheduled_at=datetime(2030, 6, 1, 7, 0, tzinfo=UTC))
    [path] = export_md(tmp_path / "out").values()
    assert imported(str(path))["unchanged"] == ["00001-proposal.md: post 1 left as it was"]
    assert by_id()[1]["status"] == "draft"
    run = imported(str(path), "--schedule")
    assert run["updated"] == [1] and by_id()[1]["status"] == "scheduled"


def test_a_published_post_is_never_changed_nor_copied(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    ok("post", "create", "Live already", "--to", "x:acme", "--at", "2030-03-01 09:00")
    [path] = export_md(tmp_path / "out").values()
    set_post(1, status="published", platform_post_id="123")
    # unchanged: left as it was
    assert imported(str(path))["unchanged"] == ["00001-live-already.md: post 1 left as it was"]
    # edited: refused, nothing written, never a silent new post
    path.write_text(path.read_text().replace("Live already", "Live already, edited"))
    before = snapshot()
    stderr = refused("post", "import", str(path))
    assert snapshot() == before
    assert (
        "00001-live-already.md: post 1 is already published — remove `id:` to make a new post"
        in stderr
    )
    set_post(1, status="publishing")
    assert "post 1 is already publishing — remove `id:`" in refused("post", "import", str(path))
    # removing the id makes a new post, in a group of its own
    lines = [line for line in path.read_text().splitlines() if not line.startswith("id:")]
    path.write_text("\n".join(lines) + "\n")
    run = imported(str(path))
    assert len(run["created"]) == 1 and len(by_id()) == 2
    new = by_id()[run["created"][0]]
    assert new["content"] == "Live already, edited" and new["group_id"] != by_id()[1]["group_id"]


def test_files_of_posts_whose_time_has_passed_reimport(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    """A published or failed post's time is in the past: its file still re-imports."""
    ok("post", "create", "Went out", "--to", "x:acme", "--at", "2030-03-01 09:00")
    ok("post", "create", "Went wrong", "--to", "x:acme", "--at", "2030-03-01 09:00")
    past = datetime(2021, 3, 1, 8, 0, tzinfo=UTC)
    set_post(1, status="published", scheduled_at=past)
    set_post(2, status="failed", scheduled_at=past, last_error="boom")
    files = export_md(tmp_path / "out")
    before = snapshot()
    run = imported(*map(str, files.values()))
    assert (run["updated"], len(run["unchanged"])) == ([], 2)
    assert snapshot() == before
    files[2].write_text(files[2].read_text().replace("Went wrong", "Went wrong, fixed"))
    run = imported(str(files[2]))
    assert run["updated"] == [2] and by_id()[2]["status"] == "failed"  # not promoted
    assert by_id()[2]["content"] == "Went wrong, fixed"
    # a past time the post does not have is still refused
    files[2].write_text(files[2].read_text().replace("2021-03-01T08:00", "2021-03-02T08:00"))
    assert "is in the past" in refused("post", "import", str(files[2]))


def test_a_file_from_another_store_is_refused_unless_new(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    text = "---\nid: {id}\ngroup: {group}\nstatus: scheduled\nto: {to}\nat: '2030-01-01T08:00:00+00:00'\n---\n\n{body}\n"
    (folder / "a.md").write_text(text.format(id=41, group="ab" * 16, to="x:acme", body="One"))
    (folder / "b.md").write_text(
        text.format(id=42, group="ab" * 16, to="bluesky:acme.bsky.social", body="One")
    )
    before = snapshot()
    stderr = refused("post", "import", str(folder / "a.md"))
    assert snapshot() == before
    assert "a.md: post 41 is not in this store (is the file from another one?) — add --new" in (
        stderr
    )
    run = imported(str(folder / "a.md"), str(folder / "b.md"), "--new")
    assert len(run["created"]) == 2
    rows = list(by_id().values())
    # an exported `at:` is not the user's: the new posts are drafts, siblings still
    assert {r["status"] for r in rows} == {"draft"}
    assert len({r["group_id"] for r in rows}) == 1 and rows[0]["group_id"] != "ab" * 16
    # an id this store has, in another group, is another store's post too
    ok("post", "create", "Mine", "--to", "x:acme")
    (folder / "c.md").write_text(text.format(id=3, group="cd" * 16, to="x:acme", body="Theirs"))
    assert "post 3 is not in this store" in refused("post", "import", str(folder / "c.md"))
    assert by_id()[3]["content"] == "Mine"


def test_bad_ids_and_targets_are_refused(accounts: dict[str, int], tmp_path: Path) -> None:
    ok("post", "create", "First", "--to", "x:acme")
    [path] = export_md(tmp_path / "out").values()
    text = path.read_text()
    before = snapshot()
    cases = {
        "id: 1\n": ("id: one\n", "id 'one' is not a post id"),
        "to: x:acme\n": ("to: bluesky:acme.bsky.social\n", "post 1 is not for bluesky"),
        r"group: \w+": ("group: not-hex!", "group 'not-hex!' is not a group id"),
    }
    for old, (new, message) in cases.items():
        bad = tmp_path / "bad.md"
        bad.write_text(re.sub(old, new, text, count=1))
        stderr = refused("post", "import", str(bad))
        assert message in stderr, stderr
    copy = tmp_path / "copy.md"
    copy.write_text(text.replace("First", "Second"))
    assert "copy.md: post 1 is also 00001-first.md" in refused(
        "post", "import", str(path), str(copy)
    )
    assert snapshot() == before
    run = imported(str(path), str(copy), "--skip-invalid")  # the copy is skipped, not applied
    assert run["unchanged"] == ["00001-first.md: post 1 left as it was"]
    assert len(run["skipped"]) == 1 and by_id()[1]["content"] == "First"


def test_a_thread_part_id_is_refused_in_one_line(accounts: dict[str, int], tmp_path: Path) -> None:
    ok("post", "create", "One\n---\nTwo", "--to", "x:acme", "--thread")
    path = tmp_path / "part.md"
    path.write_text("---\nid: 2\nto: x:acme\n---\nTwo, edited\n")
    before = snapshot()
    stderr = refused("post", "import", str(path))
    assert snapshot() == before
    assert stderr == (
        "Error: part.md: post 2 is a part of a thread — edit the thread's first post, 1\n"
    )


def test_csv_rows_keep_identity_too(accounts: dict[str, int], tmp_path: Path) -> None:
    ok("post", "create", "Row one", "--to", "x:acme", "--at", "2030-03-01 09:00")
    ok("post", "create", "Row two", "--to", "bluesky:acme.bsky.social")
    target = tmp_path / "moved" / "export.csv"
    target.parent.mkdir()
    ok("post", "export", "--format", "csv", "--output", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["id"] for r in rows] == ["1", "2"] and all(len(r["group"]) == 32 for r in rows)
    before = snapshot()
    assert imported(str(target))["unchanged"] == [
        "export.csv row 1: post 1 left as it was",
        "export.csv row 2: post 2 left as it was",
    ]
    assert snapshot() == before
    rows[1]["text"] = "Row two, edited"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(buffer.getvalue())
    run = imported(str(renamed))
    assert (run["created"], run["updated"]) == ([], [2])
    assert by_id()[2]["content"] == "Row two, edited" and by_id()[2]["status"] == "draft"
    set_post(1, status="published")
    rows[0]["text"] = "Row one, edited"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    renamed.write_text(buffer.getvalue())
    assert "renamed.csv row 1: post 1 is already published — remove `id:`" in refused(
        "post", "import", str(renamed)
    )
    assert audit_actions().count("post.import") == 1
