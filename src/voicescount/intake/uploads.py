"""Uploads: bytes kept first, then parsed, mapped and validated as a stream; stored all or nothing.

1. The raw bytes are already in the blob store (content-addressed) when processing starts, and an
   ``upload`` record links them to the version before anything else happens: whatever follows,
   what the coalition sent is on record.
2. Rows are read lazily, resolved against the community DSD's codelists and checked; valid rows
   go to the database in bulk inside one transaction.
3. After the last row, duplicates are found by the database. Any error rolls the transaction back:
   the version keeps exactly the observations it had.
4. The full report is written as CSV to the blob store; the upload becomes ``accepted`` or
   ``rejected`` with its summary.

:func:`dry_run` runs the same pipeline and rolls back whatever happens.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from voicescount.access.roles import Principal
from voicescount.config import Settings
from voicescount.errors import NotFound, PayloadTooLarge, UploadRejected
from voicescount.intake import lookup
from voicescount.intake.parsers import open_parser
from voicescount.intake.parsers.base import UnreadableFile
from voicescount.intake.service import (
    VersionHandle,
    editable_version,
    validation_context,
)
from voicescount.intake.validate import (
    Context,
    Issue,
    IssueSink,
    RowValidator,
    plan_columns,
)
from voicescount.mapping.profile import MappingProfile, parse_profile
from voicescount.provenance import audit
from voicescount.storage import observations
from voicescount.storage.blobs import BlobStore, StoredBlob
from voicescount.storage.tables import Blob, Upload
from voicescount.storage.tables import MappingProfile as SavedProfile


@dataclass
class UploadRequest:
    """What came with the bytes."""

    filename: str | None = None
    media_type: str | None = None
    declared_format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    profile_name: str | None = None
    inline_profile: Any = None


@dataclass(frozen=True)
class Target:
    """What a file is checked for: an organisation, the metadata in force, and (for uploads and
    dry runs of a draft) the version whose observations it joins."""

    organisation_id: int
    metadata: dict[str, Any]
    version_id: int | None = None
    #: The imported dataflow the dataset reports against (``None``: the community one).
    dataflow: str | None = None

    @classmethod
    def of(cls, handle: VersionHandle) -> Target:
        assert handle.version.id is not None
        return cls(
            handle.dataset.organisation_id,
            handle.version.metadata_,
            handle.version.id,
            handle.dataset.dataflow,
        )


@dataclass
class Outcome:
    accepted: bool
    summary: dict[str, Any]
    issues: list[Issue]
    upload: Upload | None = None
    format: str | None = None
    too_many_rows: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def saved_profile(session: Session, organisation_id: int, name: str) -> SavedProfile:
    """An organisation's saved mapping profile; :class:`NotFound` (also for another's)."""
    saved = session.exec(
        select(SavedProfile).where(
            SavedProfile.organisation_id == organisation_id, SavedProfile.name == name
        )
    ).first()
    if saved is None:
        raise NotFound("mapping profile", name)
    return saved


def resolve_profile(
    session: Session, organisation_id: int, request: UploadRequest
) -> MappingProfile:
    profile = MappingProfile()
    if request.profile_name:
        saved = saved_profile(session, organisation_id, request.profile_name)
        profile = parse_profile(saved.profile)
    if request.inline_profile:
        profile = profile.merged_with(parse_profile(request.inline_profile))
    return profile


def _rows_with_limit(rows: Iterator[Any], limit: int, state: dict[str, bool]) -> Iterator[Any]:
    for count, row in enumerate(rows, start=1):
        if count > limit:
            state["too_many"] = True
            return
        yield row


def _validated(
    validator: RowValidator, rows: Iterator[Any], sink: IssueSink
) -> Iterator[tuple[Any, ...]]:
    """Valid tuples while no error has been seen; afterwards only validation continues."""
    for row in rows:
        result = validator.validate(row)
        if result is not None and sink.errors == 0:
            yield result


def _run(
    session: Session,
    *,
    target: Target,
    path: Path,
    request: UploadRequest,
    settings: Settings,
    upload_id: int | None,
    report_path: Path,
) -> Outcome:
    """Parse, validate and insert inside the current transaction; the caller commits or not."""
    sink = IssueSink(report_path, keep=settings.report_issue_limit)
    try:
        try:
            parser = open_parser(
                path,
                media_type=request.media_type,
                filename=request.filename,
                declared_format=request.declared_format,
                encoding=request.encoding,
                sheet=request.sheet,
            )
        except UnreadableFile as exc:
            sink.add(Issue(None, None, None, None, "unreadable-file", exc.detail))
            return Outcome(False, {"errors": 1, "rows_read": 0, "rows_valid": 0}, sink.first)
        profile = resolve_profile(session, target.organisation_id, request)
        structure = (
            lookup.reporting_structure(session, settings.agency_id, target.dataflow)
            if target.dataflow
            else None
        )
        vocabulary = lookup.RegistryVocabulary(
            session,
            settings.agency_id,
            organisation_id=target.organisation_id,
            structure=structure,
        )
        context = Context(**validation_context(target.metadata, vocabulary))
        books = lookup.codebooks(
            session,
            settings.agency_id,
            organisation_id=target.organisation_id,
            country_area=context.country_area,
            structure=structure,
        )
        plan = plan_columns(parser.columns(), profile, sink)
        validator = RowValidator(
            plan=plan,
            codebooks=books,
            profile=profile,
            context=context,
            sink=sink,
            version_id=target.version_id or 0,
            upload_id=upload_id,
        )
        state = {"too_many": False}
        try:
            rows = _rows_with_limit(parser.rows(), settings.max_upload_rows, state)
            valid = _validated(validator, rows, sink)
            if target.version_id is None:
                stored = _count_checking_duplicates(valid, sink)
            else:
                stored = observations.insert(session, valid)
        except UnreadableFile as exc:
            sink.add(Issue(None, None, None, None, "unreadable-file", exc.detail))
            stored = 0
        if state["too_many"]:
            sink.add(
                Issue(
                    None,
                    None,
                    None,
                    None,
                    "too-many-rows",
                    f"the file has more than {settings.max_upload_rows:,} rows, the limit of this "
                    "deployment; split it into several uploads",
                )
            )
        if sink.errors == 0 and target.version_id is not None:
            _report_duplicates(session, target.version_id, sink)
        summary = validator.summary()
        summary["rows_stored"] = stored if sink.errors == 0 else 0
        summary["errors"] = sink.errors
        summary["warnings"] = sink.warnings
        summary["issues_by_kind"] = dict(sink.by_kind)
        summary["format"] = parser.format
        summary["sheet"] = request.sheet
        summary["declared_structure"] = parser.declared_structure
        summary["mapping"] = profile.model_dump()
        return Outcome(
            sink.errors == 0,
            summary,
            sink.first,
            format=parser.format,
            too_many_rows=state["too_many"],
        )
    finally:
        sink.close()


#: Positions in an observation tuple (see storage.observations.INSERT_COLUMNS).
_ROW, _KEY, _PERIOD = 2, 3, 4


def _count_checking_duplicates(rows: Iterator[tuple[Any, ...]], sink: IssueSink) -> int:
    """Without a version to store into, duplicates within the file are found in memory."""
    first_row: dict[tuple[str, str], int] = {}
    count = 0
    for row in rows:
        count += 1
        key = (row[_KEY], row[_PERIOD])
        if key in first_row:
            sink.add(
                Issue(
                    row[_ROW],
                    None,
                    None,
                    f"{key[0]} {key[1]}",
                    "duplicate-key",
                    f"same series key and TIME_PERIOD as row {first_row[key]} of this file; each "
                    "observation may appear once per version",
                )
            )
        else:
            first_row[key] = row[_ROW]
    return count


def _report_duplicates(session: Session, version_id: int, sink: IssueSink) -> None:
    for series_key, period, rows in observations.duplicates(session, version_id):
        first_row, first_upload = rows[0]
        for row_number, upload_id in rows[1:]:
            where = "this file" if upload_id == first_upload else f"upload {first_upload}"
            sink.add(
                Issue(
                    row_number,
                    None,
                    None,
                    f"{series_key} {period}",
                    "duplicate-key",
                    f"same series key and TIME_PERIOD as row {first_row} of {where}; each "
                    "observation may appear once per version",
                )
            )


def process(
    session: Session,
    principal: Principal,
    uid: str,
    number: int,
    blob: StoredBlob,
    request: UploadRequest,
    *,
    settings: Settings,
    store: BlobStore,
) -> Outcome:
    """Record, check and (if clean) store an upload whose bytes are already in the blob store."""
    handle = editable_version(session, principal, uid, number)
    profile_dump = resolve_profile(session, handle.dataset.organisation_id, request).model_dump()
    if session.get(Blob, blob.sha256) is None:
        session.add(Blob(sha256=blob.sha256, size=blob.size))
    upload = Upload(
        version_id=handle.version.id,  # type: ignore[arg-type]
        blob_sha256=blob.sha256,
        filename=request.filename,
        media_type=request.media_type,
        encoding=request.encoding,
        status="received",
        mapping=profile_dump,
        created_by=principal.actor,
    )
    session.add(upload)
    session.flush()
    audit.append(
        session,
        actor=principal.actor,
        action="upload.receive",
        subject=f"upload:{upload.id}",
        details={
            "version": f"{uid}/{number}",
            "sha256": blob.sha256,
            "bytes": blob.size,
            "filename": request.filename,
        },
    )
    session.commit()
    upload_id = upload.id
    assert upload_id is not None

    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.csv"
        try:
            outcome = _run(
                session,
                target=Target.of(handle),
                path=blob.path,
                request=request,
                settings=settings,
                upload_id=upload_id,
                report_path=report_path,
            )
        except BaseException:
            session.rollback()
            raise
        if outcome.accepted:
            session.flush()
        else:
            session.rollback()
        report = store.put_file(report_path.open("rb"))
    upload = session.get(Upload, upload_id)
    assert upload is not None
    version = handle.version
    session.refresh(version)
    if session.get(Blob, report.sha256) is None:
        session.add(Blob(sha256=report.sha256, size=report.size))
    upload.status = "accepted" if outcome.accepted else "rejected"
    upload.format = outcome.format
    upload.rows_read = outcome.summary.get("rows_read", 0)
    upload.rows_stored = outcome.summary.get("rows_stored", 0)
    upload.error_count = outcome.summary.get("errors", 0)
    upload.warning_count = outcome.summary.get("warnings", 0)
    upload.summary = {k: v for k, v in outcome.summary.items() if k != "mapping"}
    upload.report_sha256 = report.sha256
    if outcome.accepted:
        version.observation_count += upload.rows_stored
    session.add_all([upload, version])
    audit.append(
        session,
        actor=principal.actor,
        action="upload.accept" if outcome.accepted else "upload.reject",
        subject=f"upload:{upload_id}",
        details={
            "version": f"{uid}/{number}",
            "rows_stored": upload.rows_stored,
            "errors": upload.error_count,
            "report_sha256": report.sha256,
        },
    )
    session.commit()
    outcome.upload = upload
    return outcome


def dry_run(
    session: Session,
    principal: Principal,
    uid: str,
    number: int,
    path: Path,
    request: UploadRequest,
    *,
    settings: Settings,
) -> Outcome:
    """Validate a file against a draft exactly as an upload would, then roll everything back."""
    handle = editable_version(session, principal, uid, number)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return _run(
                session,
                target=Target.of(handle),
                path=path,
                request=request,
                settings=settings,
                upload_id=None,
                report_path=Path(tmp) / "report.csv",
            )
        finally:
            session.rollback()


def check_file(
    session: Session,
    principal: Principal,
    path: Path,
    request: UploadRequest,
    metadata: dict[str, Any],
    *,
    settings: Settings,
    dataflow: str | None = None,
) -> Outcome:
    """Validate a file against metadata alone (and the dataflow it would report against), with
    no dataset: nothing is stored."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return _run(
                session,
                target=Target(principal.organisation_id, metadata, dataflow=dataflow),
                path=path,
                request=request,
                settings=settings,
                upload_id=None,
                report_path=Path(tmp) / "report.csv",
            )
        finally:
            session.rollback()


def recheck(
    session: Session,
    upload: Upload,
    *,
    organisation_id: int,
    metadata: dict[str, Any],
    settings: Settings,
    store: BlobStore,
    dataflow: str | None = None,
) -> Outcome:
    """Validate an accepted upload's kept bytes again, as they were read then, against
    ``metadata`` (which may have changed since); nothing is stored."""
    with tempfile.TemporaryDirectory() as tmp:
        return _run(
            session,
            target=Target(organisation_id, metadata, dataflow=dataflow),
            path=store.path(upload.blob_sha256),
            request=_request_of(upload),
            settings=settings,
            upload_id=None,
            report_path=Path(tmp) / "report.csv",
        )


def _request_of(upload: Upload) -> UploadRequest:
    return UploadRequest(
        filename=upload.filename,
        media_type=upload.media_type,
        declared_format=upload.format,
        encoding=upload.encoding,
        sheet=(upload.summary or {}).get("sheet"),
        inline_profile=upload.mapping or None,
    )


def dropped_columns(upload: Upload) -> list[str]:
    """Columns of the file that were not stored: unmatched, or ignored by the mapping."""
    columns = (upload.summary or {}).get("columns") or {}
    ignored = (upload.mapping or {}).get("ignore_columns") or []
    return list(dict.fromkeys([*(columns.get("unused_columns") or []), *ignored]))


def column_values(
    upload: Upload, columns: list[str], *, store: BlobStore, limit: int = 100_000
) -> Iterator[tuple[int, str, str]]:
    """(row number, column, text) of ``columns`` in the kept file, for the first ``limit`` rows."""
    if not columns:
        return
    request = _request_of(upload)
    parser = open_parser(
        store.path(upload.blob_sha256),
        media_type=request.media_type,
        filename=request.filename,
        declared_format=request.declared_format,
        encoding=request.encoding,
        sheet=request.sheet,
    )
    present = [c for c in columns if c in parser.columns()]
    for count, row in enumerate(parser.rows()):
        if count >= limit:
            return
        values = row.values
        for column in present:
            text = values.get(column)
            if text:
                yield row.number, column, text


def get_upload(
    session: Session, principal: Principal, uid: str, number: int, upload_id: int
) -> Upload:
    from voicescount.intake.service import visible_version

    handle = visible_version(session, principal, uid, number)
    upload = session.get(Upload, upload_id)
    if upload is None or upload.version_id != handle.version.id:
        raise NotFound("upload", str(upload_id))
    return upload


def check_limits(declared_length: int | None, settings: Settings) -> None:
    if declared_length is not None and declared_length > settings.max_upload_bytes:
        raise PayloadTooLarge(
            f"The upload has {declared_length:,} bytes; the limit is {settings.max_upload_bytes:,}. "
            "Split it into smaller files or ask the operator to raise VOICESCOUNT_MAX_UPLOAD_BYTES."
        )


def raise_for_outcome(outcome: Outcome) -> None:
    """Turn a rejected upload into the error the API answers with (413 for too many rows)."""
    if outcome.accepted:
        return
    errors = [issue.as_dict() for issue in outcome.issues]
    if outcome.too_many_rows:
        raise PayloadTooLarge(
            next(i.message for i in outcome.issues if i.kind == "too-many-rows"), errors=errors
        )
    count, rows = outcome.summary.get("errors", 0), outcome.summary.get("rows_read", 0)
    raise UploadRejected(
        f"The upload was rejected: {_plural(count, 'error')} found in the "
        f"{_plural(rows, 'row')} read. Nothing was stored from it; the file is kept with its "
        "report.",
        errors=errors,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
