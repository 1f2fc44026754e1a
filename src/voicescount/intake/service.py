"""Use cases of intake: datasets and versions, metadata, findings, community series, submission.

Visibility follows one rule (:func:`visible_version`): a coalition sees its own datasets; a
statistics office sees versions once they are submitted; anyone else gets "not found", so that
drafts never leak. Only the owning coalition's submitters and admins change a draft.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, or_, select

from voicescount.access import roles
from voicescount.access.roles import Principal
from voicescount.config import get_settings
from voicescount.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from voicescount.intake import metadata as methodology
from voicescount.intake.lookup import RegistryVocabulary, reporting_structure
from voicescount.provenance import audit
from voicescount.storage import observations
from voicescount.storage.tables import (
    CommunitySeries,
    Dataset,
    DatasetVersion,
    Finding,
    Organisation,
    Upload,
)
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

DRAFT = "draft"
SUBMITTED = "submitted"

#: Roles of a coalition that may edit its drafts.
EDITORS = frozenset({Role.SUBMITTER, Role.ADMIN})

FINDING_METHODS = frozenset(
    {
        "focus_group",
        "key_informant_interview",
        "in_depth_interview",
        "citizen_dialogue",
        "community_scorecard",
        "household_survey",
        "observation",
        "other",
    }
)


@dataclass
class VersionHandle:
    dataset: Dataset
    version: DatasetVersion
    organisation: Organisation
    #: Whether the caller may change it (owner, editor role, draft).
    editable: bool


def _new_uid() -> str:
    return f"ds-{secrets.token_hex(5)}"


def _owner(principal: Principal, dataset: Dataset) -> bool:
    return principal.organisation_id == dataset.organisation_id


def get_dataset(session: Session, principal: Principal | None, uid: str) -> Dataset:
    dataset = session.exec(select(Dataset).where(Dataset.uid == uid)).first()
    if dataset is None or principal is None:
        raise NotFound("dataset", uid)
    if _owner(principal, dataset):
        return dataset
    if (
        principal.organisation_kind is OrgKind.STEWARD
        and _has_submitted(session, dataset)
        and _competent(session, principal, dataset.organisation_id)
    ):
        return dataset
    raise NotFound("dataset", uid)


def _competent(session: Session, principal: Principal, provider_id: int) -> bool:
    # Unpublished data (before disclosure control) stay with the offices that review them.
    steward = session.get(Organisation, principal.organisation_id)
    provider = session.get(Organisation, provider_id)
    return (
        steward is not None
        and provider is not None
        and roles.competent(steward.country, provider.country)
    )


def _has_submitted(session: Session, dataset: Dataset) -> bool:
    statement = select(DatasetVersion.id).where(
        DatasetVersion.dataset_id == dataset.id, DatasetVersion.state != DRAFT
    )
    return session.exec(statement).first() is not None


def visible_version(
    session: Session, principal: Principal | None, uid: str, number: int
) -> VersionHandle:
    dataset = get_dataset(session, principal, uid)
    assert principal is not None
    version = session.exec(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == dataset.id, DatasetVersion.number == number
        )
    ).first()
    owner = _owner(principal, dataset)
    if version is None or (not owner and version.state == DRAFT):
        raise NotFound("dataset version", f"{uid} v{number}")
    organisation = session.get(Organisation, dataset.organisation_id)
    assert organisation is not None
    editable = owner and principal.role in EDITORS and version.state == DRAFT
    return VersionHandle(dataset, version, organisation, editable)


def editable_version(
    session: Session, principal: Principal, uid: str, number: int
) -> VersionHandle:
    handle = visible_version(session, principal, uid, number)
    if not _owner(principal, handle.dataset):
        raise PermissionDenied("Only the coalition that owns a dataset may change it.")
    if principal.role not in EDITORS:
        raise PermissionDenied(
            f"A {principal.role.value} key cannot change datasets; use a submitter key."
        )
    if handle.version.state != DRAFT:
        raise Conflict(
            f"Version {number} of {uid} is {handle.version.state} and frozen; start a new "
            f"version (POST /api/v1/datasets/{uid}/versions) to change it."
        )
    return handle


def versions_of(session: Session, dataset: Dataset, principal: Principal) -> list[DatasetVersion]:
    statement = (
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset.id)
        .order_by(col(DatasetVersion.number))
    )
    versions = list(session.exec(statement))
    if _owner(principal, dataset):
        return versions
    return [v for v in versions if v.state != DRAFT]


def list_datasets(session: Session, principal: Principal) -> list[Dataset]:
    """A coalition's own datasets; for a statistics office, those with a submitted version of
    the coalitions it is competent for."""
    if principal.organisation_kind is OrgKind.STEWARD:
        submitted = select(DatasetVersion.dataset_id).where(DatasetVersion.state != DRAFT)
        statement = select(Dataset).where(col(Dataset.id).in_(submitted))
        steward = session.get(Organisation, principal.organisation_id)
        if steward is not None and steward.country is not None:
            providers = select(Organisation.id).where(
                or_(
                    col(Organisation.country).is_(None),
                    Organisation.country == steward.country,
                )
            )
            statement = statement.where(col(Dataset.organisation_id).in_(providers))
    else:
        statement = select(Dataset).where(Dataset.organisation_id == principal.organisation_id)
    return list(session.exec(statement.order_by(col(Dataset.created_at))))


def create_dataset(
    session: Session,
    principal: Principal,
    *,
    title: str,
    metadata: dict[str, Any] | None = None,
    dataflow: str | None = None,
) -> VersionHandle:
    """A new dataset with its first, draft version. ``dataflow`` names an imported (national)
    dataflow the dataset reports against; the community dataflow when ``None``."""
    if principal.organisation_kind is not OrgKind.DATA_PROVIDER or principal.role not in EDITORS:
        raise PermissionDenied(
            "Datasets are created by data providers (coalitions) with a submitter key."
        )
    if not title.strip():
        raise InvalidInput(
            "A dataset needs a title.", errors=[{"field": "title", "message": "must not be empty"}]
        )
    structure = (
        reporting_structure(session, get_settings().agency_id, dataflow) if dataflow else None
    )
    dataset = Dataset(
        uid=_new_uid(),
        organisation_id=principal.organisation_id,
        title=title.strip()[:500],
        created_by=principal.actor,
        dataflow=structure.flow if structure is not None else None,
    )
    session.add(dataset)
    session.flush()
    version = DatasetVersion(
        dataset_id=dataset.id,  # type: ignore[arg-type]
        number=1,
        state=DRAFT,
        metadata_=dict(metadata or {}),
        created_by=principal.actor,
    )
    session.add(version)
    session.flush()
    audit.append(
        session,
        actor=principal.actor,
        action="dataset.create",
        subject=f"dataset:{dataset.uid}",
        details={
            "title": dataset.title,
            "organisation": principal.organisation_slug,
            "dataflow": dataset.dataflow,
        },
    )
    session.commit()
    organisation = session.get(Organisation, principal.organisation_id)
    assert organisation is not None
    return VersionHandle(dataset, version, organisation, True)


def set_metadata(
    session: Session, principal: Principal, uid: str, number: int, metadata: dict[str, Any]
) -> VersionHandle:
    """Replace a draft's metadata as given; problems are reported, not fatal, until submission."""
    handle = editable_version(session, principal, uid, number)
    malformed = [
        issue
        for issue in methodology.check_metadata(
            metadata, vocabulary_for(session, handle), for_submission=False
        )
        if issue.severity == "error"
    ]
    if malformed:
        raise InvalidInput(
            "The metadata has malformed values; nothing was changed.",
            errors=[{"field": i.field, "message": i.message} for i in malformed],
        )
    handle.version.metadata_ = dict(metadata)
    session.add(handle.version)
    audit.append(
        session,
        actor=principal.actor,
        action="version.metadata",
        subject=f"version:{uid}/{number}",
        details={"sha256": _canonical_hash(metadata)},
    )
    session.commit()
    return handle


def vocabulary_for(session: Session, handle: VersionHandle) -> RegistryVocabulary:
    return RegistryVocabulary.of_dataset(
        session,
        get_settings().agency_id,
        handle.dataset.organisation_id,
        handle.dataset.dataflow,
    )


def metadata_issues(
    session: Session, handle: VersionHandle, *, for_submission: bool
) -> list[methodology.MetadataIssue]:
    return methodology.check_metadata(
        handle.version.metadata_, vocabulary_for(session, handle), for_submission=for_submission
    )


def add_findings(
    session: Session, principal: Principal, uid: str, number: int, findings: list[dict[str, Any]]
) -> list[Finding]:
    handle = editable_version(session, principal, uid, number)
    vocabulary = vocabulary_for(session, handle)
    problems: list[dict[str, str]] = []
    for index, finding in enumerate(findings):
        problems.extend(_check_finding(index, finding, vocabulary))
    if problems:
        raise InvalidInput("Some findings are not valid; none was added.", errors=problems)
    start = len(list_findings(session, handle.version))
    created = []
    for offset, finding in enumerate(findings):
        record = Finding(
            version_id=handle.version.id,  # type: ignore[arg-type]
            position=start + offset + 1,
            statement=finding["statement"].strip(),
            language=finding.get("language") or "en",
            sdg_targets=list(finding.get("sdg_targets", [])),
            areas=list(finding.get("areas", [])),
            target_groups=list(finding.get("target_groups", [])),
            method=finding["method"],
            evidence=finding.get("evidence"),
        )
        session.add(record)
        created.append(record)
    session.flush()
    audit.append(
        session,
        actor=principal.actor,
        action="version.findings",
        subject=f"version:{uid}/{number}",
        details={"added": len(created)},
    )
    session.commit()
    return created


def _check_finding(
    index: int, finding: dict[str, Any], vocabulary: RegistryVocabulary
) -> list[dict[str, str]]:
    where = f"findings.{index}"
    problems = []
    statement = finding.get("statement")
    if not isinstance(statement, str) or not statement.strip():
        problems.append({"field": f"{where}.statement", "message": "must be a non-empty text"})
    elif len(statement) > 4000:
        problems.append({"field": f"{where}.statement", "message": "at most 4,000 characters"})
    if finding.get("method") not in FINDING_METHODS:
        problems.append(
            {
                "field": f"{where}.method",
                "message": f"must be one of: {', '.join(sorted(FINDING_METHODS))}",
            }
        )
    targets = finding.get("sdg_targets") or []
    if not targets:
        problems.append({"field": f"{where}.sdg_targets", "message": "link at least one target"})
    for i, target in enumerate(targets):
        if not vocabulary.target_exists(str(target)):
            problems.append(
                {"field": f"{where}.sdg_targets.{i}", "message": f"{target!r} is not an SDG target"}
            )
    for i, area in enumerate(finding.get("areas") or []):
        if not vocabulary.area_exists(str(area)):
            problems.append(
                {"field": f"{where}.areas.{i}", "message": f"{area!r} is not a REF_AREA code"}
            )
    for i, group in enumerate(finding.get("target_groups") or []):
        if not vocabulary.target_group_exists(str(group)):
            problems.append(
                {
                    "field": f"{where}.target_groups.{i}",
                    "message": f"{group!r} is not a CUST_BREAKDOWN code",
                }
            )
    return problems


def list_findings(session: Session, version: DatasetVersion) -> list[Finding]:
    statement = (
        select(Finding).where(Finding.version_id == version.id).order_by(col(Finding.position))
    )
    return list(session.exec(statement))


def delete_finding(
    session: Session, principal: Principal, uid: str, number: int, position: int
) -> None:
    handle = editable_version(session, principal, uid, number)
    finding = session.exec(
        select(Finding).where(Finding.version_id == handle.version.id, Finding.position == position)
    ).first()
    if finding is None:
        raise NotFound("finding", f"{uid} v{number} #{position}")
    session.delete(finding)
    audit.append(
        session,
        actor=principal.actor,
        action="version.finding.delete",
        subject=f"version:{uid}/{number}",
        details={"position": position},
    )
    session.commit()


def uploads_of(session: Session, version: DatasetVersion) -> list[Upload]:
    statement = select(Upload).where(Upload.version_id == version.id).order_by(col(Upload.id))
    return list(session.exec(statement))


def withdraw_upload(
    session: Session, principal: Principal, uid: str, number: int, upload_id: int
) -> Upload:
    """Take an accepted upload's observations out of a draft (its bytes stay on record)."""
    handle = editable_version(session, principal, uid, number)
    upload = session.get(Upload, upload_id)
    if upload is None or upload.version_id != handle.version.id:
        raise NotFound("upload", str(upload_id))
    if upload.status != "accepted":
        raise Conflict(
            f"Upload {upload_id} is {upload.status}; only accepted uploads are withdrawn."
        )
    removed = observations.delete_upload(session, upload_id)
    upload.status = "withdrawn"
    handle.version.observation_count = observations.count(session, handle.version.id)  # type: ignore[arg-type]
    session.add_all([upload, handle.version])
    audit.append(
        session,
        actor=principal.actor,
        action="upload.withdraw",
        subject=f"upload:{upload_id}",
        details={"version": f"{uid}/{number}", "observations_removed": removed},
    )
    session.commit()
    return upload


def version_hash(session: Session, handle: VersionHandle) -> str:
    """SHA-256 that pins a version: metadata, findings, accepted uploads and every observation."""
    version = handle.version
    assert version.id is not None
    payload = {
        "dataset": handle.dataset.uid,
        "version": version.number,
        "metadata": version.metadata_,
        "findings": [
            {
                "statement": f.statement,
                "language": f.language,
                "sdg_targets": f.sdg_targets,
                "areas": f.areas,
                "target_groups": f.target_groups,
                "method": f.method,
                "evidence": f.evidence,
            }
            for f in list_findings(session, version)
        ],
        "uploads": [u.blob_sha256 for u in uploads_of(session, version) if u.status == "accepted"],
        "observations": observations.digest(session, version.id),
    }
    return _canonical_hash(payload)


def _canonical_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def submit(session: Session, principal: Principal, uid: str, number: int) -> VersionHandle:
    """Freeze a draft and commit; the review workflow's submission screens it in the same
    transaction instead (``review.service.submit``)."""
    handle = freeze(session, principal, uid, number)
    session.commit()
    return handle


def freeze(session: Session, principal: Principal, uid: str, number: int) -> VersionHandle:
    """Check a draft's metadata for submission, hash it, make it visible to stewards (in the
    caller's transaction)."""
    handle = editable_version(session, principal, uid, number)
    version = handle.version
    problems = [
        {"field": issue.field, "message": issue.message}
        for issue in metadata_issues(session, handle, for_submission=True)
        if issue.severity == "error"
    ]
    has_findings = bool(list_findings(session, version))
    if version.observation_count == 0 and not has_findings:
        problems.append(
            {
                "field": "observations",
                "message": "the version has neither observations (an accepted upload) nor findings",
            }
        )
    if problems:
        raise InvalidInput(
            f"Version {number} of {uid} cannot be submitted yet; nothing was changed.",
            errors=problems,
        )
    version.content_hash = version_hash(session, handle)
    version.state = SUBMITTED
    version.submitted_at = utcnow()
    version.submitted_by = principal.actor
    session.add(version)
    audit.append(
        session,
        actor=principal.actor,
        action="version.submit",
        subject=f"version:{uid}/{number}",
        details={"content_hash": version.content_hash, "observations": version.observation_count},
    )
    session.flush()
    handle.editable = False
    return handle


def start_version(
    session: Session, principal: Principal, uid: str, *, copy_observations: bool = True
) -> VersionHandle:
    """A new draft from the latest version: metadata and findings copied, observations too."""
    dataset = get_dataset(session, principal, uid)
    if not _owner(principal, dataset) or principal.role not in EDITORS:
        raise PermissionDenied("Only the owning coalition's submitters start new versions.")
    versions = versions_of(session, dataset, principal)
    latest = versions[-1]
    if latest.state == DRAFT:
        raise Conflict(
            f"Version {latest.number} of {uid} is still a draft; change it instead of starting "
            "another."
        )
    version = DatasetVersion(
        dataset_id=dataset.id,  # type: ignore[arg-type]
        number=latest.number + 1,
        state=DRAFT,
        metadata_=dict(latest.metadata_),
        previous_version_id=latest.id,
        created_by=principal.actor,
    )
    session.add(version)
    session.flush()
    assert version.id is not None and latest.id is not None
    for finding in list_findings(session, latest):
        session.add(
            Finding(
                version_id=version.id,
                position=finding.position,
                statement=finding.statement,
                language=finding.language,
                sdg_targets=list(finding.sdg_targets),
                areas=list(finding.areas),
                target_groups=list(finding.target_groups),
                method=finding.method,
                evidence=finding.evidence,
            )
        )
    if copy_observations:
        version.observation_count = observations.copy_version(session, latest.id, version.id)
    audit.append(
        session,
        actor=principal.actor,
        action="version.create",
        subject=f"version:{uid}/{version.number}",
        details={"from_version": latest.number, "observations_copied": version.observation_count},
    )
    session.commit()
    organisation = session.get(Organisation, dataset.organisation_id)
    assert organisation is not None
    return VersionHandle(dataset, version, organisation, True)


# ------------------------------------------------------------------------------------------
# Community series


def series_prefix(organisation: Organisation) -> str:
    return re.sub(r"[^A-Z0-9]", "_", organisation.slug.upper()) + "_"


def define_series(
    session: Session,
    principal: Principal,
    *,
    code: str,
    name: str,
    sdg_target: str,
    unit_measure: str,
    sdg_indicators: list[str] | None = None,
    description: str | None = None,
) -> CommunitySeries:
    """A coalition-defined series where no global one fits (e.g. a scorecard item)."""
    if principal.organisation_kind is not OrgKind.DATA_PROVIDER or principal.role not in EDITORS:
        raise PermissionDenied("Community series are defined by coalitions' submitters.")
    organisation = session.get(Organisation, principal.organisation_id)
    assert organisation is not None
    vocabulary = RegistryVocabulary(session, get_settings().agency_id, principal.organisation_id)
    prefix = series_prefix(organisation)
    problems = []
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{2,79}", code) or not code.startswith(prefix):
        problems.append(
            {
                "field": "code",
                "message": f"must start with {prefix} and use capital letters, digits and '_' "
                f"(e.g. {prefix}SCORECARD_01)",
            }
        )
    elif vocabulary.series_indicators(code) is not None:
        problems.append({"field": "code", "message": f"{code} already exists"})
    if not name.strip():
        problems.append({"field": "name", "message": "must not be empty"})
    if not vocabulary.target_exists(sdg_target):
        problems.append({"field": "sdg_target", "message": f"{sdg_target!r} is not an SDG target"})
    for i, indicator in enumerate(sdg_indicators or []):
        if not vocabulary.indicator_exists(indicator):
            problems.append(
                {"field": f"sdg_indicators.{i}", "message": f"{indicator!r} is not an indicator"}
            )
        elif not indicator.startswith(sdg_target + "."):
            problems.append(
                {
                    "field": f"sdg_indicators.{i}",
                    "message": f"indicator {indicator} does not belong to target {sdg_target}",
                }
            )
    if not vocabulary.unit_exists(unit_measure):
        problems.append(
            {"field": "unit_measure", "message": f"{unit_measure!r} is not a UNIT_MEASURE code"}
        )
    if problems:
        raise InvalidInput("The community series cannot be defined as given.", errors=problems)
    series = CommunitySeries(
        code=code,
        organisation_id=principal.organisation_id,
        name=name.strip(),
        description=description,
        sdg_target=sdg_target,
        sdg_indicators=list(sdg_indicators or []),
        unit_measure=unit_measure,
    )
    session.add(series)
    # Publishing puts the series into the community CL_SERIES (one new generation for all the
    # series defined since the last one); uploads accept it from now on.
    audit.append(
        session,
        actor=principal.actor,
        action="series.define",
        subject=f"series:{code}",
        details={"name": series.name, "sdg_target": sdg_target},
    )
    session.commit()
    return series


def list_series(session: Session, principal: Principal | None) -> list[CommunitySeries]:
    return list(session.exec(select(CommunitySeries).order_by(col(CommunitySeries.code))))


# ------------------------------------------------------------------------------------------
# Validation context from metadata (lenient: drafts may be incomplete)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def validation_context(metadata: dict[str, Any], vocabulary: RegistryVocabulary) -> dict[str, Any]:
    """Reference period, geography and unit as far as the metadata states them."""
    period = metadata.get("reference_period") or {}
    start, end = _date(period.get("start")), _date(period.get("end"))
    geography = metadata.get("geography") or {}
    country = geography.get("country")
    country_area = vocabulary.country_area(country) if isinstance(country, str) else None
    areas = tuple(
        a for a in geography.get("areas") or [] if isinstance(a, str) and vocabulary.area_exists(a)
    )
    unit = metadata.get("unit_of_measure")
    return {
        "reference_period": (start, end) if start and end and start <= end else None,
        "country_area": country_area,
        "areas": areas,
        "unit_of_measure": unit if isinstance(unit, str) and vocabulary.unit_exists(unit) else None,
        "area_within": vocabulary.area_within,
    }
