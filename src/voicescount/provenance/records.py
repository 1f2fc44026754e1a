"""What a dataset version's provenance document records, gathered from the database.

:func:`gather` reads the version, its uploads and blobs, the review case and its transitions,
the release and the keys that acted, and returns plain, frozen records; ``provenance.prov``
turns them into a W3C PROV document without touching the database. Nothing here decides who may
see what: the caller says whether key holders (people's names or e-mail addresses) may be
disclosed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from voicescount.errors import NotFound
from voicescount.storage.tables import (
    ApiKey,
    AuditEntry,
    Blob,
    Dataset,
    DatasetVersion,
    Finding,
    Organisation,
    Release,
    ReviewCase,
    ReviewTransition,
    Upload,
)


@dataclass(frozen=True)
class Party:
    """An organisation: a coalition (data provider) or a statistics office (steward)."""

    slug: str
    name: str
    kind: str
    country: str | None


@dataclass(frozen=True)
class Actor:
    """Who acted, as the records name it (``key:<id>``, ``cli:<user>``, ``system``)."""

    actor: str
    key_id: str | None = None
    role: str | None = None
    #: The person holding the key; ``None`` when it is not to be disclosed (or unknown).
    holder: str | None = None
    #: Slug of the key's organisation.
    organisation: str | None = None

    @property
    def is_system(self) -> bool:
        return self.actor == "system"


@dataclass(frozen=True)
class UploadRecord:
    """One upload of the version: the bytes (by SHA-256) and what intake did with them."""

    id: int
    sha256: str
    size: int
    filename: str | None
    media_type: str | None
    format: str | None
    encoding: str | None
    status: str
    rows_read: int
    rows_stored: int
    errors: int
    warnings: int
    report_sha256: str | None
    #: SHA-256 of the mapping profile applied, in canonical JSON (see :func:`canonical_hash`).
    mapping_sha256: str
    mapping_columns: int
    mapping_values: int
    received_at: datetime
    #: When intake finished with it (accepted or rejected), from the audit log.
    processed_at: datetime | None
    actor: Actor
    #: When and by whom the accepted upload was taken out of the draft again, if it was.
    withdrawn_at: datetime | None = None
    withdrawn_by: Actor | None = None


@dataclass(frozen=True)
class Step:
    """A moment of the review workflow: who, when, why, and what it recorded."""

    actor: Actor
    at: datetime
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Screening:
    started_at: datetime
    ended_at: datetime | None
    #: ``under_review`` or ``returned``, or ``None`` while it runs.
    outcome: str | None
    blocking: int | None
    warnings: int | None


@dataclass(frozen=True)
class Disclosure:
    step: Step
    frequency_threshold: int | None
    reliability_threshold: int | None
    cells: int | None
    withheld: int | None
    counts: dict[str, int]
    #: Cells with a suppression row, and the SHA-256 over those rows (see :func:`gather`).
    suppressed: int
    suppression_sha256: str


@dataclass(frozen=True)
class Assessment:
    step: Step
    rubric: str | None
    score: float | None
    gating_passed: bool | None
    quality_outcome: str | None


@dataclass(frozen=True)
class Decision:
    step: Step
    decision: str
    quality_outcome: str | None
    reason: str | None
    conditions: str | None
    caveat: str | None


@dataclass(frozen=True)
class ReleaseRecord:
    uid: str
    content_hash: str
    observations: int
    decision: str
    quality_outcome: str | None
    producer_type: str
    caveat: str | None
    doi: str | None
    publication: Step
    superseded: Step | None
    superseded_by: str | None
    supersedes: str | None
    withdrawal: Step | None


@dataclass(frozen=True)
class VersionRecord:
    """Everything the provenance document of one dataset version says."""

    dataset: str
    title: str
    number: int
    state: str
    metadata: dict[str, Any]
    metadata_sha256: str
    content_hash: str | None
    observation_count: int
    findings: int
    previous_number: int | None
    created: Step
    submission: Step | None
    coalition: Party
    steward: Party | None
    uploads: tuple[UploadRecord, ...]
    screening: Screening | None
    disclosure: Disclosure | None
    assessment: Assessment | None
    returned: Step | None
    decision: Decision | None
    release: ReleaseRecord | None
    #: Every organisation an actor of the record belongs to, by slug.
    parties: dict[str, Party]


def canonical_hash(payload: Any) -> str:
    """SHA-256 over canonical JSON (sorted keys, no whitespace, UTF-8), as intake hashes."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def find_version(session: Session, uid: str, number: int) -> tuple[Dataset, DatasetVersion]:
    """The dataset and its version ``number``, whoever may see them (callers check that)."""
    dataset = session.exec(select(Dataset).where(Dataset.uid == uid)).first()
    version = (
        session.exec(
            select(DatasetVersion).where(
                DatasetVersion.dataset_id == dataset.id, DatasetVersion.number == number
            )
        ).first()
        if dataset is not None
        else None
    )
    if dataset is None or version is None:
        raise NotFound("dataset version", f"{uid} v{number}")
    return dataset, version


def release_of(session: Session, version: DatasetVersion) -> Release | None:
    """The release of a version, if it was ever published (withdrawn releases included)."""
    return session.exec(select(Release).where(Release.version_id == version.id)).first()


class _Actors:
    """Resolves recorded actor strings to keys, holders and organisations, once each."""

    def __init__(self, session: Session, *, disclose_holders: bool) -> None:
        self.session = session
        self.disclose_holders = disclose_holders
        self.parties: dict[str, Party] = {}
        self._seen: dict[str, Actor] = {}

    def party(self, organisation_id: int | None) -> Party | None:
        if organisation_id is None:
            return None
        organisation = self.session.get(Organisation, organisation_id)
        if organisation is None:
            return None
        party = Party(organisation.slug, organisation.name, organisation.kind, organisation.country)
        self.parties.setdefault(party.slug, party)
        return party

    def __call__(self, actor: str | None) -> Actor:
        name = actor or "system"
        if name not in self._seen:
            self._seen[name] = self._resolve(name)
        return self._seen[name]

    def _resolve(self, name: str) -> Actor:
        kind, _, ident = name.partition(":")
        if kind != "key" or not ident:
            # ``cli:<user>`` names a person by login; only the kind is public.
            return Actor(name if self.disclose_holders else kind)
        key = self.session.exec(select(ApiKey).where(ApiKey.key_id == ident)).first()
        if key is None:
            return Actor(name, key_id=ident)
        party = self.party(key.organisation_id)
        return Actor(
            name,
            key_id=key.key_id,
            role=key.role,
            holder=key.holder if self.disclose_holders else None,
            organisation=party.slug if party else None,
        )


def gather(
    session: Session, dataset: Dataset, version: DatasetVersion, *, disclose_holders: bool
) -> VersionRecord:
    """The records of ``version`` (of ``dataset``); ``disclose_holders`` puts the people holding
    the keys in, for callers who see the version itself (its coalition, statistics offices)."""
    assert version.id is not None
    actors = _Actors(session, disclose_holders=disclose_holders)
    coalition = actors.party(dataset.organisation_id)
    assert coalition is not None
    case = session.exec(select(ReviewCase).where(ReviewCase.version_id == version.id)).first()
    release = release_of(session, version)
    steward = actors.party(
        (case.steward_id if case else None) or (release.steward_id if release else None)
    )
    transitions = list(
        session.exec(
            select(ReviewTransition)
            .where(ReviewTransition.version_id == version.id)
            .order_by(col(ReviewTransition.id))
        )
    )

    def step_to(state: str) -> Step | None:
        # The last move into ``state`` (a version enters each state at most once today).
        for move in reversed(transitions):
            if move.to_state == state:
                return Step(actors(move.actor), move.at, move.reason, dict(move.details))
        return None

    previous = (
        session.get(DatasetVersion, version.previous_version_id)
        if version.previous_version_id
        else None
    )
    submission = step_to("submitted")
    if submission is None and version.submitted_at is not None:
        submission = Step(actors(version.submitted_by), version.submitted_at)
    return VersionRecord(
        dataset=dataset.uid,
        title=dataset.title,
        number=version.number,
        state=version.state,
        metadata=dict(version.metadata_ or {}),
        metadata_sha256=canonical_hash(version.metadata_ or {}),
        content_hash=version.content_hash,
        observation_count=version.observation_count,
        findings=int(
            session.exec(
                select(func.count()).select_from(Finding).where(Finding.version_id == version.id)
            ).one()
        ),
        previous_number=previous.number if previous else None,
        created=Step(actors(version.created_by), version.created_at),
        submission=submission,
        coalition=coalition,
        steward=steward,
        uploads=tuple(_uploads(session, version.id, actors)),
        screening=_screening(transitions, case),
        disclosure=_disclosure(session, version.id, case, actors),
        assessment=_assessment(case, actors),
        returned=_returned(transitions, actors),
        decision=_decision(case, step_to("decided"), actors),
        release=_release(session, release, actors, step_to) if release else None,
        parties=actors.parties,
    )


def _uploads(session: Session, version_id: int, actors: _Actors) -> list[UploadRecord]:
    uploads = list(
        session.exec(select(Upload).where(Upload.version_id == version_id).order_by(col(Upload.id)))
    )
    if not uploads:
        return []
    subjects = [f"upload:{u.id}" for u in uploads]
    entries: dict[tuple[str, str], AuditEntry] = {}
    for entry in session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.subject).in_(subjects))
        .order_by(col(AuditEntry.seq))
    ):
        entries[(entry.subject, entry.action)] = entry
    records = []
    for upload in uploads:
        blob = session.get(Blob, upload.blob_sha256)
        subject = f"upload:{upload.id}"
        done = entries.get((subject, "upload.accept")) or entries.get((subject, "upload.reject"))
        withdrawn = entries.get((subject, "upload.withdraw"))
        mapping = upload.mapping or {}
        records.append(
            UploadRecord(
                id=upload.id,  # type: ignore[arg-type]
                sha256=upload.blob_sha256,
                size=blob.size if blob else 0,
                filename=upload.filename,
                media_type=upload.media_type,
                format=upload.format,
                encoding=upload.encoding,
                status=upload.status,
                rows_read=upload.rows_read,
                rows_stored=upload.rows_stored,
                errors=upload.error_count,
                warnings=upload.warning_count,
                report_sha256=upload.report_sha256,
                mapping_sha256=canonical_hash(mapping),
                mapping_columns=len(mapping.get("columns") or {}),
                mapping_values=sum(len(v) for v in (mapping.get("values") or {}).values()),
                received_at=upload.created_at,
                processed_at=done.occurred_at if done else None,
                actor=actors(upload.created_by),
                withdrawn_at=withdrawn.occurred_at if withdrawn else None,
                withdrawn_by=actors(withdrawn.actor) if withdrawn else None,
            )
        )
    return records


def _screening(transitions: list[ReviewTransition], case: ReviewCase | None) -> Screening | None:
    started = next((t for t in transitions if t.to_state == "screening"), None)
    if started is None:
        return None
    ended = next((t for t in transitions if t.from_state == "screening"), None)
    summary = case.screening if case else {}
    return Screening(
        started_at=started.at,
        ended_at=ended.at if ended else None,
        outcome=ended.to_state if ended else None,
        blocking=summary.get("blocking"),
        warnings=summary.get("warnings"),
    )


def _returned(transitions: list[ReviewTransition], actors: _Actors) -> Step | None:
    # Only a statistics office's return is a review act; screening's return is the screening's.
    for move in transitions:
        if move.from_state == "under_review" and move.to_state == "returned":
            return Step(actors(move.actor), move.at, move.reason, dict(move.details))
    return None


def _disclosure(
    session: Session, version_id: int, case: ReviewCase | None, actors: _Actors
) -> Disclosure | None:
    if case is None or case.disclosure is None or case.disclosure_at is None:
        return None
    # The suppression rows pin the result: one line per touched cell, in observation order.
    digest = hashlib.sha256()
    suppressed = 0
    rows = session.execute(
        text(
            "SELECT o.series_key, o.time_period, s.conf_status, s.obs_status, s.rule "
            "FROM suppression s JOIN observation o ON o.id = s.observation_id "
            "WHERE s.version_id = :version ORDER BY o.id"
        ),
        {"version": version_id},
    )
    for row in rows:
        digest.update(
            json.dumps(list(row), separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        )
        suppressed += 1
    policy = case.disclosure.get("policy") or {}
    return Disclosure(
        step=Step(actors(case.disclosure_by), case.disclosure_at),
        frequency_threshold=policy.get("frequency_threshold"),
        reliability_threshold=policy.get("reliability_threshold"),
        cells=case.disclosure.get("cells"),
        withheld=case.disclosure.get("withheld"),
        counts={str(k): int(v) for k, v in (case.disclosure.get("counts") or {}).items()},
        suppressed=suppressed,
        suppression_sha256=digest.hexdigest(),
    )


def _assessment(case: ReviewCase | None, actors: _Actors) -> Assessment | None:
    if case is None or case.assessed_at is None:
        return None
    return Assessment(
        step=Step(actors(case.assessed_by), case.assessed_at),
        rubric=case.rubric,
        score=case.score,
        gating_passed=case.gating_passed,
        quality_outcome=case.quality_outcome,
    )


def _decision(case: ReviewCase | None, moved: Step | None, actors: _Actors) -> Decision | None:
    if case is None or case.decision is None or case.decided_at is None:
        return None
    step = moved or Step(actors(case.decided_by), case.decided_at, case.decision_reason)
    return Decision(
        step=step,
        decision=case.decision,
        quality_outcome=case.quality_outcome,
        reason=case.decision_reason,
        conditions=case.conditions,
        caveat=case.caveat,
    )


def _release(
    session: Session,
    release: Release,
    actors: _Actors,
    step_to: Callable[[str], Step | None],
) -> ReleaseRecord:
    newer = session.get(Release, release.superseded_by) if release.superseded_by else None
    older = session.exec(select(Release).where(Release.superseded_by == release.id)).first()
    superseded = None
    if release.superseded_at is not None:
        superseded = step_to("superseded") or Step(actors("system"), release.superseded_at)
    withdrawal = None
    if release.withdrawn_at is not None:
        moved = step_to("withdrawn")
        withdrawal = Step(
            actors(release.withdrawn_by),
            release.withdrawn_at,
            release.withdrawn_reason,
            moved.details if moved else {},
        )
    actors.party(release.steward_id)
    return ReleaseRecord(
        uid=release.uid,
        content_hash=release.content_hash,
        observations=release.observation_count,
        decision=release.decision,
        quality_outcome=release.quality_outcome,
        producer_type=release.producer_type,
        caveat=release.caveat,
        doi=release.doi,
        publication=Step(actors(release.published_by), release.published_at),
        superseded=superseded,
        superseded_by=newer.uid if newer else None,
        supersedes=older.uid if older else None,
        withdrawal=withdrawal,
    )
