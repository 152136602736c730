"""The post state machine of DESIGN.md and the "may this post go out?" predicate.

Pure: no I/O. Services call ``check_transition`` before every status change,
and the publishing engine calls ``publishable_reason`` before it sends.
"""

from __future__ import annotations

from typing import Protocol

from clientnest_cli.domain.enums import ApprovalStatus, PostStatus
from clientnest_cli.errors import BadInput

# A post an editor wrote while approvals are on, not yet submitted for review.
# (ApprovalStatus has no member for it; the column is a plain string.)
APPROVAL_REQUIRED = "required"

DRAFT, SCHEDULED, PUBLISHING = PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHING
CHECKING, UNCONFIRMED = PostStatus.CHECKING, PostStatus.UNCONFIRMED
PUBLISHED, FAILED, CANCELED = PostStatus.PUBLISHED, PostStatus.FAILED, PostStatus.CANCELED
DELETED = PostStatus.DELETED

# current status -> the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SCHEDULED, CANCELED}),
    SCHEDULED: frozenset({DRAFT, PUBLISHING, CANCELED}),
    # the engine: ok, retryable (back to scheduled), permanent (failed), the
    # send may have landed and the platform cannot be asked yet (checking), or
    # it cannot tell at all (unconfirmed)
    PUBLISHING: frozenset({PUBLISHED, SCHEDULED, FAILED, CHECKING, UNCONFIRMED}),
    # reconciliation asks again later (minutes, then hours): it claims the post
    # back to publishing for the lookup; found → published, certainly absent →
    # scheduled, still no answer → checking again, asked too often → unconfirmed.
    # Never re-sent blindly.
    CHECKING: frozenset({PUBLISHING}),
    # "may have been sent — check the channel": never sent again by itself; a
    # person settles it with `publish confirm ID --sent` (published) or
    # `--not-sent` (scheduled again, due now)
    UNCONFIRMED: frozenset({PUBLISHED, SCHEDULED}),
    # `post unpublish`: deleted on the platform; the record and its metrics stay
    PUBLISHED: frozenset({DELETED}),
    # a failed post can be rescheduled, taken back to draft, or given up
    FAILED: frozenset({SCHEDULED, DRAFT, CANCELED}),
    CANCELED: frozenset(),
    DELETED: frozenset(),
}

EDITABLE = frozenset({DRAFT, SCHEDULED, FAILED, CANCELED})

_WHY_NOT: dict[tuple[str, str], str] = {
    (PUBLISHED, CANCELED): "it is already published",
    (PUBLISHING, CANCELED): "it is being sent right now; wait for the outcome",
    (PUBLISHING, DRAFT): "it is being sent right now; wait for the outcome",
    (CHECKING, CANCELED): "it may already be live; ClientNest is checking the platform",
    (CHECKING, DRAFT): "it may already be live; ClientNest is checking the platform",
    (UNCONFIRMED, CANCELED): "it may already be live; nobody has confirmed whether it went out",
    (UNCONFIRMED, DRAFT): "it may already be live; nobody has confirmed whether it went out",
    (CANCELED, SCHEDULED): "it was canceled",
    (DRAFT, DRAFT): "it is already a draft",
    (DELETED, DELETED): "it was already deleted from the platform",
}

# What a person does about an `unconfirmed` post (shown wherever one is reported).
CONFIRM_HINT = (
    "check the account or channel, then run `clientnest publish confirm ID --sent` "
    "or `clientnest publish confirm ID --not-sent` (which sends it again)"
)

_HINTS: dict[str, str] = {
    PUBLISHED: "copy it with `clientnest post duplicate ID` to post it again",
    CANCELED: "copy it with `clientnest post duplicate ID` to use it again",
    PUBLISHING: "see `clientnest post show ID` in a moment",
    DELETED: "copy it with `clientnest post duplicate ID` to post it again",
    CHECKING: "ClientNest asks the platform again later; see `clientnest post show ID`",
    UNCONFIRMED: CONFIRM_HINT,
}


def check_status(status: str) -> PostStatus:
    """A known post status, or BadInput listing them."""
    try:
        return PostStatus((status or "").strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in PostStatus)
        raise BadInput(f"unknown post status '{status}'", hint=f"use one of: {known}") from None


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str, what: str = "the post") -> None:
    """Refuse a status change the state machine does not allow."""
    if can_transition(current, target):
        return
    reason = _WHY_NOT.get((current, target)) or (
        f"it is already {current}" if current == target else f"it is {current}"
    )
    allowed = sorted(TRANSITIONS.get(current, frozenset()))
    hint = _HINTS.get(current) or (
        f"from {current} it can become: {', '.join(allowed)}" if allowed else None
    )
    raise BadInput(f"{what} cannot become {target}: {reason}", hint=hint)


def check_editable(status: str, what: str = "the post") -> None:
    if status not in EDITABLE:
        reason = {
            PUBLISHED: "already published",
            DELETED: "published and then deleted from the platform",
            CHECKING: "perhaps already live (ClientNest is checking the platform)",
            UNCONFIRMED: "perhaps already live (nobody has confirmed whether it went out)",
        }.get(status, "being sent right now")
        raise BadInput(f"{what} cannot be edited: it is {reason}", hint=_HINTS.get(status))


class _PostLike(Protocol):
    status: str
    approval_status: str
    rejection_reason: str


def publishable_reason(post: _PostLike) -> str | None:
    """None when the post may be published now (if due), else why not, in words."""
    status = post.status
    if status not in (SCHEDULED, PUBLISHING):
        return {
            DRAFT: "it is a draft: schedule it with `clientnest post schedule`",
            PUBLISHED: "it is already published",
            FAILED: "it failed: reschedule it with `clientnest post schedule`",
            CANCELED: "it was canceled",
            DELETED: "it was deleted from the platform (post unpublish)",
            CHECKING: "it may already be live; ClientNest is checking the platform",
            UNCONFIRMED: "it may already be live: " + CONFIRM_HINT,
        }.get(status, f"its status is {status}")
    approval = post.approval_status or ApprovalStatus.NOT_REQUIRED
    if approval == APPROVAL_REQUIRED:
        return "it needs approval: submit it with `clientnest post submit`"
    if approval == ApprovalStatus.PENDING:
        return "it is waiting for approval by an admin or owner"
    if approval == ApprovalStatus.REJECTED:
        reason = (post.rejection_reason or "").strip()
        return f"it was rejected{': ' + reason if reason else ''}"
    if approval not in (ApprovalStatus.NOT_REQUIRED, ApprovalStatus.APPROVED):
        return f"its approval state '{approval}' is unknown"
    return None
