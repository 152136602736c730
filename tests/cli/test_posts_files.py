"""Posts as files: Markdown with front matter, CSV, export and re-import."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.posts_support import (
    audit_actions,
    posts_json,
    refused,
    setup_store,
    snapshot,
    write_png,
)
from tests.helpers import ok


@pytest.fixture
def accounts(home: Path) -> dict[str, int]:
    return setup_store()


MD = """---
to: [x:acme, bluesky:acme.bsky.social]
at: 2030-04-01T10:00
hashtags: [spring]
category: news
media: pic.png
alt: A pixel
---
Spring is here!
"""


def test_markdown_import_and_reimport_updates_the_same_posts(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    write_png(tmp_path / "pic.png")
    path = tmp_path / "spring.md"
    path.write_text(MD, encoding="utf-8")
    run = ok("post", "import", str(path), "--json").json()
    assert (len(run["created"]), run["updated"]) == (2, [])
    rows = posts_json()
    assert {r["content"] for r in rows} == {"Spring is here! #spring"}
    assert {r["scheduled_local"] for r in rows} == {"2030-04-01T10:00:00+02:00"}
    assert {r["source_file"] for r in rows} == {str(path.resolve())}
    assert len({r["group_id"] for r in rows}) == 1
    media = ok("post", "show", str(rows[0]["id"]), "--json").json()["media"]
    assert [(m["alt_text"], m["media_type"]) for m in media] == [("A pixel", "image/png")]

    path.write_text(MD.replace("Spring is here!", "Spring is really here!"), encoding="utf-8")
    again = ok("post", "import", str(path), "--json").json()
    assert again["created"] == [] and sorted(again["updated"]) == sorted(run["created"])
    rows = posts_json()
    assert len(rows) == 2 and {r["content"] for r in rows} == {"Spring is really here! #spring"}
    assert audit_actions().count("post.import") == 4


def test_markdown_thread_and_draft(accounts: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "thread.md"
    path.write_text("---\nto: x:acme\nthread: true\n---\nOne\n\n---\n\nTwo\n", encoding="utf-8")
    ok("post", "import", str(path))
    rows = sorted(posts_json(), key=lambda r: r["id"])
    assert [(r["content"], r["status"], r["thread_position"]) for r in rows] == [
        ("One", "draft", 0),
        ("Two", "draft", 1),
    ]
    path.write_text("---\nto: x:acme\nthread: true\n---\nOne\n---\nTwo\n---\nThree\n")
    ok("post", "import", str(path))
    rows = sorted(posts_json(), key=lambda r: r["id"])
    assert [r["content"] for r in rows] == ["One", "Two", "Three"]
    assert rows[2]["thread_parent_id"] == rows[0]["id"]


def test_malformed_front_matter_names_the_file(accounts: dict[str, int], tmp_path: Path) -> None:
    bad = tmp_path / "broken.md"
    bad.write_text("---\nto: [x:acme\n---\nHello\n", encoding="utf-8")
    before = snapshot()
    stderr = refused("post", "import", str(bad))
    assert snapshot() == before
    assert "broken.md: malformed front matter" in stderr and len(stderr.splitlines()) == 1
    unknown = tmp_path / "typo.md"
    unknown.write_text("---\nto: x:acme\ncatgory: news\n---\nHello\n", encoding="utf-8")
    assert "unknown front matter key(s): catgory" in refused("post", "import", str(unknown))


CSV = "text,to,at,hashtags,category\nHello,x:acme,2030-05-01 09:00,a b,news\n{second}\nThird,bluesky:acme.bsky.social,,,\n"


def test_csv_with_one_bad_row_writes_nothing_and_reports_it(
    accounts: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "bulk.csv"
    path.write_text(CSV.format(second="World,x:nobody,,,"), encoding="utf-8")
    before = snapshot()
    stderr = refused("post", "import", str(path))
    assert snapshot() == before
    assert stderr.splitlines() == [
        "Error: 1 of 3 item(s) are invalid; nothing was imported — fix them, or import the "
        "valid ones with --skip-invalid",
        "  bulk.csv row 2: no account 'x:nobody' — see `clientnest accounts list`",
    ]
    run = ok("post", "import", str(path), "--skip-invalid", "--json").json()
    assert len(run["created"]) == 2 and len(run["skipped"]) == 1
    assert sorted(r["content"] for r in posts_json()) == ["Hello #a #b", "Third"]
    # fixing the row and importing again adds only that row; the others are unchanged
    path.write_text(CSV.format(second="World,x:acme,,,"), encoding="utf-8")
    run = ok("post", "import", str(path), "--json").json()
    assert (len(run["created"]), len(run["updated"]), len(run["unchanged"])) == (1, 0, 2)
    assert len(posts_json()) == 3


def test_csv_row_too_long_lists_violation(accounts: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(f"text,to\n{'x' * 290},x:acme\nfine,x:acme\n", encoding="utf-8")
    stderr = refused("post", "import", str(path))
    assert "long.csv row 1: x:acme: length — 290/280 weighted characters, 10 over" in stderr
    assert posts_json() == []


def test_export_formats_round_trip(accounts: dict[str, int], tmp_path: Path) -> None:
    ok("post", "create", "First\n---\nSecond", "--to", "x:acme", "--thread", "--hashtag", "t")
    ok("post", "create", "Later", "--to", "bluesky:acme.bsky.social", "--at", "2030-01-01 09:00")
    out = tmp_path / "md"
    ok("post", "export", "--format", "md", "--output", str(out))
    files = sorted(out.glob("*.md"))
    assert [f.name for f in files] == ["00001-first-second-t.md", "00003-later.md"]
    text = files[0].read_text()
    assert (
        "to: x:acme" in text and "thread: true" in text and "First\n\n---\n\nSecond\n\n#t" in text
    )
    data = json.loads(ok("post", "export", "--format", "json", "--status", "scheduled").stdout)
    assert [(d["to"], d["at"]) for d in data] == [
        ("bluesky:acme.bsky.social", "2030-01-01T08:00:00+00:00")
    ]
    rows = list(csv.DictReader(io.StringIO(ok("post", "export", "--format", "csv").stdout)))
    assert [r["to"] for r in rows] == ["x:acme", "bluesky:acme.bsky.social"]
    # an exported Markdown file is that post: importing it unchanged writes nothing
    before = snapshot()
    run = ok("post", "import", str(files[1]), "--json").json()
    assert (run["created"], run["updated"]) == ([], [])
    assert run["unchanged"] == ["00003-later.md: post 3 left as it was"]
    assert snapshot() == before
    target = tmp_path / "posts.csv"
    ok("post", "export", "--format", "csv", "--output", str(target))
    assert target.read_text().startswith(
        "id,group,status,text,to,at,media,alt,hashtags,category,thread"
    )
