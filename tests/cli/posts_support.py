"""Shared pieces of the post tests: a store with accounts, tiny real media files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from tests.helpers import cli, init_store, ok, seed_account


def png_bytes(width: int = 1, height: int = 1, pad: int = 0) -> bytes:
    """A valid PNG; ``pad`` adds an ancillary chunk to make it bigger."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    extra = chunk(b"teXt", b"c\x00" + b"x" * pad) if pad else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_png(path: Path, pad: int = 0) -> Path:
    path.write_bytes(png_bytes(pad=pad))
    return path


def setup_store(tz: str = "Europe/Berlin") -> dict[str, int]:
    init_store(tz=tz)
    return {
        "x": seed_account("x", "acme"),
        "bluesky": seed_account("bluesky", "acme.bsky.social"),
        "mastodon": seed_account("mastodon", "acme", base_url="https://social.example"),
    }


def posts_json(*args: str) -> list[dict[str, Any]]:
    return ok("post", "list", "--json", "--limit", "1000", *args).json()


def audit_actions() -> list[str]:
    return [e["action"] for e in ok("audit", "list", "--json", "--limit", "1000").json()]


def snapshot() -> tuple[Any, Any]:
    return posts_json(), audit_actions()


def create(*args: str) -> list[dict[str, Any]]:
    return ok("post", "create", *args, "--json").json()


def refused(*args: str, input: str | None = None) -> str:
    """Run a command that must be refused as bad input; its stderr."""
    run = cli(*args, input=input)
    assert run.exit_code == 2, (run.exit_code, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("Error: ")
    return run.stderr
