"""`clientnest doctor`: each check passes or says what is wrong."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientnest_cli.errors import ClientNestError

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _run(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except ClientNestError as exc:
        return Check(name, False, exc.one_line())
    except Exception as exc:  # a check must never crash the report
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def run_checks(ctx: AppContext) -> list[Check]:
    checks = [_run("config", lambda: _config(ctx))]
    if not checks[0].ok:
        return checks
    checks.append(_run("store", lambda: _store(ctx)))
    checks.append(_run("keyring", lambda: ctx.secrets.check()))
    checks.append(_run("tokens", lambda: _tokens(ctx)))
    checks.append(_run("data folder", lambda: _data_dir(ctx)))
    return checks


def _config(ctx: AppContext) -> str:
    path = ctx.config_path or ctx.paths.config_file
    ctx.settings  # noqa: B018 - loading is the check
    return f"{path} ({'found' if path.exists() else 'not present: defaults'})"


def _store(ctx: AppContext) -> str:
    from clientnest_cli.store.db import SCHEMA_REVISION, describe

    ctx.store  # noqa: B018 - opening checks reachability and schema
    return f"{describe(ctx.database_url)}, schema {SCHEMA_REVISION}"


def _tokens(ctx: AppContext) -> str:
    from clientnest_cli.services.vault import status

    if ctx.settings.secrets.tokens != "store":
        return "in this host's keyring (secrets.tokens = keyring)"
    data = status(ctx)
    if not data.get("enrolled") and "none yet" not in str(data.get("data_key")):
        raise ClientNestError(
            f"sealed in the store, but {data['data_key']}",
            hint="`clientnest secrets enrol` on an enrolled host, then `clientnest secrets join` here",
        )
    return f"sealed in the store (AES-256-GCM), data key {data['data_key']}"


def _data_dir(ctx: AppContext) -> str:
    folder = ctx.paths.data_dir
    if not folder.exists():
        return f"{folder} not created yet (init creates it 0700)"
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    if mode & 0o077:
        raise ClientNestError(
            f"{folder} is readable by others (mode {mode:o})", hint=f"chmod 700 {folder}"
        )
    db = ctx.paths.database_file
    if db.exists() and stat.S_IMODE(os.stat(db).st_mode) & 0o077:
        raise ClientNestError(f"{db} is readable by others", hint=f"chmod 600 {db}")
    return f"{folder} (0700)"
