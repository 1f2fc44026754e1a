"""The review workflow as data: states, who may move a version between them. Pure.

::

    draft ─submit─▶ submitted ─(system)─▶ screening ─┬─▶ returned        (blocking issues)
                                                     └─▶ under_review
    under_review ─return─▶ returned
    under_review ─decide─▶ decided ─publish─▶ published ─(newer release)─▶ superseded
    published, superseded ─withdraw─▶ withdrawn

A returned or rejected version stays as it is; the coalition starts a new version to answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicescount.errors import Conflict, InvalidInput, PermissionDenied
from voicescount.types import OrgKind, Role

DRAFT = "draft"
SUBMITTED = "submitted"
SCREENING = "screening"
RETURNED = "returned"
UNDER_REVIEW = "under_review"
DECIDED = "decided"
PUBLISHED = "published"
SUPERSEDED = "superseded"
WITHDRAWN = "withdrawn"

STATES = (
    DRAFT,
    SUBMITTED,
    SCREENING,
    RETURNED,
    UNDER_REVIEW,
    DECIDED,
    PUBLISHED,
    SUPERSEDED,
    WITHDRAWN,
)

#: Who moves a version, per transition: ``system``, or (organisation kind, roles).
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    action: str
    #: ``None`` for moves only the system makes.
    kind: OrgKind | None
    roles: frozenset[Role]
    reason_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        DRAFT, SUBMITTED, "submit", OrgKind.DATA_PROVIDER, frozenset({Role.SUBMITTER, Role.ADMIN})
    ),
    Transition(SUBMITTED, SCREENING, "screen", None, frozenset()),
    Transition(SCREENING, RETURNED, "screening found blocking issues", None, frozenset()),
    Transition(SCREENING, UNDER_REVIEW, "screening passed", None, frozenset()),
    Transition(
        UNDER_REVIEW,
        RETURNED,
        "return",
        OrgKind.STEWARD,
        frozenset({Role.REVIEWER, Role.APPROVER}),
        reason_required=True,
    ),
    Transition(UNDER_REVIEW, DECIDED, "decide", OrgKind.STEWARD, frozenset({Role.APPROVER})),
    Transition(DECIDED, PUBLISHED, "publish", OrgKind.STEWARD, frozenset({Role.APPROVER})),
    Transition(PUBLISHED, SUPERSEDED, "superseded by a newer release", None, frozenset()),
    Transition(
        PUBLISHED,
        WITHDRAWN,
        "withdraw",
        OrgKind.STEWARD,
        frozenset({Role.APPROVER}),
        reason_required=True,
    ),
    # An older release leaves history too when, say, the community withdraws its consent.
    Transition(
        SUPERSEDED,
        WITHDRAWN,
        "withdraw",
        OrgKind.STEWARD,
        frozenset({Role.APPROVER}),
        reason_required=True,
    ),
)


def transition(source: str, target: str) -> Transition:
    for candidate in TRANSITIONS:
        if candidate.source == source and candidate.target == target:
            return candidate
    allowed = [f"{t.action} (→ {t.target})" for t in TRANSITIONS if t.source == source]
    raise Conflict(
        f"A version that is {source.replace('_', ' ')} cannot become "
        f"{target.replace('_', ' ')}"
        + (f"; from here it can: {', '.join(allowed)}." if allowed else "; it is final.")
    )


def check(
    source: str,
    target: str,
    *,
    kind: OrgKind | None,
    role: Role | None,
    reason: str | None = None,
) -> Transition:
    """The transition, if ``kind``/``role`` may make it (``kind=None``: the system); else an
    error saying who may."""
    move = transition(source, target)
    if move.kind is None:
        if kind is not None:
            raise PermissionDenied(f"Only voicescount itself moves a version to {target}.")
        return move
    if kind is not move.kind or role not in move.roles:
        who = " or ".join(sorted(r.value for r in move.roles))
        raise PermissionDenied(
            f"To {move.action} a version takes a {who} key of a "
            f"{move.kind.value.replace('_', ' ')}."
        )
    if move.reason_required and not (reason or "").strip():
        raise InvalidInput(
            f"Say why ({move.action}); the reason is recorded with the transition.",
            errors=[{"field": "reason", "message": "must not be empty"}],
        )
    return move


def allowed_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
