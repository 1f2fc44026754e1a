"""What each desk page shows: a coalition's submissions, a statistics office's review queue and
case file, gathered from the services. Plain Python: no web framework, no rendering.

Access is the services' own: ``intake.visible_version`` hides another coalition's data (not
found), ``review.case_file`` checks the office is competent. The forms' actions live in
``web/desk.py``, which calls the same service functions as the API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.config import Settings
from voicescount.errors import NotFound, VoicescountError
from voicescount.intake import service as intake
from voicescount.intake import uploads
from voicescount.intake.service import VersionHandle
from voicescount.publishing import service as publishing
from voicescount.review import service as review
from voicescount.review import workflow
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import (
    ApiKey,
    Dataset,
    DatasetVersion,
    Organisation,
    Release,
    ReviewCase,
    ReviewTransition,
    Upload,
)
from voicescount.types import OrgKind, Role
from voicescount.web import labels
from voicescount.web.i18n import N_, Translator

#: How many issues of an upload's validation report the page lists (the CSV has them all).
REPORT_ISSUES_SHOWN = 20
#: How many screening issues a page lists.
SCREENING_ISSUES_SHOWN = 50
#: Releases of the office listed on its desk, newest first.
RELEASES_SHOWN = 50

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
#: What the inbox says to do next (``review.inbox``), as the desk says it.
NEXT_ACTIONS: dict[str, str] = {
    "assess against the rubric": N_("Assess against the rubric"),
    "apply disclosure control": N_("Apply disclosure control"),
    "decide": N_("Decide"),
    "publish the decided version": N_("Publish"),
    "complete and submit the draft": N_("Complete and submit the draft"),
    "read the issues, start a new version and submit it": N_(
        "Read the issues, start a new version and submit it"
    ),
}
UPLOAD_STATUSES: dict[str, str] = {
    "received": N_("Received"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}
SEVERITIES: dict[str, str] = {
    "error": N_("Error"),
    "warning": N_("Warning"),
    "blocking": N_("Blocking"),
}

# Form field names, shared by the templates and ``web/desk.py``.
COMMENT_FIELD = "comment"


def rating_field(criterion_id: str) -> str:
    return f"rating-{criterion_id}"


def evidence_field(criterion_id: str) -> str:
    return f"evidence-{criterion_id}"


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


def home(session: Session, principal: Principal, tr: Translator) -> HomePage:
    """The first desk page: a coalition's submissions, or an office's queue and releases."""
    if is_steward(principal):
        return HomePage(
            steward=True,
            queue=queue(session, principal, tr),
            releases=office_releases(session, principal, tr),
        )
    return HomePage(steward=False, submissions=submissions(session, principal, tr))


def _last_changes(session: Session, version_ids: list[int]) -> dict[int, datetime]:
    if not version_ids:
        return {}
    rows = session.exec(
        select(ReviewTransition.version_id, ReviewTransition.at).where(
            col(ReviewTransition.version_id).in_(version_ids)
        )
    ).all()
    latest: dict[int, datetime] = {}
    for version_id, at in rows:
        if version_id not in latest or at > latest[version_id]:
            latest[version_id] = at
    return latest


def submissions(session: Session, principal: Principal, tr: Translator) -> list[SubmissionRow]:
    """Every version of the coalition's datasets, newest dataset and version first."""
    versions: list[tuple[Dataset, DatasetVersion]] = []
    for dataset in intake.list_datasets(session, principal):
        versions.extend((dataset, v) for v in intake.versions_of(session, dataset, principal))
    changed = _last_changes(session, [v.id for _, v in versions if v.id is not None])
    rows = [
        SubmissionRow(
            title=dataset.title,
            dataset=dataset.uid,
            version=version.number,
            state=version.state,
            state_label=labels.translate(tr, labels.STATES, version.state),
            last_change=changed.get(version.id or 0, version.created_at),
            url=submission_url(dataset.uid, version.number),
        )
        for dataset, version in versions
    ]
    rows.reverse()
    return rows


def queue(session: Session, principal: Principal, tr: Translator) -> list[QueueRow]:
    """Versions under review or decided that the office reviews (competent, not taken by
    another office, not its own data), oldest first, with what the key should do next."""
    office = session.get(Organisation, principal.organisation_id)
    assert office is not None
    next_actions = {
        (item["dataset"], item["version"]): item["action"]
        for item in review.inbox(session, principal)
    }
    found = session.exec(
        select(DatasetVersion, Dataset, ReviewCase, Organisation)
        .join(Dataset, col(Dataset.id) == DatasetVersion.dataset_id)
        .join(ReviewCase, col(ReviewCase.version_id) == DatasetVersion.id)
        .join(Organisation, col(Organisation.id) == Dataset.organisation_id)
        .where(col(DatasetVersion.state).in_([workflow.UNDER_REVIEW, workflow.DECIDED]))
        .order_by(col(DatasetVersion.submitted_at), col(DatasetVersion.id))
    ).all()
    rows = []
    for version, dataset, case, provider in found:
        if case.steward_id not in (None, office.id) or provider.id == office.id:
            continue
        if not review.competent(office, provider):
            continue
        action = next_actions.get((dataset.uid, version.number))
        rows.append(
            QueueRow(
                title=dataset.title,
                dataset=dataset.uid,
                version=version.number,
                state=version.state,
                state_label=labels.translate(tr, labels.STATES, version.state),
                coalition=provider.name,
                submitted_at=version.submitted_at,
                next_action=tr.gettext(NEXT_ACTIONS[action])
                if action in NEXT_ACTIONS
                else tr.gettext("Nothing for you now"),
                url=case_url(dataset.uid, version.number),
            )
        )
    return rows


def _release_row(session: Session, release: Release, tr: Translator) -> ReleaseRow:
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


def office_releases(session: Session, principal: Principal, tr: Translator) -> list[ReleaseRow]:
    """The releases the office published, newest first (where it withdraws one)."""
    found = session.exec(
        select(Release)
        .where(Release.steward_id == principal.organisation_id)
        .order_by(col(Release.id).desc())
        .limit(RELEASES_SHOWN)
    ).all()
    return [_release_row(session, release, tr) for release in found]


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


@dataclass
class UploadView:
    id: int
    filename: str
    status: str
    status_label: str
    created_at: datetime
    rows_read: int
    rows_stored: int
    errors: int
    warnings: int
    issues: list[IssueView]
    report_url: str | None
    api_report_url: str | None


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


def _who(actor: str | None, names: Mapping[str, str], tr: Translator) -> str:
    if not actor:
        return ""
    if actor == "system":
        return tr.gettext("voicescount (automatic screening)")
    return names.get(actor, actor)


def _transitions(
    session: Session, version_id: int, tr: Translator, names: Mapping[str, str]
) -> list[TransitionView]:
    return [
        TransitionView(
            at=t.at,
            from_label=labels.translate(tr, labels.STATES, t.from_state),
            to_label=labels.translate(tr, labels.STATES, t.to_state),
            who=_who(t.actor, names, tr),
            reason=t.reason,
        )
        for t in review.transitions_of(session, version_id)
    ]


def _screening(case: ReviewCase | None, tr: Translator) -> ScreeningView | None:
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


def _report_issues(store: BlobStore, upload: Upload, tr: Translator) -> list[IssueView]:
    """The first issues of an upload's validation report (the CSV kept in the blob store)."""
    if not upload.report_sha256:
        return []
    issues: list[IssueView] = []
    with store.open(upload.report_sha256) as handle:
        for row in csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")):
            place = [
                tr.gettext("row %(row)s", row=row["row"]) if row.get("row") else "",
                tr.gettext("column “%(column)s”", column=row["column"])
                if row.get("column")
                else "",
            ]
            issues.append(
                IssueView(
                    severity=row.get("severity", ""),
                    severity_label=labels.translate(tr, SEVERITIES, row.get("severity")),
                    where=", ".join(p for p in place if p),
                    message=row.get("message", ""),
                )
            )
            if len(issues) >= REPORT_ISSUES_SHOWN:
                break
    return issues


def _uploads(
    session: Session, handle: VersionHandle, store: BlobStore, tr: Translator
) -> list[UploadView]:
    uid, number = handle.dataset.uid, handle.version.number
    views = []
    for upload in intake.uploads_of(session, handle.version):
        assert upload.id is not None
        has_report = upload.report_sha256 is not None
        views.append(
            UploadView(
                id=upload.id,
                filename=upload.filename or tr.gettext("upload %(id)s", id=upload.id),
                status=upload.status,
                status_label=labels.translate(tr, UPLOAD_STATUSES, upload.status),
                created_at=upload.created_at,
                rows_read=upload.rows_read,
                rows_stored=upload.rows_stored,
                errors=upload.error_count,
                warnings=upload.warning_count,
                issues=_report_issues(store, upload, tr),
                report_url=f"{submission_url(uid, number)}/uploads/{upload.id}/report.csv"
                if has_report
                else None,
                api_report_url=(
                    f"/api/v1/datasets/{uid}/versions/{number}/uploads/{upload.id}/report.csv"
                )
                if has_report
                else None,
            )
        )
    return views


def _decision(
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
        decided_by=_who(case.decided_by, names, tr),
    )


def _disclosure(
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
        applied_by=_who(case.disclosure_by, names, tr),
        rows=rows,
    )


def _release(session: Session, version: DatasetVersion, tr: Translator) -> ReleaseRow | None:
    release = session.exec(select(Release).where(Release.version_id == version.id)).first()
    return _release_row(session, release, tr) if release is not None else None


def _case_actors(session: Session, version_id: int, case: ReviewCase | None) -> dict[str, str]:
    actors = [t.actor for t in review.transitions_of(session, version_id)]
    if case is not None:
        actors += [case.assessed_by, case.disclosure_by, case.decided_by]
    return actor_names(session, actors)


# ------------------------------------------------------------------------------------------
# A coalition's version page


@dataclass
class SubmissionPage:
    dataset: str
    title: str
    version: int
    state: str
    state_label: str
    created_at: datetime
    submitted_at: datetime | None
    observations: int
    content_hash: str | None
    transitions: list[TransitionView]
    screening: ScreeningView | None
    uploads: list[UploadView]
    assessment: dict[str, Any] | None
    disclosure: DisclosureView | None
    decision: DecisionView | None
    release: ReleaseRow | None
    api_url: str


def submission(
    session: Session,
    principal: Principal,
    settings: Settings,
    tr: Translator,
    uid: str,
    number: int,
) -> SubmissionPage:
    """A coalition's own version: state, history, screening, uploads with their validation
    reports and what the office decided. Another organisation's data is :class:`NotFound`."""
    if is_steward(principal):
        raise NotFound("dataset version", f"{uid} v{number}")
    handle = intake.visible_version(session, principal, uid, number)
    version = handle.version
    assert version.id is not None
    case = review.find_case(session, version)
    names = _case_actors(session, version.id, case)
    return SubmissionPage(
        dataset=handle.dataset.uid,
        title=handle.dataset.title,
        version=version.number,
        state=version.state,
        state_label=labels.translate(tr, labels.STATES, version.state),
        created_at=version.created_at,
        submitted_at=version.submitted_at,
        observations=version.observation_count,
        content_hash=version.content_hash,
        transitions=_transitions(session, version.id, tr, names),
        screening=_screening(case, tr),
        uploads=_uploads(session, handle, BlobStore(settings.resolved_blob_dir), tr),
        assessment=(case.assessment or {}).get("result") if case else None,
        disclosure=_disclosure(session, case, tr, names),
        decision=_decision(case, tr, names),
        release=_release(session, version, tr),
        api_url=f"/api/v1/datasets/{uid}/versions/{number}/review",
    )


def upload_report(
    session: Session, principal: Principal, uid: str, number: int, upload_id: int
) -> Upload:
    """An upload of a version the caller may see, with a report (else :class:`NotFound`)."""
    upload = uploads.get_upload(session, principal, uid, number, upload_id)
    if not upload.report_sha256:
        raise NotFound("validation report", f"upload {upload_id}")
    return upload


# ------------------------------------------------------------------------------------------
# A statistics office's case page


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class RatingOption:
    value: str
    label: str


@dataclass
class RubricField:
    """One criterion of the rubric form, with what it holds now."""

    id: str
    name: str
    question: str
    guidance: str
    gating: bool
    options: list[RatingOption]
    rating: str
    evidence: str
    suggestion: str | None
    rating_name: str
    evidence_name: str


@dataclass
class CasePage:
    dataset: str
    title: str
    version: int
    state: str
    state_label: str
    coalition: str
    facts: list[Fact]
    transitions: list[TransitionView]
    screening: ScreeningView | None
    rubric_name: str
    rubric: list[RubricField]
    comment: str
    assessment: dict[str, Any] | None
    assessed_by: str
    disclosure: DisclosureView | None
    decision: DecisionView | None
    release: ReleaseRow | None
    decision_choices: list[RatingOption]
    #: Which forms the page offers: the state allows them and the key's role may use them.
    can_assess: bool
    can_decide: bool
    can_publish: bool
    can_withdraw: bool
    #: Whether the key is an approver (the decision forms are theirs).
    approver: bool
    #: Each form control's id → its label, to name the fields of a refused form.
    field_labels: dict[str, str]
    url: str
    api_url: str


def _facts(handle: VersionHandle, tr: Translator) -> list[Fact]:
    metadata = handle.version.metadata_ or {}
    period = metadata.get("reference_period") or {}
    geography = metadata.get("geography") or {}
    mappings = metadata.get("sdg_mappings") or []
    groups = metadata.get("target_groups") or []
    found = [
        Fact(tr.gettext("Coalition"), handle.organisation.name),
        Fact(tr.gettext("Country"), tr.territory(handle.organisation.country)),
        Fact(tr.gettext("Abstract"), str(metadata.get("abstract") or "")),
        Fact(
            tr.gettext("Kind of data"),
            labels.translate(tr, labels.KINDS_OF_DATA, metadata.get("kind_of_data")),
        ),
        Fact(
            tr.gettext("Reference period"),
            " – ".join(str(period[k]) for k in ("start", "end") if period.get(k)),
        ),
        Fact(
            tr.gettext("SDG indicators"),
            ", ".join(str(m.get("indicator")) for m in mappings if isinstance(m, Mapping)),
        ),
        Fact(
            tr.gettext("Areas"),
            ", ".join(str(a) for a in geography.get("areas") or []),
        ),
        Fact(
            tr.gettext("Target groups"),
            ", ".join(
                str(g.get("label") or g.get("code")) if isinstance(g, Mapping) else str(g)
                for g in groups
            ),
        ),
        Fact(tr.gettext("Observations"), tr.number(handle.version.observation_count)),
        Fact(tr.gettext("Submitted"), tr.datetime(handle.version.submitted_at)),
        Fact(tr.gettext("Content hash (SHA-256)"), handle.version.content_hash or ""),
    ]
    return [fact for fact in found if fact.value]


def _rubric_fields(
    suggested: Mapping[str, Any], case: ReviewCase, values: Mapping[str, str] | None
) -> list[RubricField]:
    rubric = suggested["rubric"]
    suggestions = suggested["suggestions"]
    recorded = (case.assessment or {}).get("ratings") or {}
    scale = sorted(rubric["scale"], key=lambda level: level["value"])
    options = [
        RatingOption(str(level["value"]), f"{level['value']} – {level['label']}") for level in scale
    ]
    fields = []
    for criterion in rubric["criteria"]:
        cid = criterion["id"]
        given = recorded.get(cid) or {}
        hint = suggestions.get(cid) or {}
        rating = given.get("rating", hint.get("rating"))
        evidence = given.get("evidence") or hint.get("evidence") or ""
        rating_text = "" if rating is None else str(rating)
        if values is not None:  # a refused form shows what was sent, not what is stored
            rating_text = values.get(rating_field(cid), "")
            evidence = values.get(evidence_field(cid), "")
        fields.append(
            RubricField(
                id=cid,
                name=criterion["name"],
                question=criterion["question"],
                guidance=criterion["guidance"],
                gating=bool(criterion.get("gating")),
                options=options,
                rating=rating_text,
                evidence=evidence,
                suggestion=None if not hint else str(hint.get("rating")),
                rating_name=rating_field(cid),
                evidence_name=evidence_field(cid),
            )
        )
    return fields


def _field_labels(rubric: list[RubricField], tr: Translator) -> dict[str, str]:
    labels_by_id = {
        "assessment-comment": tr.gettext("Comment (optional)"),
        "decision-decision": tr.gettext("Decision"),
        "decision-reason": tr.gettext("Reason"),
        "decision-conditions": tr.gettext("Conditions of use"),
        "decision-caveat": tr.gettext("Caveat"),
        "return-reason": tr.gettext("What the coalition must change"),
        "withdraw-reason": tr.gettext("Reason"),
    }
    for criterion in rubric:
        labels_by_id[f"assessment-{criterion.rating_name}"] = criterion.name
        labels_by_id[f"assessment-{criterion.evidence_name}"] = tr.gettext(
            "Evidence: %(criterion)s", criterion=criterion.name
        )
    return labels_by_id


def case(
    session: Session,
    principal: Principal,
    tr: Translator,
    uid: str,
    number: int,
    *,
    assessment_values: Mapping[str, str] | None = None,
) -> CasePage:
    """A version as its statistics office reviews it; a coalition's key finds nothing here
    (:class:`NotFound`), an office that is not competent is refused by the service."""
    if not is_steward(principal):
        raise NotFound("review case", f"{uid} v{number}")
    file = review.case_file(session, principal, uid, number)
    handle, found = file.handle, file.case
    version = handle.version
    assert version.id is not None
    names = _case_actors(session, version.id, found)
    suggested = review.suggestions(session, principal, uid, number)
    reviewer = principal.role in review.STEWARD_ROLES
    approver = principal.role is Role.APPROVER
    under_review = version.state == workflow.UNDER_REVIEW
    release = _release(session, version, tr)
    comment = str((found.assessment or {}).get("comment") or "")
    if assessment_values is not None:
        comment = assessment_values.get(COMMENT_FIELD, "")
    rubric = _rubric_fields(suggested, found, assessment_values)
    return CasePage(
        dataset=handle.dataset.uid,
        title=handle.dataset.title,
        version=version.number,
        state=version.state,
        state_label=labels.translate(tr, labels.STATES, version.state),
        coalition=handle.organisation.name,
        facts=_facts(handle, tr),
        transitions=_transitions(session, version.id, tr, names),
        screening=_screening(found, tr),
        rubric_name=str(suggested["rubric"]["name"]),
        rubric=rubric,
        comment=comment,
        assessment=(found.assessment or {}).get("result"),
        assessed_by=_who(found.assessed_by, names, tr),
        disclosure=_disclosure(session, found, tr, names),
        decision=_decision(found, tr, names),
        release=release,
        decision_choices=[
            RatingOption(code, tr.gettext(label)) for code, label in DECISION_CHOICES
        ],
        can_assess=under_review and reviewer,
        can_decide=under_review and approver,
        can_publish=version.state == workflow.DECIDED
        and approver
        and (found.decision or "") in review.PUBLISHABLE_DECISIONS,
        can_withdraw=approver
        and release is not None
        and release.status != "withdrawn"
        and version.state in (workflow.PUBLISHED, workflow.SUPERSEDED),
        approver=approver,
        field_labels=_field_labels(rubric, tr),
        url=case_url(uid, number),
        api_url=f"/api/v1/datasets/{uid}/versions/{number}/review",
    )


def release_of(session: Session, uid: str, number: int) -> str:
    """The release id of a published version (for the withdraw form)."""
    dataset = session.exec(select(Dataset).where(Dataset.uid == uid)).first()
    if dataset is not None:
        for release in publishing.releases_of_dataset(session, dataset.id or 0):
            version = session.get(DatasetVersion, release.version_id)
            if version is not None and version.number == number:
                return release.uid
    raise NotFound("release", f"{uid} v{number}")


# ------------------------------------------------------------------------------------------
# Errors shown on a page


@dataclass
class PageError:
    """A refusal of the service, as the page shows it: the message, and each itemised problem
    (with the form field it concerns, where there is one)."""

    message: str
    #: Each problem: (form field name or "", the service's field path, its message).
    items: list[tuple[str, str, str]]
    #: Form field name → messages, for ``aria-describedby`` next to the control.
    fields: dict[str, list[str]]
    #: The action whose form the error concerns (``assessment``, ``decision``…).
    action: str

    def for_field(self, name: str) -> list[str]:
        return self.fields.get(name, [])


def _form_field(action: str, name: str) -> str:
    """The desk form's field for a field the service names (``ratings.<id>.evidence``…)."""
    if action == "assessment" and name.startswith("ratings."):
        parts = name.split(".")
        criterion = parts[1] if len(parts) > 1 else ""
        if len(parts) > 2 and parts[2] == "evidence":
            return evidence_field(criterion)
        return rating_field(criterion)
    return name


def page_error(exc: VoicescountError, action: str) -> PageError:
    items: list[tuple[str, str, str]] = []
    fields: dict[str, list[str]] = {}
    for problem in exc.errors:
        name = str(problem.get("field") or "")
        message = str(problem.get("message") or "")
        form_name = _form_field(action, name) if name else ""
        items.append((form_name, name, message))
        if form_name:
            fields.setdefault(form_name, []).append(message)
    # The services write for API clients; on the page the problems are listed right below.
    message = exc.detail.replace("; 'errors' lists them.", ":")
    return PageError(message=message, items=items, fields=fields, action=action)
