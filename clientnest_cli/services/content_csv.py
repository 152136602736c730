"""CSV: one post per row (columns text, to, at, media, alt, hashtags, category;
optional thread, key, and id, group, status in an exported file).

Cells are neutralised on export by OWASP's CSV-injection rule: a cell that starts
with ``=``, ``+``, ``-``, ``@``, tab or carriage return (after any run of ``'``)
gets one more ``'`` in front, so no spreadsheet runs it as a formula; reading
takes that one ``'`` off again, so a re-import restores the text exactly.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from clientnest_cli.errors import BadInput
from clientnest_cli.services.content_items import (
    ImportItem,
    as_list,
    group_id,
    media_pairs,
    post_id,
    read_text,
    truthy,
    when,
)
from clientnest_cli.services.posts import ComposeRequest

CSV_COLUMNS = ["text", "to", "at", "media", "alt", "hashtags", "category"]
CSV_OPTIONAL = {"thread", "key", "id", "group", "status"}
EXPORT_COLUMNS = ["id", "group", "status", *CSV_COLUMNS, "thread"]
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet will not run it (OWASP: prefix a single quote)."""
    return "'" + cell if _FORMULA.match(cell) else cell


def restore(cell: str) -> str:
    """The inverse of ``neutralise``."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell[1:]) else cell


def read_csv(path: Path) -> tuple[list[ImportItem], list[str]]:
    """Items of a CSV, and the rows that cannot even be read as posts."""
    reader = csv.DictReader(io.StringIO(read_text(path, "utf-8-sig")))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in ("text", "to") if c not in columns]
    if missing:
        raise BadInput(
            f"{path}: no column(s) {', '.join(missing)}",
            hint=f"the first line names the columns: {','.join(CSV_COLUMNS)}",
        )
    unknown = sorted(set(columns) - set(CSV_COLUMNS) - CSV_OPTIONAL)
    if unknown:
        raise BadInput(f"{path}: unknown column(s): {', '.join(unknown)}")
    items, errors, keys = [], [], set()
    resolved = str(path.resolve())
    for number, raw in enumerate(reader, 1):
        if None in raw:
            errors.append(f"{path.name} row {number}: more cells than columns")
            continue
        row = {(k or "").strip().lower(): restore(v or "") for k, v in raw.items()}
        key = row.get("key", "").strip() or f"row-{number}"
        where = f"{path.name} row {number}"
        if key in keys:
            errors.append(f"{where}: key '{key}' is used twice")
            continue
        keys.add(key)
        try:
            items.append(_item(path, row, f"{resolved}#{key}", where))
        except BadInput as exc:
            errors.append(exc.one_line())
    return items, errors


def _item(path: Path, row: dict[str, str], source: str, where: str) -> ImportItem:
    draft = ComposeRequest(
        text=row.get("text", ""),
        targets=as_list(row.get("to")),
        media=media_pairs(
            path.parent, as_list(row.get("media"), r"\|"), as_list(row.get("alt"), r"\|"), where
        ),
        thread=truthy(row.get("thread")),
        category=row.get("category", ""),
        hashtags=as_list(row.get("hashtags")),
        at=when(row.get("at")),
    )
    return ImportItem(
        source=source,
        where=where,
        draft=draft,
        folder=path.parent,
        post_id=post_id(row.get("id"), where),
        group=group_id(row.get("group"), where),
        status=row.get("status", "").strip().lower(),
    )


def render_csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        row = {
            **record,
            "media": "|".join(record["media"]),
            "alt": "|".join(record["alt"]),
            "hashtags": " ".join(record["hashtags"]),
            "thread": "true" if record["thread"] else "",
        }
        writer.writerow(
            {k: neutralise(str(row[k] if row[k] is not None else "")) for k in EXPORT_COLUMNS}
        )
    return buffer.getvalue()
