"""`clientnest accounts …`: connect social accounts and look after them."""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import read_secret, state

app = typer.Typer(no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


def account_dict(account) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": account.id,
        "ref": f"{account.platform}:{account.handle}",
        "platform": account.platform,
        "handle": account.handle,
        "display_name": account.display_name,
        "server": account.instance_url,
        "status": account.status,
        "status_reason": account.status_reason,
        "client_id": account.client_id,
        "token_expires_at": account.token_expires_at,
        "followers": account.followers,
        "following": account.following,
        "posts": account.post_count,
        "last_synced_at": account.last_synced_at,
        "reconnect_before": _reconnect_before(account),
        # computed from the posts' newest snapshots; null while unknown (never a made-up 0)
        "engagement_rate": account.engagement_rate if account.engagement_basis else None,
        "engagement_basis": account.engagement_basis or None,
    }


def _reconnect_before(account) -> str | None:  # type: ignore[no-untyped-def]
    """Tokens we cannot renew (LinkedIn's 60 days): the date to reconnect by."""
    from clientnest_cli.services.account_refs import CANNOT_REFRESH

    if account.platform in CANNOT_REFRESH and account.token_expires_at is not None:
        return f"{account.token_expires_at:%Y-%m-%d}"
    return None


def _open_browser_or_print(no_browser: bool, timeout: float):  # type: ignore[no-untyped-def]
    """Show the consent URL, open it in a browser unless told not to, and say
    plainly what happens next: the command waits until the URL is opened."""

    def opener(url: str) -> None:
        output.warn(f"Open this URL to approve access:\n  {url}")
        opened = False
        if not no_browser:
            import webbrowser

            opened = webbrowser.open(url)
        if not opened:
            output.warn(
                ("No browser found. " if not no_browser else "")
                + "Open the URL above in a browser on this machine (it redirects to a "
                "listener on 127.0.0.1), or, for the sandbox, from a second terminal run: "
                f"curl -sL '{url}' >/dev/null"
            )
        output.warn(f"Waiting up to {timeout:.0f} s for the approval (Ctrl-C to give up)…")

    return opener


@app.command("connect")
def connect(
    ctx: typer.Context,
    platform: str = typer.Argument(..., help="x, bluesky, mastodon, linkedin, facebook, …"),
    server: str | None = typer.Option(
        None, "--server", help="API base or instance URL (Mastodon instance, Bluesky PDS, sandbox)."
    ),
    handle: str = typer.Option("", "--handle", help="Bluesky: your handle."),
    app_password: bool = typer.Option(
        False, "--app-password", help="Bluesky: read the app password from stdin / a prompt."
    ),
    path: str = typer.Option("", "--path", help="feed: the RSS (.xml) or JSON Feed (.json) file."),
    page: str = typer.Option("", "--page", help="Facebook/Instagram: the page id to use."),
    client: str | None = typer.Option(None, "--client", help="Attach to this client."),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Print the consent URL instead of opening a browser."
    ),
    timeout: float = typer.Option(180.0, "--timeout", help="Seconds to wait for the browser."),
    as_json: bool = JSON,
) -> None:
    """Connect an account; tokens go to the keychain, never the database.

    Discord and Slack read the webhook URL (a secret) from a hidden prompt or stdin.
    """
    from clientnest_cli.services.accounts import ConnectOptions
    from clientnest_cli.services.accounts import connect as connect_

    password = read_secret("Bluesky app password") if app_password else ""
    opts = ConnectOptions(
        base_url=server,
        handle=handle,
        password=password,
        url=read_secret("webhook URL") if platform in ("discord", "slack") else "",
        path=path,
        page_id=page,
        client=client,
        timeout=timeout,
        open_browser=_open_browser_or_print(no_browser, timeout),
    )
    account = connect_(state(ctx), platform, opts)
    if as_json:
        output.emit_json(account_dict(account))
    else:
        output.done(f"Connected {account.platform}:{account.handle} (id {account.id}).")


@app.command("app-secret")
def app_secret(ctx: typer.Context, platform: str) -> None:
    """Store your OAuth app's client secret for PLATFORM in the keychain (read from stdin)."""
    from clientnest_cli.services.accounts import set_app_secret

    set_app_secret(state(ctx), platform, read_secret(f"{platform} client secret"))
    output.done(f"Stored the {platform} client secret in the keychain.")


@app.command("list")
def list_(
    ctx: typer.Context,
    client: str | None = typer.Option(None, "--client", help="Only this client's accounts."),
    as_json: bool = JSON,
) -> None:
    """List connected accounts."""
    from clientnest_cli.services.account_refs import list_accounts

    rows = [account_dict(a) for a in list_accounts(state(ctx), client)]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        "Accounts",
        ["id", "account", "status", "followers", "server", "note"],
        [
            (
                r["id"], r["ref"], r["status"], r["followers"], r["server"],
                f"reconnect before {r['reconnect_before']}" if r["reconnect_before"] else r["status_reason"],
            )
            for r in rows
        ],
    )  # fmt: skip


@app.command("show")
def show(ctx: typer.Context, account: str, as_json: bool = JSON) -> None:
    """Show one account (PLATFORM:HANDLE or id)."""
    from clientnest_cli.services.accounts import show as show_

    data = account_dict(show_(state(ctx), account))
    output.emit_json(data) if as_json else output.fields(data)


@app.command("refresh")
def refresh(ctx: typer.Context, account: str, as_json: bool = JSON) -> None:
    """Renew the account's access token now."""
    from clientnest_cli.services.accounts import refresh as refresh_

    row = refresh_(state(ctx), account)
    if as_json:
        output.emit_json(account_dict(row))
    else:
        output.done(
            f"Refreshed {row.platform}:{row.handle}; token valid until {row.token_expires_at}."
        )


@app.command("disconnect")
def disconnect(ctx: typer.Context, account: str) -> None:
    """Forget the account's tokens; its posts and history stay."""
    from clientnest_cli.services.accounts import disconnect as disconnect_

    row = disconnect_(state(ctx), account)
    output.done(f"Disconnected {row.platform}:{row.handle}.")


@app.command("set-client")
def set_client(
    ctx: typer.Context,
    account: str,
    client: str | None = typer.Argument(None, help="Client name; omit to detach."),
) -> None:
    """Attach an account to a client (or detach it)."""
    from clientnest_cli.services.accounts import set_client as set_client_

    row = set_client_(state(ctx), account, client)
    output.done(f"{row.platform}:{row.handle} → {client or 'no client'}.")


@app.command("sync")
def sync(
    ctx: typer.Context,
    accounts: list[str] = typer.Argument(None, help="Accounts to sync; default all active."),
    as_json: bool = JSON,
) -> None:
    """Pull profile and follower counts into the account history."""
    from clientnest_cli.services.accounts import sync as sync_

    with output.progress("Syncing accounts", enabled=not as_json) as step:
        results = sync_(state(ctx), accounts or [], progress=lambda _a: step())
    rows = [{**account_dict(a), "outcome": outcome} for a, outcome in results]
    if as_json:
        output.emit_json(rows)
    else:
        output.table(
            "Account sync",
            ["account", "followers", "outcome"],
            [(r["ref"], r["followers"], r["outcome"]) for r in rows],
        )
    if any(r["outcome"] != "ok" for r in rows):
        raise typer.Exit(1)


@app.command("backfill")
def backfill(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="The account (PLATFORM:HANDLE, handle or id)."),
    since: str = typer.Option(
        "90d", "--since", help="How far back: a period (90d, 12w, 6m) or a date/time."
    ),
    as_json: bool = JSON,
) -> None:
    """Fetch the account's earlier posts and their figures from its platform."""
    from clientnest_cli.services.analytics import since_value
    from clientnest_cli.services.backfill import backfill as backfill_

    app_ctx = state(ctx)
    with output.progress(f"Backfilling {account}", enabled=not as_json):
        report = backfill_(app_ctx, account, since_value(app_ctx, since))
    data = report.as_dict()
    if as_json:
        output.emit_json(data)
        return
    output.done(
        f"{data['account']}: {data['fetched']} posts since {data['since']:%Y-%m-%d} — "
        f"{data['created']} new, {data['updated']} updated, {data['unchanged']} unchanged."
    )
