"""A coalition's desk: its submissions, and a version's page with its history, screening,
uploads with their validation reports and what the statistics office decided. Plain Python: no
web framework, no rendering; the parts an office's pages show too are in ``web.desk_views``.

Another coalition's data is not found (``intake.visible_version``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.config import Settings
from voicescount.errors import NotFound
from voicescount.intake import service as intake
from voicescount.intake import uploads
from voicescount.intake.service import VersionHandle
from voicescount.review import service as review
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import Dataset, DatasetVersion, ReviewTransition, Upload
from voicescount.web import labels
from voicescount.web.desk_views import (
    SEVERITIES,
    DecisionView,
    DisclosureView,
    HomePage,
    IssueView,
    ReleaseRow,
    ScreeningView,
    SubmissionRow,
    TransitionView,
    case_actors,
    decision_view,
    disclosure_view,
    is_steward,
    screening_view,
    submission_url,
    transition_views,
    version_release,
)
from voicescount.web.i18n import N_, Translator

#: How many issues of an upload's validation report the page lists (the CSV has them all).
REPORT_ISSUES_SHOWN = 20
UPLOAD_STATUSES: dict[str, str] = {
    "received": N_("Received"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}


def home(session: Session, principal: Principal, tr: Translator) -> HomePage:
    """A coalition's first desk page: its submissions."""
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


# ------------------------------------------------------------------------------------------
# A version's uploads


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
    names = case_actors(session, version.id, case)
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
        transitions=transition_views(session, version.id, tr, names),
        screening=screening_view(case, tr),
        uploads=_uploads(session, handle, BlobStore(settings.resolved_blob_dir), tr),
        assessment=(case.assessment or {}).get("result") if case else None,
        disclosure=disclosure_view(session, case, tr, names),
        decision=decision_view(case, tr, names),
        release=version_release(session, version, tr),
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
