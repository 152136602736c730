"""Transport rules for every client ``http.make_client`` builds.

An event hook checks each request before it is sent: one that carries a
credential goes over https (or http to this machine), and — when it was sent
through a ``GuardedClient`` (what an adapter's ``http`` is) — only to the
hosts its platform documents or the account was configured with. A host
named by a platform's answer (LinkedIn's image ``uploadUrl``) gets the token
only when it is one of those. Refusals are ``PlatformError``s naming the host.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from clientnest_cli.domain.transport import (
    LOCAL_HTTP_HINT,
    credential_refusal,
    hosts_of,
    names_credential,
)
from clientnest_cli.errors import PlatformError

if TYPE_CHECKING:
    import httpx

POLICY = "clientnest.policy"  # the request extension a GuardedClient sets

# The API, OAuth and upload hosts each platform's documentation names. A host
# the user configures (an instance, a PDS, the sandbox, an auth_base_url) is
# added per account; a leading "." admits subdomains.
DOCUMENTED_HOSTS: dict[str, tuple[str, ...]] = {
    "x": ("api.x.com", "api.twitter.com", "upload.twitter.com", "upload.x.com"),
    "bluesky": ("bsky.social", ".bsky.network"),
    "mastodon": (),
    "linkedin": ("api.linkedin.com", "www.linkedin.com"),
    "facebook": ("graph.facebook.com", "graph-video.facebook.com", "rupload.facebook.com"),
    "instagram": ("graph.facebook.com", "graph.instagram.com", "api.instagram.com"),
    "threads": ("graph.threads.net",),
    "tiktok": ("open.tiktokapis.com", "open-upload.tiktokapis.com"),
    "discord": ("discord.com", "discordapp.com", "canary.discord.com", "ptb.discord.com"),
    "slack": ("hooks.slack.com",),
}
SECRET_URL_PLATFORMS = frozenset({"discord", "slack"})  # the URL itself is the credential


@dataclass(frozen=True)
class Policy:
    """Who a guarded request is for and where its credentials may go."""

    platform: str
    hosts: frozenset[str] | None = None  # None: any host (the scheme rule still applies)
    secret_url: bool = False


def policy_for(platform: str, configured_urls: Iterable[str] = ()) -> Policy:
    """The documented hosts of ``platform`` plus the hosts of the configured URLs."""
    hosts = set(DOCUMENTED_HOSTS.get(platform, ())) | hosts_of(configured_urls)
    return Policy(platform, frozenset(hosts), secret_url=platform in SECRET_URL_PLATFORMS)


def _body_fields(request: httpx.Request) -> list[str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "application/json"):
        return []  # multipart uploads and raw bytes carry no credential fields
    try:
        content = request.content
    except Exception:  # httpx.RequestNotRead: a streamed body
        return []
    if kind == "application/x-www-form-urlencoded":
        return [k for k, _ in parse_qsl(content.decode("utf-8", "replace"))]
    if kind == "application/json" and len(content) < 1_000_000:
        try:
            body = json.loads(content)
        except ValueError:
            return []
        return list(body) if isinstance(body, dict) else []
    return []


def carries_credential(request: httpx.Request, policy: Policy | None) -> bool:
    if policy is not None and policy.secret_url:
        return True
    if "authorization" in request.headers:
        return True
    if names_credential(k for k, _ in request.url.params.multi_items()):
        return True
    return names_credential(_body_fields(request))


def check_request(request: httpx.Request) -> None:
    """The event hook: refuse a credential-bearing request that breaks the rules."""
    policy = request.extensions.get(POLICY)
    policy = policy if isinstance(policy, Policy) else None
    if not carries_credential(request, policy):
        return
    refusal = credential_refusal(str(request.url), policy.hosts if policy else None)
    if refusal is None:
        return
    platform = policy.platform if policy else ""
    plain_http = "over plain" in refusal or "without a scheme" in refusal
    raise PlatformError(
        f"{platform + ': ' if platform else ''}{refusal}",
        kind="permanent",
        platform=platform,
        hint=LOCAL_HTTP_HINT
        if plain_http
        else "the platform or the configuration named an unexpected host; nothing was sent",
    )


class GuardedClient:
    """A shared ``httpx.Client`` seen through one platform's (or account's) policy."""

    def __init__(self, client: httpx.Client, policy: Policy) -> None:
        self.client = client
        self.policy = policy

    def _ext(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs["extensions"] = {**(kwargs.get("extensions") or {}), POLICY: self.policy}
        return kwargs

    def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **self._ext(kwargs))

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        return self.client.build_request(method, url, **self._ext(kwargs))

    def stream(self, method: str, url: Any, **kwargs: Any) -> Any:
        return self.client.stream(method, url, **self._ext(kwargs))

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        request.extensions = {**request.extensions, POLICY: self.policy}
        return self.client.send(request, **kwargs)

    def get(self, url: Any, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: Any, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.client.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def guarded(
    client: httpx.Client | GuardedClient, platform: str, configured_urls: Collection[str] = ()
) -> GuardedClient:
    """``client`` limited to ``platform``'s documented hosts and the configured URLs' hosts."""
    raw = client.client if isinstance(client, GuardedClient) else client
    return GuardedClient(raw, policy_for(platform, configured_urls))
