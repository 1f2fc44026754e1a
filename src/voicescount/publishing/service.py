"""Use cases of publishing: release a decided dataset version as SDMX, withdraw a release.

Publishing takes what the review decided (``voicescount.review``): only a version an approver of
the reviewing statistics office has decided on as official, complementary or contextual is
released, with that decision, the rubric outcome and the caveat as its labels.

Publishing copies the version's observations into ``published_observation``, sorted by series
key and period, so that data queries read a release in order, with indexes made for them; cells
withheld by disclosure control go out without a value. A newer release of the same dataset
supersedes the older one; the older one stays retrievable (history, point-in-time queries) but
leaves the current feed. A withdrawn release leaves every feed; ``updatedAfter`` clients see it
as a deletion, and its tombstone stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from voicescount.provenance import audit
from voicescount.publishing import rules
from voicescount.registry import service as registry
from voicescount.review import service as review
from voicescount.review import workflow
from voicescount.storage import published
from voicescount.storage.tables import (
    Dataset,
    DatasetVersion,
    Organisation,
    Release,
)
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

#: Version states around publication (the review workflow owns them all).
PUBLISHED = workflow.PUBLISHED
SUPERSEDED = workflow.SUPERSEDED
WITHDRAWN = workflow.WITHDRAWN


def _require_approver(principal: Principal) -> None:
    if principal.organisation_kind is not OrgKind.STEWARD or principal.role is not Role.APPROVER:
        raise PermissionDenied(
            "Only an approver of a statistics office (steward) publishes or withdraws data."
        )


def publish(
    session: Session, principal: Principal, uid: str, number: int, *, agency: str
) -> Release:
    """Release a decided version; it supersedes the dataset's current release, if any."""
    _require_approver(principal)
    file = review.steward_case(session, principal, uid, number, frozenset({Role.APPROVER}))
    handle, case = file.handle, file.case
    version = handle.version
    if version.state != workflow.DECIDED:
        raise Conflict(
            f"Version {number} of {uid} is {version.state.replace('_', ' ')}; only a version "
            "decided on in review (official, complementary or contextual) is published."
        )
    decision = case.decision or ""
    if decision not in rules.DECISIONS:
        raise Conflict(f"Version {number} of {uid} was rejected in review; it is not published.")
    steward = session.get(Organisation, principal.organisation_id)
    assert steward is not None and version.id is not None and handle.dataset.id is not None
    # Community series defined since the last generation join CL_SERIES now, so every series
    # the release carries is a code of the DSD it is published under.
    registry.store_own_structures(session, agency)
    now = utcnow()
    release = Release(
        uid=rules.release_uid(uid, number),
        dataset_id=handle.dataset.id,
        version_id=version.id,
        organisation_id=handle.organisation.id,  # type: ignore[arg-type]
        steward_id=steward.id,
        decision=decision,
        quality_outcome=case.quality_outcome,
        producer_type=rules.producer_type(version.metadata_),
        caveat=case.caveat
        or rules.default_caveat(handle.organisation.name, steward.name, decision),
        content_hash=version.content_hash or "",
        published_at=now,
        published_by=principal.actor,
    )
    session.add(release)
    session.flush()
    assert release.id is not None
    release.observation_count = published.publish_version(session, release.id, version.id)
    previous = current_release(session, handle.dataset.id, exclude=release.id)
    if previous is not None:
        previous.superseded_at = now
        previous.superseded_by = release.id
        session.add(previous)
        older = session.get(DatasetVersion, previous.version_id)
        if older is not None and older.state == workflow.PUBLISHED:
            review.move(
                session,
                older,
                workflow.SUPERSEDED,
                principal=None,
                reason=f"Superseded by version {number}.",
                notify=(steward.id,) if steward.id else (),
            )
    review.move(
        session,
        version,
        workflow.PUBLISHED,
        principal=principal,
        details={"release": release.uid, "observations": release.observation_count},
        notify=(steward.id,) if steward.id else (),
    )
    session.add(release)
    audit.append(
        session,
        actor=principal.actor,
        action="release.publish",
        subject=f"release:{release.uid}",
        details={
            "version": f"{uid}/{number}",
            "decision": release.decision,
            "content_hash": release.content_hash,
            "observations": release.observation_count,
            "supersedes": previous.uid if previous else None,
        },
    )
    session.commit()
    return release


def current_release(
    session: Session, dataset_id: int, *, exclude: int | None = None
) -> Release | None:
    statement = select(Release).where(
        Release.dataset_id == dataset_id,
        col(Release.superseded_at).is_(None),
        col(Release.withdrawn_at).is_(None),
    )
    if exclude is not None:
        statement = statement.where(Release.id != exclude)
    return session.exec(statement).first()


def get_release(session: Session, release_uid: str) -> Release:
    release = session.exec(select(Release).where(Release.uid == release_uid)).first()
    if release is None:
        raise NotFound("release", release_uid)
    return release


def list_releases(session: Session, *, current_only: bool = False) -> list[Release]:
    statement = select(Release).order_by(col(Release.id))
    if current_only:
        statement = statement.where(
            col(Release.superseded_at).is_(None), col(Release.withdrawn_at).is_(None)
        )
    return list(session.exec(statement))


def withdraw(session: Session, principal: Principal, release_uid: str, *, reason: str) -> Release:
    """Take a release out of every feed (e.g. a community withdrew consent); a tombstone stays."""
    _require_approver(principal)
    release = get_release(session, release_uid)
    if release.steward_id != principal.organisation_id:
        raise PermissionDenied("Only the statistics office that published a release withdraws it.")
    if release.withdrawn_at is not None:
        raise Conflict(
            f"Release {release_uid} was already withdrawn on {release.withdrawn_at:%Y-%m-%d}."
        )
    if not reason.strip():
        raise InvalidInput(
            "Say why the release is withdrawn; the reason stays on its tombstone.",
            errors=[{"field": "reason", "message": "must not be empty"}],
        )
    release.withdrawn_at = utcnow()
    release.withdrawn_by = principal.actor
    release.withdrawn_reason = reason.strip()[:1000]
    session.add(release)
    version = session.get(DatasetVersion, release.version_id)
    if version is not None and version.state in (workflow.PUBLISHED, workflow.SUPERSEDED):
        review.move(
            session,
            version,
            workflow.WITHDRAWN,
            principal=principal,
            reason=release.withdrawn_reason,
            details={"release": release.uid},
            notify=(principal.organisation_id,),
        )
    audit.append(
        session,
        actor=principal.actor,
        action="release.withdraw",
        subject=f"release:{release.uid}",
        details={"reason": release.withdrawn_reason},
    )
    session.commit()
    return release


#: A DOI as DataCite mints it: the ``10.`` directory prefix, a registrant code, a suffix.
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
#: What people paste instead of the bare DOI; stripped before the check.
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


def set_doi(session: Session, principal: Principal, release_uid: str, doi: str) -> Release:
    """Record the DOI the operator minted for a release (admins of the deployment, or approvers
    of the office that published it); a correction replaces it, and the audit log keeps both."""
    release = get_release(session, release_uid)
    publisher = (
        principal.organisation_kind is OrgKind.STEWARD
        and principal.role is Role.APPROVER
        and release.steward_id == principal.organisation_id
    )
    if not (principal.is_deployment_admin or publisher):
        raise PermissionDenied(
            "Only an admin of the deployment or an approver of the statistics office that "
            "published the release records its DOI."
        )
    value = doi.strip()
    for prefix in _DOI_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    if not DOI_PATTERN.match(value) or len(value) > 200:
        raise InvalidInput(
            f"{doi!r} is not a DOI; write it as 10.<registrant>/<suffix>, e.g. 10.5281/zenodo.123.",
            errors=[
                {
                    "field": "doi",
                    "message": "must be 10., 4 to 9 digits, '/' and a suffix without spaces",
                }
            ],
        )
    previous = release.doi
    if previous != value:
        release.doi = value
        session.add(release)
        audit.append(
            session,
            actor=principal.actor,
            action="release.doi",
            subject=f"release:{release.uid}",
            details={"doi": value, "previous": previous},
        )
        session.commit()
    return release


def describe(session: Session, release: Release) -> dict[str, Any]:
    """Everything public about a release, for the API and citations."""
    dataset = session.get(Dataset, release.dataset_id)
    version = session.get(DatasetVersion, release.version_id)
    provider = session.get(Organisation, release.organisation_id)
    steward = session.get(Organisation, release.steward_id) if release.steward_id else None
    assert dataset is not None and version is not None and provider is not None
    return {
        "id": release.uid,
        "dataset": dataset.uid,
        "title": dataset.title,
        "dataflow": dataset.dataflow,
        "version": version.number,
        "provider": {"id": provider.slug, "name": provider.name},
        "steward": {"id": steward.slug, "name": steward.name} if steward else None,
        "decision": release.decision,
        "quality_outcome": release.quality_outcome,
        "producer_type": release.producer_type,
        "caveat": release.caveat,
        "content_hash": release.content_hash,
        "observations": release.observation_count,
        "published_at": release.published_at,
        "superseded_at": release.superseded_at,
        "superseded_by": _uid(session, release.superseded_by),
        "withdrawn_at": release.withdrawn_at,
        "withdrawn_reason": release.withdrawn_reason,
        "status": "withdrawn"
        if release.withdrawn_at
        else "superseded"
        if release.superseded_at
        else "current",
        "doi": release.doi,
    }


def _uid(session: Session, release_id: int | None) -> str | None:
    if release_id is None:
        return None
    other = session.get(Release, release_id)
    return other.uid if other else None


def releases_of_dataset(session: Session, dataset_id: int) -> Iterator[Release]:
    yield from session.exec(
        select(Release).where(Release.dataset_id == dataset_id).order_by(col(Release.id))
    )
