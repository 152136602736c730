"""Where a credential may travel (pure rules; the HTTP client factories apply them).

A request that carries a credential (an Authorization header, a token, client
secret, code or password in its query or body, or a URL that is itself the
secret, like a webhook) goes over https, or over plain http to this machine
only; and, where the caller knows them, only to the hosts the service
documents or was configured with. Anything else is refused before a byte is
sent, with an error that names the URL's host (never the whole URL: it may be
the secret).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

# Form, query and JSON fields that hold a credential
CREDENTIAL_FIELDS = frozenset(
    {
        "access_token",
        "client_secret",
        "code",
        "code_verifier",
        "fb_exchange_token",
        "input_token",
        "password",
        "refresh_token",
        "refreshJwt",
        "accessJwt",
    }
)
LOCAL_HTTP_HINT = "use https:// (plain http:// only for 127.0.0.1 or localhost)"


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def hosts_of(urls: Iterable[str]) -> set[str]:
    """The hosts of the given URLs (empty ones left out)."""
    return {h for h in (host_of(u) for u in urls if u) if h}


def host_allowed(host: str, allowed: Collection[str]) -> bool:
    """``allowed`` entries are host names; one starting with "." also admits subdomains."""
    host = host.lower()
    for entry in allowed:
        entry = entry.lower()
        if host == entry or (entry.startswith(".") and (host.endswith(entry) or host == entry[1:])):
            return True
    return False


def names_credential(fields: Iterable[str]) -> bool:
    return any(name in CREDENTIAL_FIELDS for name in fields)


def credential_refusal(url: str, allowed_hosts: Collection[str] | None = None) -> str | None:
    """Why a credential must not be sent to ``url``; None when it may."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return "refused to send a credential to a malformed URL"
    shown = host or "a URL without a host"
    scheme = parts.scheme.lower()
    if not host or not (scheme == "https" or (scheme == "http" and is_loopback_host(host))):
        how = f"plain {scheme}" if scheme else "a URL without a scheme"
        return f"refused to send a credential to {shown} over {how}"
    if allowed_hosts is not None and not host_allowed(host, allowed_hosts):
        return f"refused to send a credential to {shown}: not a host this service uses"
    return None
