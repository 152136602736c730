"""An account's engagement rate, computed from its posts' newest snapshots.

The rate is the mean of the per-post rates that are known, with the basis
most of them use ("impressions" or "followers"); an account none of whose
posts has a known rate keeps basis "" (unknown), never a made-up 0%.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from clientnest_cli.store.metrics_repos import MetricsSync
from clientnest_cli.store.models import SocialAccount

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


def account_rate(rates: list[tuple[float, str]]) -> tuple[float, str]:
    """(mean rate, basis) over the known per-post rates; (0.0, "") when none is known."""
    if not rates:
        return 0.0, ""
    basis = Counter(b for _r, b in rates).most_common(1)[0][0]
    same = [r for r, b in rates if b == basis]
    return sum(same) / len(same), basis


def refresh_account_rate(ctx: AppContext, account_id: int) -> None:
    with ctx.store.session() as session:
        rate, basis = account_rate(MetricsSync(session).latest_rates(account_id))
        account = session.get(SocialAccount, account_id)
        if account is not None:
            account.engagement_rate = rate
            account.engagement_basis = basis
            session.add(account)
