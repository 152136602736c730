"""Small HTTP helpers the Instagram, Threads and TikTok emulators share.

``read_form`` parses an ``application/x-www-form-urlencoded`` body without
python-multipart; ``fetch_media`` fetches a media URL the way a platform's
crawler does (the URL may point at 127.0.0.1: in the sandbox and in tests
the media host runs locally).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request


async def read_form(request: Request) -> dict[str, str]:
    """The form fields of a urlencoded body (the last value wins)."""
    raw = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


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
