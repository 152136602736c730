"""Small HTTP helpers the emulators share.

``read_body`` is the one request-body reader: JSON, urlencoded form or
multipart/form-data (files included) become a ``Body``; malformed JSON or a
multipart body without a boundary raises ``BadBody``, and each emulator
answers that the way its platform does (multipart data that cannot be parsed
yields no fields, as a lenient server reads it). ``read_form`` is the lenient
form of it (a plain dict, {} for a malformed body). ``fetch_media`` fetches a media URL the way a
platform's crawler does (the URL may point at 127.0.0.1: in the sandbox and
in tests the media host runs locally).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

MAX_FIELD_BYTES = 64 * 1024 * 1024  # a non-file multipart field (Starlette's default: 1 MiB)


class BadBody(ValueError):
    """The request body could not be parsed."""


@dataclass
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Body:
    """A parsed request body: its fields in order (repeated keys kept) and its files."""

    kind: str  # "json" | "multipart" | "form"
    pairs: list[tuple[str, Any]] = field(default_factory=list)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """The first value of a field."""
        for name, value in self.pairs:
            if name == key:
                return value
        return default

    def get_list(self, key: str) -> list[Any]:
        """``media_ids[]`` from a form, or ``media_ids`` as a JSON array."""
        values: list[Any] = []
        for name, value in self.pairs:
            if name in (key, key + "[]"):
                values.extend(value if isinstance(value, list) else [value])
        return values

    def first(self) -> dict[str, Any]:
        """Every field once, the first value winning."""
        found: dict[str, Any] = {}
        for name, value in self.pairs:
            found.setdefault(name, value)
        return found

    def last(self) -> dict[str, Any]:
        """Every field once, the last value winning."""
        return dict(self.pairs)


def _boundary(content_type: str) -> str:
    for piece in content_type.split(";")[1:]:
        key, _, raw = piece.strip().partition("=")
        if key.lower() == "boundary":
            return raw.strip().strip('"')
    return ""


async def read_body(request: Request) -> Body:
    """JSON, multipart/form-data or (anything else) urlencoded, as one ``Body``."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    raw = await request.body()
    if media_type == "application/json":
        if not raw:
            return Body("json")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise BadBody("invalid JSON") from exc
        if not isinstance(data, dict):
            raise BadBody("JSON body must be an object")
        return Body("json", list(data.items()))
    if media_type == "multipart/form-data":
        if not raw:
            return Body("multipart")
        if not _boundary(content_type):
            raise BadBody("multipart body without boundary")
        return await _multipart(request)
    # urlencoded, or no content type at all (curl's default)
    return Body("form", parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


async def _multipart(request: Request) -> Body:
    body = Body("multipart")
    try:
        form = await request.form(max_part_size=MAX_FIELD_BYTES)
    except (HTTPException, MultiPartException):
        return body  # unparseable parts: no fields (the lenient reading kept from before)
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                ctype = value.content_type or "application/octet-stream"
                body.files[key] = UploadedFile(value.filename or "", ctype, await value.read())
            else:
                body.pairs.append((key, value))
    finally:
        await form.close()
    return body


async def read_form(request: Request, *, urlencoded_only: bool = False) -> dict[str, Any]:
    """The fields of a body, the last value winning; {} when it cannot be read.

    ``urlencoded_only``: a JSON or multipart body counts as no fields (endpoints
    that, like the platform's, read nothing but a urlencoded form).
    """
    try:
        body = await read_body(request)
    except BadBody:
        return {}
    if urlencoded_only and body.kind != "form":
        return {}
    return body.last()


async def fetch_media(url: str, kind: str, accepted: tuple[str, ...]) -> str:
    """Fetch a media URL the way Meta's crawler does; return "" or why it failed."""
    import httpx

    if not url.startswith(("http://", "https://")):
        return f"the {kind} URL is not an http(s) URL"
    try:
        async with httpx.AsyncClient(timeout=5.0, follow_redirects=True) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"the {kind} could not be fetched from the URL ({type(exc).__name__})"
    if response.status_code != 200:
        return f"the {kind} could not be fetched from the URL (HTTP {response.status_code})"
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in accepted:
        return f"unsupported {kind} format {ctype or 'unknown'}; use {', '.join(accepted)}"
    if not response.content:
        return f"the {kind} at the URL is empty"
    return ""
