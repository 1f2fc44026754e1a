"""The parts of the desk's pages that a coalition and a statistics office both see: the home
page's tables, a version's history, screening, disclosure, decision and release, and who acted.
Plain Python: no web framework, no rendering.

Each audience's pages are gathered in their own module: ``web.desk_submissions`` (a coalition's
submissions and version page), ``web.desk_cases`` (an office's review queue, releases and case
file, and the errors its forms show). Access is the services' own: ``intake.visible_version``
hides another coalition's data (not found), ``review.case_file`` checks the office is competent.
The forms' actions live in ``web/desk.py``, which calls the same service functions as the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.review import service as review
from voicescount.storage.tables import (
    ApiKey,
    Dataset,
    DatasetVersion,
    Organisation,
    Release,
    ReviewCase,
)
from voicescount.types import OrgKind
from voicescount.web import labels
from voicescount.web.i18n import N_, Translator

#: How many screening issues a page lists.
SCREENING_ISSUES_SHOWN = 50

#: The approver's choices, in the order the form offers them (``review.DECISIONS``).
DECISION_CHOICES: tuple[tuple[str, str], ...] = (
    ("official", N_("Official")),
    ("complementary", N_("Complementary")),
    ("contextual", N_("Contextual")),
    ("rejected", N_("Rejected")),
)
DECISION_LABELS: dict[str, str] = {code.upper(): label for code, label in DECISION_CHOICES}
#: Why disclosure control touched a cell.
RULES: dict[str, str] = {
    "primary": N_("Withheld: too few respondents (primary)"),
    "secondary": N_("Withheld: would reveal a withheld cell (secondary)"),
    "low-reliability": N_("Published, flagged as low reliability"),
    "unknown-n": N_("Published; the number of respondents is unknown"),
}
SEVERITIES: dict[str, str] = {
    "error": N_("Error"),
    "warning": N_("Warning"),
    "blocking": N_("Blocking"),
}


def submission_url(uid: str, number: int) -> str:
    return f"/desk/submissions/{uid}/versions/{number}"


def case_url(uid: str, number: int) -> str:
    return f"/desk/review/{uid}/versions/{number}"


def is_steward(principal: Principal) -> bool:
    return principal.organisation_kind is OrgKind.STEWARD


# ------------------------------------------------------------------------------------------
# Rows of the desk's tables


@dataclass(frozen=True)
class SubmissionRow:
    title: str
    dataset: str
    version: int
    state: str
    state_label: str
    last_change: datetime | None
    url: str


@dataclass(frozen=True)
class QueueRow:
    title: str
    dataset: str
    version: int
    state: str
    state_label: str
    coalition: str
    submitted_at: datetime | None
    next_action: str
    url: str


@dataclass(frozen=True)
class ReleaseRow:
    release_id: str
    title: str
    version: int
    status: str
    status_label: str
    published_at: datetime
    case_url: str
    public_url: str
    withdrawn_reason: str | None = None


@dataclass
class HomePage:
    steward: bool
    submissions: list[SubmissionRow] = field(default_factory=list)
    queue: list[QueueRow] = field(default_factory=list)
    releases: list[ReleaseRow] = field(default_factory=list)


def release_row(session: Session, release: Release, tr: Translator) -> ReleaseRow:
    dataset = session.get(Dataset, release.dataset_id)
    version = session.get(DatasetVersion, release.version_id)
    assert dataset is not None and version is not None
    status = (
        "withdrawn"
        if release.withdrawn_at
        else "superseded"
        if release.superseded_at
        else "current"
    )
    return ReleaseRow(
        release_id=release.uid,
        title=dataset.title,
        version=version.number,
        status=status,
        status_label=labels.translate(tr, labels.STATUSES, status),
        published_at=release.published_at,
        case_url=case_url(dataset.uid, version.number),
        public_url=f"/datasets/{release.uid}",
        withdrawn_reason=release.withdrawn_reason,
    )


# ------------------------------------------------------------------------------------------
# Parts of a version's page


@dataclass(frozen=True)
class TransitionView:
    at: datetime
    from_label: str
    to_label: str
    who: str
    reason: str | None


@dataclass(frozen=True)
class IssueView:
    severity: str
    severity_label: str
    where: str
    message: str


@dataclass
class ScreeningView:
    blocking: int
    warnings: int
    issues: list[IssueView]
    total: int


@dataclass(frozen=True)
class DecisionView:
    decision: str
    decision_label: str
    outcome_label: str
    reason: str | None
    conditions: str | None
    caveat: str | None
    decided_at: datetime | None
    decided_by: str


@dataclass(frozen=True)
class SuppressionRow:
    row_number: int | None
    series_key: str
    time_period: str
    unweighted_n: int | None
    value_withheld: bool
    conf_status: str
    obs_status: str
    rule: str
    rule_label: str
    reason: str


@dataclass
class DisclosureView:
    cells: int
    withheld: int
    counts: dict[str, int]
    frequency_threshold: int | None
    reliability_threshold: int | None
    applied_at: datetime | None
    applied_by: str
    rows: list[SuppressionRow]


def actor_names(session: Session, actors: Iterable[str | None]) -> dict[str, str]:
    """``key:<id>`` → "holder (ORGANISATION)"; the desk is read by the coalition and the
    office only, who may see who acted (the public pages do not name people)."""
    key_ids = {a.removeprefix("key:") for a in actors if a and a.startswith("key:")}
    names: dict[str, str] = {}
    if key_ids:
        rows = session.exec(
            select(ApiKey, Organisation)
            .join(Organisation, col(Organisation.id) == ApiKey.organisation_id)
            .where(col(ApiKey.key_id).in_(key_ids))
        ).all()
        names = {f"key:{key.key_id}": f"{key.holder} ({org.slug})" for key, org in rows}
    return names


def actor_label(actor: str | None, names: Mapping[str, str], tr: Translator) -> str:
    if not actor:
        return ""
    if actor == "system":
        return tr.gettext("voicescount (automatic screening)")
    return names.get(actor, actor)


def transition_views(
    session: Session, version_id: int, tr: Translator, names: Mapping[str, str]
) -> list[TransitionView]:
    return [
        TransitionView(
            at=t.at,
            from_label=labels.translate(tr, labels.STATES, t.from_state),
            to_label=labels.translate(tr, labels.STATES, t.to_state),
            who=actor_label(t.actor, names, tr),
            reason=t.reason,
        )
        for t in review.transitions_of(session, version_id)
    ]


def screening_view(case: ReviewCase | None, tr: Translator) -> ScreeningView | None:
    if case is None or not case.screening:
        return None
    found = case.screening.get("issues") or []
    issues = [
        IssueView(
            severity=str(issue.get("severity", "")),
            severity_label=labels.translate(tr, SEVERITIES, issue.get("severity")),
            where=str(issue.get("where") or ""),
            message=str(issue.get("message") or ""),
        )
        for issue in found[:SCREENING_ISSUES_SHOWN]
    ]
    return ScreeningView(
        blocking=int(case.screening.get("blocking", 0)),
        warnings=int(case.screening.get("warnings", 0)),
        issues=issues,
        total=len(found),
    )


def decision_view(
    case: ReviewCase | None, tr: Translator, names: Mapping[str, str]
) -> DecisionView | None:
    if case is None or not case.decision:
        return None
    return DecisionView(
        decision=case.decision,
        decision_label=labels.translate(tr, DECISION_LABELS, case.decision),
        outcome_label=labels.translate(tr, labels.OUTCOMES, case.quality_outcome),
        reason=case.decision_reason,
        conditions=case.conditions,
        caveat=case.caveat,
        decided_at=case.decided_at,
        decided_by=actor_label(case.decided_by, names, tr),
    )


def disclosure_view(
    session: Session, case: ReviewCase | None, tr: Translator, names: Mapping[str, str]
) -> DisclosureView | None:
    if case is None or case.disclosure is None:
        return None
    policy = case.disclosure.get("policy") or {}
    rows = [
        SuppressionRow(
            row_number=entry["row_number"],
            series_key=entry["series_key"],
            time_period=entry["time_period"],
            unweighted_n=entry["unweighted_n"],
            value_withheld=entry["value_withheld"],
            conf_status=entry["conf_status"],
            obs_status=entry["obs_status"],
            rule=entry["rule"],
            rule_label=labels.translate(tr, RULES, entry["rule"]),
            reason=entry["reason"] or "",
        )
        for entry in review.suppressions(session, case.version_id)
    ]
    return DisclosureView(
        cells=int(case.disclosure.get("cells", 0)),
        withheld=int(case.disclosure.get("withheld", 0)),
        counts={k: int(v) for k, v in (case.disclosure.get("counts") or {}).items()},
        frequency_threshold=policy.get("frequency_threshold"),
        reliability_threshold=policy.get("reliability_threshold"),
        applied_at=case.disclosure_at,
        applied_by=actor_label(case.disclosure_by, names, tr),
        rows=rows,
    )


def version_release(session: Session, version: DatasetVersion, tr: Translator) -> ReleaseRow | None:
    release = session.exec(select(Release).where(Release.version_id == version.id)).first()
    return release_row(session, release, tr) if release is not None else None


def case_actors(session: Session, version_id: int, case: ReviewCase | None) -> dict[str, str]:
    actors = [t.actor for t in review.transitions_of(session, version_id)]
    if case is not None:
        actors += [case.assessed_by, case.disclosure_by, case.decided_by]
    return actor_names(session, actors)
