"""Use cases of review: submit and screen, assess, apply disclosure control, return, decide.

Every move goes through :func:`move`, which checks it against ``review.workflow``, records who,
when and why (``review_transition`` and the audit log) and queues the webhook events, all in the
transaction of the change itself.

Who may act on a case:

- the coalition that owns the dataset submits it (and starts a new version when it comes back);
- a statistics office *competent* for it (same country as the coalition, or one without a
  country) reviews it; the first office to act takes the case, and only it acts on it afterwards;
- four eyes: the key (and the person holding it) that assessed a version never decides on it;
- no organisation reviews or decides on its own data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from voicescount import disclosure
from voicescount.access import roles
from voicescount.access.roles import Principal
from voicescount.config import Settings
from voicescount.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from voicescount.intake import lookup, uploads
from voicescount.intake import service as intake
from voicescount.intake.service import VersionHandle
from voicescount.notifications import service as notifications
from voicescount.provenance import audit
from voicescount.review import rubric as rubrics
from voicescount.review import screening, workflow
from voicescount.storage import observations
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import (
    Dataset,
    DatasetVersion,
    Organisation,
    ReviewCase,
    ReviewTransition,
    StewardSettings,
    Upload,
)
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

#: Decisions an approver can take (CL_REVIEW_DECISION, plus REJECTED which is never published).
DECISIONS = ("OFFICIAL", "COMPLEMENTARY", "CONTEXTUAL", "REJECTED")
PUBLISHABLE_DECISIONS = frozenset({"OFFICIAL", "COMPLEMENTARY", "CONTEXTUAL"})
#: What each quality outcome allows: data that did not meet the criteria are context at most.
DECISIONS_BY_OUTCOME = {
    "MET": frozenset(DECISIONS),
    "MET_WITH_CONDITIONS": frozenset(DECISIONS),
    "NOT_MET": frozenset({"CONTEXTUAL", "REJECTED"}),
}

STEWARD_ROLES = frozenset({Role.REVIEWER, Role.APPROVER})


@dataclass
class CaseFile:
    """A version with its review case, as the steward or coalition sees it."""

    handle: VersionHandle
    case: ReviewCase


# ------------------------------------------------------------------------------------------
# Moving through the workflow


def move(
    session: Session,
    version: DatasetVersion,
    target: str,
    *,
    principal: Principal | None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    notify: tuple[int, ...] = (),
) -> ReviewTransition:
    """Check and record one transition of ``version`` (``principal=None``: voicescount itself),
    and queue it for the webhooks of the organisations in ``notify``; the caller commits."""
    source = version.state
    workflow.check(
        source,
        target,
        kind=principal.organisation_kind if principal else None,
        role=principal.role if principal else None,
        reason=reason,
    )
    assert version.id is not None
    version.state = target
    session.add(version)
    actor = principal.actor if principal else "system"
    record = ReviewTransition(
        version_id=version.id,
        from_state=source,
        to_state=target,
        actor=actor,
        organisation_id=principal.organisation_id if principal else None,
        reason=(reason or "").strip() or None,
        details=details or {},
    )
    session.add(record)
    dataset = session.get(Dataset, version.dataset_id)
    assert dataset is not None
    subject = f"version:{dataset.uid}/{version.number}"
    audit.append(
        session,
        actor=actor,
        action=f"review.{target}",
        subject=subject,
        details={"from": source, "to": target, "reason": record.reason, **(details or {})},
    )
    notifications.enqueue(
        session,
        (dataset.organisation_id, *notify),
        {
            "type": f"version.{target}",
            "occurred_at": record.at.isoformat(),
            "dataset": dataset.uid,
            "title": dataset.title,
            "version": version.number,
            "from": source,
            "to": target,
            "actor": actor,
            "reason": record.reason,
            "links": {"version": f"/api/v1/datasets/{dataset.uid}/versions/{version.number}"},
        },
    )
    return record


def transitions_of(session: Session, version_id: int) -> list[ReviewTransition]:
    statement = (
        select(ReviewTransition)
        .where(ReviewTransition.version_id == version_id)
        .order_by(col(ReviewTransition.id))
    )
    return list(session.exec(statement))


# ------------------------------------------------------------------------------------------
# Who may act


def competent(steward: Organisation, provider: Organisation) -> bool:
    """Whether a statistics office reviews a coalition's data: same country, or either has none."""
    return roles.competent(steward.country, provider.country)


def stewards_for(session: Session, provider: Organisation) -> list[Organisation]:
    statement = select(Organisation).where(Organisation.kind == OrgKind.STEWARD.value)
    return [s for s in session.exec(statement) if competent(s, provider)]


def _notify_stewards(session: Session, handle: VersionHandle, case: ReviewCase) -> tuple[int, ...]:
    if case.steward_id is not None:
        return (case.steward_id,)
    return tuple(s.id for s in stewards_for(session, handle.organisation) if s.id is not None)


def find_case(session: Session, version: DatasetVersion) -> ReviewCase | None:
    return session.exec(select(ReviewCase).where(ReviewCase.version_id == version.id)).first()


def get_case(session: Session, version: DatasetVersion) -> ReviewCase:
    case = find_case(session, version)
    if case is None:
        raise NotFound("review case", f"version {version.number}")
    return case


def case_file(session: Session, principal: Principal, uid: str, number: int) -> CaseFile:
    """The case of a version, for its coalition or a competent statistics office."""
    handle = intake.visible_version(session, principal, uid, number)
    if principal.organisation_kind is OrgKind.STEWARD:
        _check_competent(session, principal, handle)
    return CaseFile(handle, get_case(session, handle.version))


def _check_competent(session: Session, principal: Principal, handle: VersionHandle) -> None:
    steward = session.get(Organisation, principal.organisation_id)
    assert steward is not None
    if not competent(steward, handle.organisation):
        raise PermissionDenied(
            f"{steward.name} is not a statistics office for {handle.organisation.name} "
            f"({handle.organisation.country}); the statistics office of that country reviews it."
        )


def steward_case(
    session: Session, principal: Principal, uid: str, number: int, roles: frozenset[Role]
) -> CaseFile:
    """The case, if ``principal`` is a key with one of ``roles`` of the office that may act on
    it; the first office to act takes the case."""
    if principal.organisation_kind is not OrgKind.STEWARD or principal.role not in roles:
        who = " or ".join(sorted(r.value for r in roles))
        raise PermissionDenied(f"This takes a {who} key of a statistics office (steward).")
    handle = intake.visible_version(session, principal, uid, number)
    if handle.dataset.organisation_id == principal.organisation_id:
        raise PermissionDenied("No organisation reviews or decides on its own data.")
    _check_competent(session, principal, handle)
    case = get_case(session, handle.version)
    if case.steward_id is not None and case.steward_id != principal.organisation_id:
        steward = session.get(Organisation, case.steward_id)
        raise PermissionDenied(
            f"{steward.name if steward else 'Another statistics office'} has taken this case; "
            "only it acts on it."
        )
    if case.steward_id is None:
        case.steward_id = principal.organisation_id
        session.add(case)
    return CaseFile(handle, case)


def _require_state(file: CaseFile, *states: str, doing: str) -> None:
    state = file.handle.version.state
    if state not in states:
        raise Conflict(
            f"Version {file.handle.version.number} of {file.handle.dataset.uid} is "
            f"{state.replace('_', ' ')}; it can only {doing} when it is "
            f"{' or '.join(s.replace('_', ' ') for s in states)}."
        )


# ------------------------------------------------------------------------------------------
# Submission and screening


def submit(
    session: Session,
    principal: Principal,
    uid: str,
    number: int,
    *,
    settings: Settings,
    store: BlobStore,
) -> CaseFile:
    """Freeze a draft and screen it at once: it goes under review, or back with its issues.

    One transaction: if anything fails, the version is still a draft."""
    handle = intake.freeze(session, principal, uid, number)
    version = handle.version
    version.state = workflow.DRAFT  # freeze() set it; the move records it
    move(session, version, workflow.SUBMITTED, principal=principal)
    assert version.id is not None
    case = ReviewCase(version_id=version.id)
    session.add(case)
    move(session, version, workflow.SCREENING, principal=None)
    result = screen(session, handle, settings=settings, store=store)
    case.screening = {"ran_at": utcnow().isoformat(), **result.summary()}
    session.add(case)
    if result.blocking:
        move(
            session,
            version,
            workflow.RETURNED,
            principal=None,
            reason=f"Screening found {result.blocking} blocking issue"
            + ("s" if result.blocking != 1 else "")
            + "; see the screening report. Correct them in a new version and submit it.",
            details={"blocking": result.blocking, "warnings": result.warnings},
        )
    else:
        move(
            session,
            version,
            workflow.UNDER_REVIEW,
            principal=None,
            details={"warnings": result.warnings},
            notify=_notify_stewards(session, handle, case),
        )
    session.commit()
    return CaseFile(handle, case)


def screen(
    session: Session, handle: VersionHandle, *, settings: Settings, store: BlobStore
) -> screening.Result:
    """Run every screening check on a version (read-only)."""
    version = handle.version
    metadata = version.metadata_ or {}
    assert version.id is not None
    result = screening.Result()
    vocabulary = lookup.RegistryVocabulary.of_dataset(
        session, settings.agency_id, handle.dataset.organisation_id, handle.dataset.dataflow
    )
    context = intake.validation_context(metadata, vocabulary)
    geography = screening.Geography(
        country_area=context["country_area"],
        areas=context["areas"],
        area_within=vocabulary.area_within,
    )
    accepted = [u for u in intake.uploads_of(session, version) if u.status == "accepted"]
    screening.check_uploads(
        result, [_upload_check(session, u, handle, metadata, settings, store) for u in accepted]
    )
    screening.check_metadata_text(result, metadata)
    screening.check_findings(
        result,
        [
            {
                "statement": f.statement,
                "evidence": f.evidence,
                "areas": f.areas,
                "target_groups": f.target_groups,
            }
            for f in intake.list_findings(session, version)
        ],
        metadata,
        geography,
    )
    scan = screening.ObservationScan(result, metadata)
    columns = ("row_number", "series_key", "time_period", "unweighted_n", "attributes")
    for row in observations.stream(session, version.id, columns):
        scan.add(screening.ObservationRow(*row))
    screening.check_consistency(result, scan, metadata, geography)
    return result


def _upload_check(
    session: Session,
    upload: Upload,
    handle: VersionHandle,
    metadata: dict[str, Any],
    settings: Settings,
    store: BlobStore,
) -> screening.UploadCheck:
    assert upload.id is not None
    outcome = uploads.recheck(
        session,
        upload,
        organisation_id=handle.dataset.organisation_id,
        metadata=metadata,
        settings=settings,
        store=store,
        dataflow=handle.dataset.dataflow,
    )
    dropped = uploads.dropped_columns(upload)
    return screening.UploadCheck(
        upload_id=upload.id,
        filename=upload.filename,
        dropped_columns=tuple(dropped),
        revalidation_issues=tuple(issue.as_dict() for issue in outcome.issues),
        revalidation_errors=int(outcome.summary.get("errors", 0)),
        dropped_values=tuple(uploads.column_values(upload, dropped, store=store)),
    )


# ------------------------------------------------------------------------------------------
# Steward settings and the rubric


def steward_settings(session: Session, organisation_id: int) -> StewardSettings:
    found = session.get(StewardSettings, organisation_id)
    return found or StewardSettings(organisation_id=organisation_id)


def update_settings(
    session: Session,
    principal: Principal,
    *,
    frequency_threshold: int | None = None,
    reliability_threshold: int | None = None,
    rubric: dict[str, Any] | None = None,
    reset_rubric: bool = False,
) -> StewardSettings:
    """Change a statistics office's review settings (its admin or an approver)."""
    if principal.organisation_kind is not OrgKind.STEWARD or principal.role not in (
        Role.ADMIN,
        Role.APPROVER,
    ):
        raise PermissionDenied(
            "Review settings are changed with an admin or approver key of a statistics office."
        )
    current = steward_settings(session, principal.organisation_id)
    frequency = current.frequency_threshold if frequency_threshold is None else frequency_threshold
    reliability = (
        current.reliability_threshold if reliability_threshold is None else reliability_threshold
    )
    problems = []
    if frequency < 1:
        problems.append({"field": "frequency_threshold", "message": "must be at least 1"})
    if reliability < frequency:
        problems.append(
            {
                "field": "reliability_threshold",
                "message": f"must be at least the frequency threshold ({frequency})",
            }
        )
    if problems:
        raise InvalidInput("The review settings cannot be saved as given.", errors=problems)
    current.frequency_threshold = frequency
    current.reliability_threshold = reliability
    if rubric is not None:
        current.rubric = rubrics.parse_rubric(rubric).model_dump(mode="json")
    elif reset_rubric:
        current.rubric = None
    current.updated_at = utcnow()
    session.add(current)
    audit.append(
        session,
        actor=principal.actor,
        action="review.settings",
        subject=f"organisation:{principal.organisation_slug}",
        details={
            "frequency_threshold": frequency,
            "reliability_threshold": reliability,
            "rubric": _rubric_label(current.rubric),
        },
    )
    session.commit()
    return current


def _rubric_label(document: dict[str, Any] | None) -> str:
    if document is None:
        rubric = rubrics.default_rubric()
        return f"{rubric.id} {rubric.version} (default)"
    return f"{document.get('id')} {document.get('version')}"


def rubric_for(session: Session, steward_id: int) -> rubrics.Rubric:
    stored = steward_settings(session, steward_id).rubric
    return rubrics.parse_rubric(stored) if stored else rubrics.default_rubric()


# ------------------------------------------------------------------------------------------
# Assessment


def suggestions(session: Session, principal: Principal, uid: str, number: int) -> dict[str, Any]:
    """The rubric to rate against and the ratings the metadata suggest (nothing is recorded)."""
    if principal.organisation_kind is not OrgKind.STEWARD:
        raise PermissionDenied("Only statistics offices assess submissions.")
    file = case_file(session, principal, uid, number)
    rubric = rubric_for(session, file.case.steward_id or principal.organisation_id)
    suggested = rubrics.suggest_ratings(
        rubric,
        file.handle.version.metadata_ or {},
        disclosure_checked=file.case.disclosure is not None,
    )
    return {
        "rubric": rubric.model_dump(mode="json"),
        "suggestions": {k: v.model_dump(mode="json") for k, v in suggested.items()},
    }


def assess(
    session: Session, principal: Principal, uid: str, number: int, data: dict[str, Any]
) -> CaseFile:
    """Record a reviewer's rubric assessment (again, if they revise it) while under review."""
    file = steward_case(session, principal, uid, number, STEWARD_ROLES)
    _require_state(file, workflow.UNDER_REVIEW, doing="be assessed")
    assert file.case.steward_id is not None
    rubric = rubric_for(session, file.case.steward_id)
    body = {
        "rubric_id": rubric.id,
        "rubric_version": rubric.version,
        "assessor": f"{principal.holder} ({principal.organisation_slug})",
        **data,
    }
    assessment = rubrics.parse_assessment(body, rubric)
    if assessment.assessed_at is None:
        assessment = assessment.model_copy(update={"assessed_at": utcnow()})
    result = rubrics.score(assessment, rubric)
    case = file.case
    case.assessment = {
        "ratings": {k: v.model_dump(mode="json") for k, v in assessment.ratings.items()},
        "comment": assessment.comment,
        "result": result.model_dump(mode="json"),
        "holder": principal.holder,
        # The rubric as used: an office may load another under the same id later.
        "rubric": rubric.model_dump(mode="json"),
    }
    case.rubric = f"{rubric.id} {rubric.version}"
    case.score = result.percent
    case.gating_passed = result.gating_passed
    case.quality_outcome = result.outcome.value
    case.assessed_by = principal.actor
    case.assessed_at = utcnow()
    session.add(case)
    audit.append(
        session,
        actor=principal.actor,
        action="review.assess",
        subject=f"version:{uid}/{number}",
        details={
            "rubric": case.rubric,
            "score": result.percent,
            "gating_passed": result.gating_passed,
            "outcome": result.outcome.value,
        },
    )
    session.commit()
    return file


# ------------------------------------------------------------------------------------------
# Disclosure control


def apply_disclosure(
    session: Session, principal: Principal, uid: str, number: int, *, agency: str
) -> CaseFile:
    """Run disclosure control with the office's thresholds; record every cell it touches."""
    file = steward_case(session, principal, uid, number, STEWARD_ROLES)
    _require_state(file, workflow.UNDER_REVIEW, doing="have disclosure control applied")
    assert file.case.steward_id is not None and file.handle.version.id is not None
    version_id = file.handle.version.id
    office = steward_settings(session, file.case.steward_id)
    policy = disclosure.Policy(
        frequency_threshold=office.frequency_threshold,
        reliability_threshold=office.reliability_threshold,
    )
    cells = [
        disclosure.Cell(
            id=row[0], key=tuple(row[1].split(".")), period=row[2], value=row[3], n=row[4]
        )
        for row in session.execute(
            text(
                "SELECT id, series_key, time_period, obs_value, unweighted_n FROM observation "
                "WHERE version_id = :version ORDER BY id"
            ),
            {"version": version_id},
        )
    ]
    hierarchies = _hierarchies(session, agency, file.handle, cells)
    protection = disclosure.protect(cells, policy, hierarchies)
    session.execute(
        text("DELETE FROM suppression WHERE version_id = :version"), {"version": version_id}
    )
    rows = [
        {
            "version_id": version_id,
            "observation_id": outcome.cell_id,
            "conf_status": outcome.conf_status,
            "obs_status": outcome.obs_status,
            "rule": outcome.rule,
            "reason": outcome.reason,
        }
        for outcome in protection.outcomes
        if outcome.rule != "free"
    ]
    if rows:
        session.execute(
            text(
                "INSERT INTO suppression (version_id, observation_id, conf_status, obs_status, "
                "rule, reason) VALUES (:version_id, :observation_id, :conf_status, :obs_status, "
                ":rule, :reason)"
            ),
            rows,
        )
    report = protection.report
    case = file.case
    case.disclosure = {
        "policy": {
            "frequency_threshold": policy.frequency_threshold,
            "reliability_threshold": policy.reliability_threshold,
            "unknown_n": policy.unknown_n,
            "exact_check": policy.exact_check,
        },
        "cells": len(cells),
        "counts": dict(report.counts),
        "withheld": report.withheld,
        "hierarchies": hierarchies.as_dict(),
    }
    case.disclosure_by = principal.actor
    case.disclosure_at = utcnow()
    session.add(case)
    audit.append(
        session,
        actor=principal.actor,
        action="review.disclosure",
        subject=f"version:{uid}/{number}",
        details={"counts": dict(report.counts), "withheld": report.withheld},
    )
    session.commit()
    return file


def _hierarchies(
    session: Session, agency: str, handle: VersionHandle, cells: list[disclosure.Cell]
) -> disclosure.Hierarchies:
    """Area and population-group trees over the codes the cells use (parent = sum of children)."""
    vocabulary = lookup.RegistryVocabulary.of_dataset(
        session, agency, handle.dataset.organisation_id, handle.dataset.dataflow
    )
    ref_area = disclosure.SDG_DIMENSIONS.index("REF_AREA")
    groups = disclosure.SDG_DIMENSIONS.index("CUST_BREAKDOWN")
    areas = {c.key[ref_area] for c in cells if len(c.key) > ref_area}
    group_codes = {c.key[groups] for c in cells if len(c.key) > groups}
    return disclosure.Hierarchies.from_parents(
        {
            "REF_AREA": vocabulary.parents_among(areas, "REF_AREA"),
            "CUST_BREAKDOWN": vocabulary.parents_among(group_codes, "CUST_BREAKDOWN"),
        }
    )


def suppressions(session: Session, version_id: int) -> Iterator[dict[str, Any]]:
    """Every cell disclosure control withheld or flagged, with its key and why (no values)."""
    result = session.execute(
        text(
            "SELECT o.row_number, o.series_key, o.time_period, o.unweighted_n, s.conf_status, "
            "s.obs_status, s.rule, s.reason FROM suppression s JOIN observation o "
            "ON o.id = s.observation_id WHERE s.version_id = :version ORDER BY o.id"
        ),
        {"version": version_id},
    )
    for row in result:
        yield {
            "row_number": row[0],
            "series_key": row[1],
            "time_period": row[2],
            "unweighted_n": row[3],
            "value_withheld": row[4] != "F",
            "conf_status": row[4],
            "obs_status": row[5],
            "rule": row[6],
            "reason": row[7],
        }


SUPPRESSION_COLUMNS = (
    "row_number",
    "series_key",
    "time_period",
    "unweighted_n",
    "value_withheld",
    "conf_status",
    "obs_status",
    "rule",
    "reason",
)


def suppression_csv(session: Session, version_id: int) -> Iterator[str]:
    """The suppression report as CSV text, streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SUPPRESSION_COLUMNS)
    for entry in suppressions(session, version_id):
        writer.writerow([entry[c] for c in SUPPRESSION_COLUMNS])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# ------------------------------------------------------------------------------------------
# Return and decision


def return_version(
    session: Session, principal: Principal, uid: str, number: int, *, reason: str
) -> CaseFile:
    """Send a version under review back to its coalition, saying why."""
    file = steward_case(session, principal, uid, number, STEWARD_ROLES)
    move(session, file.handle.version, workflow.RETURNED, principal=principal, reason=reason)
    session.commit()
    return file


def decide(
    session: Session,
    principal: Principal,
    uid: str,
    number: int,
    *,
    decision: str,
    reason: str | None = None,
    conditions: str | None = None,
    caveat: str | None = None,
) -> CaseFile:
    """An approver's decision on an assessed version: official, complementary, contextual or
    rejected."""
    file = steward_case(session, principal, uid, number, frozenset({Role.APPROVER}))
    _require_state(file, workflow.UNDER_REVIEW, doing="be decided on")
    case = file.case
    decision = decision.strip().upper()
    if decision not in DECISIONS:
        raise InvalidInput(
            "The decision is not one of the four.",
            errors=[
                {"field": "decision", "message": f"must be one of: {', '.join(DECISIONS).lower()}"}
            ],
        )
    if case.assessment is None or case.quality_outcome is None:
        raise Conflict(
            "The version has not been assessed against the rubric yet; a reviewer assesses it "
            f"first (POST /api/v1/datasets/{uid}/versions/{number}/review/assessment)."
        )
    if case.assessed_by == principal.actor or (
        principal.holder and case.assessment.get("holder") == principal.holder
    ):
        raise PermissionDenied(
            "Four eyes: whoever assessed a version does not decide on it; another approver "
            "of the office decides."
        )
    has_data = file.handle.version.observation_count > 0
    if decision in PUBLISHABLE_DECISIONS and has_data and case.disclosure is None:
        raise Conflict(
            "Disclosure control has not been applied to the observations yet; apply it "
            f"(POST /api/v1/datasets/{uid}/versions/{number}/review/disclosure) before deciding."
        )
    outcome = case.quality_outcome
    if decision not in DECISIONS_BY_OUTCOME[outcome]:
        raise Conflict(
            f"The quality assessment's outcome is {outcome.lower().replace('_', ' ')}: data that "
            "do not meet the criteria can only be published as contextual evidence, or rejected."
        )
    if (
        outcome == "MET_WITH_CONDITIONS"
        and decision != "REJECTED"
        and not (conditions or "").strip()
    ):
        raise InvalidInput(
            "The criteria were met with conditions; state them with the decision.",
            errors=[{"field": "conditions", "message": "must not be empty"}],
        )
    if decision == "REJECTED" and not (reason or "").strip():
        raise InvalidInput(
            "Say why the version is rejected; the coalition reads the reason.",
            errors=[{"field": "reason", "message": "must not be empty"}],
        )
    case.decision = decision
    case.quality_outcome = outcome
    case.decision_reason = (reason or "").strip() or None
    case.conditions = (conditions or "").strip() or None
    case.caveat = (caveat or "").strip()[:1000] or None
    case.decided_by = principal.actor
    case.decided_at = utcnow()
    session.add(case)
    move(
        session,
        file.handle.version,
        workflow.DECIDED,
        principal=principal,
        reason=case.decision_reason,
        details={"decision": decision, "quality_outcome": outcome},
        notify=(principal.organisation_id,),
    )
    session.commit()
    return file


# ------------------------------------------------------------------------------------------
# What awaits whom


def inbox(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Versions that wait for the caller's organisation, oldest first, with what to do next."""
    if principal.organisation_kind is OrgKind.DATA_PROVIDER:
        return _coalition_inbox(session, principal)
    return _steward_inbox(session, principal)


def _item(
    dataset: Dataset, version: DatasetVersion, provider: Organisation, action: str, since: Any
) -> dict[str, Any]:
    return {
        "dataset": dataset.uid,
        "title": dataset.title,
        "version": version.number,
        "state": version.state,
        "provider": provider.slug,
        "action": action,
        "since": since,
        "link": f"/api/v1/datasets/{dataset.uid}/versions/{version.number}/review",
    }


def _coalition_inbox(session: Session, principal: Principal) -> list[dict[str, Any]]:
    provider = session.get(Organisation, principal.organisation_id)
    assert provider is not None
    rows = session.exec(
        select(DatasetVersion, Dataset)
        .join(Dataset, col(Dataset.id) == DatasetVersion.dataset_id)
        .where(Dataset.organisation_id == principal.organisation_id)
        .order_by(col(DatasetVersion.id))
    ).all()
    latest: dict[int, tuple[DatasetVersion, Dataset]] = {}
    for version, dataset in rows:
        latest[dataset.id] = (version, dataset)  # type: ignore[index]
    items = []
    for version, dataset in latest.values():
        if version.state == workflow.DRAFT:
            items.append(
                _item(
                    dataset, version, provider, "complete and submit the draft", version.created_at
                )
            )
        elif version.state == workflow.RETURNED:
            items.append(
                _item(
                    dataset,
                    version,
                    provider,
                    "read the issues, start a new version and submit it",
                    _entered(session, version),
                )
            )
    return items


def _entered(session: Session, version: DatasetVersion) -> Any:
    last = session.exec(
        select(ReviewTransition)
        .where(ReviewTransition.version_id == version.id)
        .order_by(col(ReviewTransition.id).desc())
        .limit(1)
    ).first()
    return last.at if last else version.submitted_at


def _steward_inbox(session: Session, principal: Principal) -> list[dict[str, Any]]:
    steward = session.get(Organisation, principal.organisation_id)
    assert steward is not None
    rows = session.exec(
        select(DatasetVersion, Dataset, ReviewCase)
        .join(Dataset, col(Dataset.id) == DatasetVersion.dataset_id)
        .join(ReviewCase, col(ReviewCase.version_id) == DatasetVersion.id)
        .where(col(DatasetVersion.state).in_([workflow.UNDER_REVIEW, workflow.DECIDED]))
        .order_by(col(DatasetVersion.id))
    ).all()
    items = []
    for version, dataset, case in rows:
        if case.steward_id not in (None, steward.id) or dataset.organisation_id == steward.id:
            continue  # taken by another office, or its own data (which it never reviews)
        provider = session.get(Organisation, dataset.organisation_id)
        assert provider is not None
        if not competent(steward, provider):
            continue
        action = _next_action(case, version, principal)
        if action is not None:
            items.append(_item(dataset, version, provider, action, _entered(session, version)))
    return items


def _next_action(case: ReviewCase, version: DatasetVersion, principal: Principal) -> str | None:
    approver = principal.role is Role.APPROVER
    if version.state == workflow.DECIDED:
        if case.decision in PUBLISHABLE_DECISIONS and approver:
            return "publish the decided version"
        return None
    if case.assessment is None:
        return "assess against the rubric" if principal.role in STEWARD_ROLES else None
    if case.disclosure is None and version.observation_count > 0:
        return "apply disclosure control" if principal.role in STEWARD_ROLES else None
    if approver and case.assessed_by != principal.actor:
        return "decide"
    return None


def describe(session: Session, file: CaseFile, *, for_steward: bool) -> dict[str, Any]:
    """The case file: screening, assessment, disclosure, decision, and every transition."""
    case = file.case
    version = file.handle.version
    assert version.id is not None
    steward = session.get(Organisation, case.steward_id) if case.steward_id else None
    return {
        "dataset": file.handle.dataset.uid,
        "version": version.number,
        "state": version.state,
        "steward": {"id": steward.slug, "name": steward.name} if steward else None,
        "screening": case.screening,
        "assessment": (case.assessment or {}).get("result"),
        "disclosure": case.disclosure,
        "decision": {
            "decision": case.decision,
            "quality_outcome": case.quality_outcome,
            "reason": case.decision_reason,
            "conditions": case.conditions,
            "caveat": case.caveat,
            "decided_by": case.decided_by,
            "decided_at": case.decided_at,
        }
        if case.decision
        else None,
        "transitions": [
            {
                "from": t.from_state,
                "to": t.to_state,
                "actor": t.actor,
                "reason": t.reason,
                "details": t.details,
                "at": t.at,
            }
            for t in transitions_of(session, version.id)
        ],
        "allowed": [
            {"action": t.action, "to": t.target}
            for t in workflow.allowed_from(version.state)
            if t.kind is not None
        ]
        if for_steward or version.state == workflow.DRAFT
        else [],
    }
