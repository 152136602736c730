"""The OAuth 2.0 authorization-code exchange every OAuth adapter shares.

One form (RFC 6749 §4.1.3, plus PKCE's ``code_verifier`` from RFC 7636) with
each platform's variations as options, sent through the HTTP factory, whose
transport rules keep the code and the client secret on https and on the
platform's configured hosts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientnest_cli.platforms.http import send

if TYPE_CHECKING:
    import httpx

    from clientnest_cli.platforms.base import ConnectRequest


def code_exchange_form(
    req: ConnectRequest,
    *,
    secret: bool = True,
    pkce: bool | None = None,
    client_field: str = "client_id",
    redirect_uri: str = "",
    **extra: str,
) -> dict[str, str]:
    """The token request's form. ``secret``: the client secret goes in the form
    (not in HTTP Basic auth); ``pkce``: True always sends the verifier, None
    only when there is one; ``client_field``: TikTok says ``client_key``;
    ``redirect_uri``: used when the request has none (Mastodon's out-of-band)."""
    form = {
        "grant_type": "authorization_code",
        "code": req.code,
        "redirect_uri": req.redirect_uri or redirect_uri,
        client_field: req.client_id,
    }
    if secret:
        form["client_secret"] = req.client_secret
    if pkce or (pkce is None and req.code_verifier):
        form["code_verifier"] = req.code_verifier
    form.update(extra)
    return form


def exchange_code(
    http: httpx.Client, url: str, req: ConnectRequest, *, platform: str, **form_options: Any
) -> httpx.Response:
    """POST the code to the platform's token endpoint."""
    form = code_exchange_form(req, **form_options)
    return send(http, "POST", url, platform=platform, data=form)
