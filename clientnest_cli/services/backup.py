"""`db backup FILE` and `db restore FILE`.

SQLite: the online backup API (consistent while the daemon writes; WAL
included). PostgreSQL: ``pg_dump``/``pg_restore`` in custom format, with a
clear message when they are not installed. A restore refuses to overwrite a
store that holds data unless ``force`` is given.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput, StoreError

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

PG_TOOLS_HINT = "install PostgreSQL's client tools (Debian: apt-get install postgresql-client)"


def backup(ctx: AppContext, file: Path, force: bool = False) -> str:
    """Copy the whole store to ``file``; returns what kind of copy it is."""
    from clientnest_cli.store.db import sqlite_path

    file = Path(file).expanduser()
    _check_target(file, force)
    with ctx.store.session(readonly=True) as session:
        actor = ctx.require(session, Role.ADMIN, "backing up the store")
    path = sqlite_path(ctx.database_url)
    if path is not None:
        _sqlite_copy(path, file)
        kind = "SQLite database"
    else:
        _pg_tool("pg_dump", ["--format=custom", "--no-owner", f"--file={file}"], ctx.database_url)
        os.chmod(file, 0o600)
        kind = "pg_dump custom archive"
    with ctx.store.session() as session:
        ctx.audit(session, actor.email, "store.backup", "store", "", file=file.name)
    return kind


def restore(ctx: AppContext, file: Path, force: bool = False) -> str:
    """Replace the store's contents with ``file``; refuses a store with data unless forced."""
    from clientnest_cli.store.db import sqlite_path

    file = Path(file).expanduser()
    if not file.is_file():
        raise BadInput(f"no backup file {file}")
    if _store_has_data(ctx) and not force:
        raise BadInput(
            "the store already holds data; restoring would replace all of it",
            hint="back it up first (`clientnest db backup FILE`), then add --force",
        )
    path = sqlite_path(ctx.database_url)
    if path is not None:
        _check_sqlite_backup(file)
        from clientnest_cli.store.db import prepare_sqlite_file

        ctx.close()
        prepare_sqlite_file(path)
        _sqlite_copy(file, path)
        return f"SQLite file {path}"
    args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(file)]
    ctx.close()
    _pg_tool("pg_restore", args, ctx.database_url)
    return "PostgreSQL database"


def _check_target(file: Path, force: bool) -> None:
    if file.exists() and not force:
        raise BadInput(f"{file} already exists", hint="choose another name, or add --force")
    if not file.parent.is_dir():
        raise BadInput(f"folder {file.parent} does not exist")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API, page by page; the target is 0600."""
    fresh = not target.exists()
    if fresh:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(target, 0o600)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst, pages=1024)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        if fresh:
            target.unlink(missing_ok=True)
        raise StoreError(f"cannot copy {source} to {target}: {exc}") from exc


def _check_sqlite_backup(file: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        raise BadInput(
            f"{file} is not a ClientNest SQLite backup",
            hint="a PostgreSQL archive restores only into a PostgreSQL store",
        ) from None


def _store_has_data(ctx: AppContext) -> bool:
    from clientnest_cli.errors import NotInitialised
    from clientnest_cli.store.db import current_revision

    try:
        store = ctx.open_store_unchecked()
    except NotInitialised:
        return False
    if current_revision(store.engine) is None:
        return False
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return bool(conn.execute(text('SELECT COUNT(*) FROM "user"')).scalar())


def _pg_tool(tool: str, args: list[str], url: str) -> None:
    """Run pg_dump / pg_restore against ``url``; the password goes by environment."""
    from sqlalchemy.engine import make_url

    exe = shutil.which(tool)
    if exe is None:
        raise StoreError(
            f"{tool} is not installed, so a PostgreSQL store cannot be copied", hint=PG_TOOLS_HINT
        )
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    conn = [f"--host={parsed.host or 'localhost'}", f"--port={parsed.port or 5432}"]
    conn += [f"--username={parsed.username}"] if parsed.username else []
    conn += [f"--dbname={parsed.database}"]
    result = subprocess.run(
        [exe, *conn, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit {result.returncode}"
        raise StoreError(f"{tool} failed: {reason}")
