"""Datasets, versions, metadata, findings, uploads and submission (intake)."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from voicescount.access.roles import Principal
from voicescount.api import idempotency
from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.intake import (
    DatasetCreate,
    DatasetPublic,
    DatasetsPublic,
    FindingCreate,
    FindingPublic,
    IssuePublic,
    MetadataIssuePublic,
    ObservationsPublic,
    ReportPublic,
    UploadPublic,
    UploadResult,
    ValidationResult,
    VersionCreate,
    VersionPublic,
    VersionSummary,
)
from voicescount.config import Settings
from voicescount.errors import InvalidInput
from voicescount.intake import lookup, uploads
from voicescount.intake import metadata as methodology
from voicescount.intake import service as intake
from voicescount.review import service as review
from voicescount.storage import observations
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import Blob, Dataset, DatasetVersion, Upload

router = APIRouter(tags=["datasets"])

PREFIX = "/datasets/{uid}/versions/{number}"


def _store(settings: Settings) -> BlobStore:
    return BlobStore(settings.resolved_blob_dir)


def _summary(version: DatasetVersion) -> VersionSummary:
    return VersionSummary(
        number=version.number,
        state=version.state,
        created_at=version.created_at,
        submitted_at=version.submitted_at,
        observation_count=version.observation_count,
        content_hash=version.content_hash,
    )


def _dataset_public(session: Session, dataset: Dataset, principal: Principal) -> DatasetPublic:
    from voicescount.storage.tables import Organisation

    organisation = session.get(Organisation, dataset.organisation_id)
    assert organisation is not None
    return DatasetPublic(
        id=dataset.uid,
        title=dataset.title,
        organisation=organisation.slug,
        dataflow=dataset.dataflow,
        created_at=dataset.created_at,
        versions=[_summary(v) for v in intake.versions_of(session, dataset, principal)],
    )


def _upload_public(session: Session, handle: intake.VersionHandle, upload: Upload) -> UploadPublic:
    base = f"/api/v1/datasets/{handle.dataset.uid}/versions/{handle.version.number}/uploads/{upload.id}"
    blob = session.get(Blob, upload.blob_sha256)
    return UploadPublic(
        id=upload.id,  # type: ignore[arg-type]
        status=upload.status,
        filename=upload.filename,
        media_type=upload.media_type,
        format=upload.format,
        sha256=upload.blob_sha256,
        bytes=blob.size if blob else 0,
        rows_read=upload.rows_read,
        rows_stored=upload.rows_stored,
        errors=upload.error_count,
        warnings=upload.warning_count,
        summary=upload.summary,
        created_at=upload.created_at,
        created_by=upload.created_by,
        report_url=f"{base}/report.csv" if upload.report_sha256 else None,
        file_url=f"{base}/file",
    )


def _version_public(session: Session, handle: intake.VersionHandle) -> VersionPublic:
    version = handle.version
    previous = (
        session.get(DatasetVersion, version.previous_version_id)
        if version.previous_version_id
        else None
    )
    issues = intake.metadata_issues(session, handle, for_submission=True)
    case = review.find_case(session, version)
    return VersionPublic(
        **_summary(version).model_dump(),
        dataset=handle.dataset.uid,
        title=handle.dataset.title,
        organisation=handle.organisation.slug,
        dataflow=handle.dataset.dataflow,
        editable=handle.editable,
        created_by=version.created_by,
        submitted_by=version.submitted_by,
        previous_version=previous.number if previous else None,
        metadata=version.metadata_,
        metadata_issues=[
            MetadataIssuePublic(field=i.field, message=i.message, severity=i.severity)
            for i in issues
        ],
        uploads=[_upload_public(session, handle, u) for u in intake.uploads_of(session, version)],
        findings=len(intake.list_findings(session, version)),
        screening=case.screening if case is not None else None,
    )


@router.get("/schemas/methodology", summary="JSON Schema of the methodology metadata")
def methodology_schema(settings: SettingsDep) -> dict[str, Any]:
    return methodology.methodology_json_schema(
        f"{settings.base_url.rstrip('/')}/api/v1/schemas/methodology"
    )


@router.get("/datasets", response_model=DatasetsPublic, summary="Datasets you can see")
def list_datasets(session: SessionDep, principal: PrincipalDep) -> DatasetsPublic:
    datasets = intake.list_datasets(session, principal)
    data = [_dataset_public(session, d, principal) for d in datasets]
    return DatasetsPublic(data=data, count=len(data))


@router.post(
    "/datasets",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionPublic,
    summary="Create a dataset (its version 1 is a draft); honours Idempotency-Key",
)
async def create_dataset(
    request: Request, body: DatasetCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    async def handler() -> tuple[int, Any]:
        handle = await run_in_threadpool(
            intake.create_dataset,
            session,
            principal,
            title=body.title,
            metadata=body.metadata,
            dataflow=body.dataflow,
        )
        return 201, await run_in_threadpool(_version_public, session, handle)

    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    return await idempotency.run(request, session, principal, digest, handler)


@router.get("/datasets/{uid}", response_model=DatasetPublic, summary="A dataset and its versions")
def get_dataset(uid: str, session: SessionDep, principal: PrincipalDep) -> DatasetPublic:
    return _dataset_public(session, intake.get_dataset(session, principal, uid), principal)


@router.post(
    "/datasets/{uid}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionPublic,
    summary="Start a new draft version from the latest one",
)
def start_version(
    uid: str, session: SessionDep, principal: PrincipalDep, body: VersionCreate | None = None
) -> VersionPublic:
    handle = intake.start_version(
        session, principal, uid, copy_observations=(body or VersionCreate()).copy_observations
    )
    return _version_public(session, handle)


@router.get(PREFIX, response_model=VersionPublic, summary="A version: state, metadata, uploads")
def get_version(
    uid: str, number: int, session: SessionDep, principal: PrincipalDep
) -> VersionPublic:
    return _version_public(session, intake.visible_version(session, principal, uid, number))


def _metadata_text(raw: bytes | str, content_type: str = "") -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if not text.strip():
        return {}
    # The metadata module's reader, as for files: plain yaml.safe_load would turn dates into
    # date objects (which cannot be stored as JSON) and codes such as 16.10 into numbers.
    as_json = "json" in content_type if content_type else text.lstrip().startswith("{")
    return methodology.parse_metadata_text(text, as_json=as_json)


async def _metadata_body(request: Request) -> dict[str, Any]:
    return _metadata_text(await request.body(), request.headers.get("content-type", ""))


@router.put(
    f"{PREFIX}/metadata",
    response_model=VersionPublic,
    summary="Replace a draft's methodology metadata (JSON or YAML)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def put_metadata(
    uid: str, number: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> VersionPublic:
    data = await _metadata_body(request)
    handle = await run_in_threadpool(intake.set_metadata, session, principal, uid, number, data)
    return await run_in_threadpool(_version_public, session, handle)


@router.get(
    f"{PREFIX}/findings", response_model=list[FindingPublic], summary="Qualitative findings"
)
def get_findings(
    uid: str, number: int, session: SessionDep, principal: PrincipalDep
) -> list[FindingPublic]:
    handle = intake.visible_version(session, principal, uid, number)
    return [
        FindingPublic(
            position=f.position,
            statement=f.statement,
            method=f.method,
            sdg_targets=f.sdg_targets,
            areas=f.areas,
            target_groups=f.target_groups,
            language=f.language,
            evidence=f.evidence,
        )
        for f in intake.list_findings(session, handle.version)
    ]


@router.post(
    f"{PREFIX}/findings",
    status_code=status.HTTP_201_CREATED,
    response_model=list[FindingPublic],
    summary="Add findings to a draft (all or none)",
)
def post_findings(
    uid: str,
    number: int,
    body: list[FindingCreate],
    session: SessionDep,
    principal: PrincipalDep,
) -> list[FindingPublic]:
    created = intake.add_findings(session, principal, uid, number, [f.model_dump() for f in body])
    return [
        FindingPublic(
            **FindingCreate.model_validate(f, from_attributes=True).model_dump(),
            position=f.position,
        )
        for f in created
    ]


@router.delete(
    f"{PREFIX}/findings/{{position}}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a finding from a draft",
)
def delete_finding(
    uid: str, number: int, position: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    intake.delete_finding(session, principal, uid, number, position)
    return Response(status_code=204)


@router.get(
    f"{PREFIX}/observations",
    response_model=ObservationsPublic,
    summary="A page of the version's observations",
)
def get_observations(
    uid: str,
    number: int,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ObservationsPublic:
    handle = intake.visible_version(session, principal, uid, number)
    version_id = handle.version.id
    assert version_id is not None
    rows = []
    names = observations.READ_COLUMNS
    for index, row in enumerate(observations.stream(session, version_id)):
        if index >= offset + limit:
            break
        if index >= offset:
            rows.append(observations.expand(dict(zip(names, row, strict=True))))
    columns = list(observations.expand_columns())
    return ObservationsPublic(
        total=observations.count(session, version_id),
        columns=columns,
        data=[[row.get(column) for column in columns] for row in rows],
    )


@router.post(
    f"{PREFIX}/submit",
    response_model=VersionPublic,
    summary="Freeze, screen and submit a draft to the statistics office; honours Idempotency-Key",
)
async def submit(
    uid: str,
    number: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> JSONResponse:
    async def handler() -> tuple[int, Any]:
        file = await run_in_threadpool(
            review.submit,
            session,
            principal,
            uid,
            number,
            settings=settings,
            store=_store(settings),
        )
        return 200, await run_in_threadpool(_version_public, session, file.handle)

    return await idempotency.run(request, session, principal, "", handler)


# ------------------------------------------------------------------------------------------
# Uploads


def _upload_request(
    request: Request,
    filename: str | None,
    format: str | None,
    encoding: str | None,
    sheet: str | None,
    profile: str | None,
    media_type: str | None = None,
    inline_profile: Any = None,
) -> uploads.UploadRequest:
    content_type = media_type or request.headers.get("content-type")
    declared_encoding = encoding
    if content_type and "charset=" in content_type and not declared_encoding:
        declared_encoding = content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"')
    return uploads.UploadRequest(
        filename=filename,
        media_type=content_type.split(";")[0].strip() if content_type else None,
        declared_format=format,
        encoding=declared_encoding,
        sheet=sheet,
        profile_name=profile,
        inline_profile=inline_profile,
    )


async def _receive(
    request: Request, settings: Settings, store: BlobStore, query: dict[str, str | None]
) -> tuple[Any, uploads.UploadRequest]:
    """Store the body in the blob store (streamed), whether sent raw or as multipart."""
    declared = request.headers.get("content-length")
    uploads.check_limits(int(declared) if declared and declared.isdigit() else None, settings)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        part = form.get("file")
        if part is None or isinstance(part, str):
            raise InvalidInput(
                "A multipart upload needs the file in a part named 'file'.",
                errors=[{"field": "file", "message": "missing"}],
            )
        mapping = form.get("mapping")
        blob = await run_in_threadpool(
            store.put_file, part.file, max_bytes=settings.max_upload_bytes
        )
        upload_request = _upload_request(
            request,
            query["filename"] or part.filename,
            query["format"],
            query["encoding"],
            query["sheet"],
            query["profile"],
            media_type=part.content_type,
            inline_profile=mapping if isinstance(mapping, str) else None,
        )
        return blob, upload_request
    blob = await store.put_stream(request.stream(), max_bytes=settings.max_upload_bytes)
    return blob, _upload_request(
        request,
        query["filename"],
        query["format"],
        query["encoding"],
        query["sheet"],
        query["profile"],
    )


def _issues(outcome: uploads.Outcome) -> list[IssuePublic]:
    return [IssuePublic(**issue.as_dict()) for issue in outcome.issues]


@router.post(
    f"{PREFIX}/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadResult,
    summary="Upload observations (CSV, Excel, JSON, SDMX-CSV, SDMX-ML); all or nothing",
    responses={422: {"description": "Rejected: the problem lists issues per row and column"}},
)
async def post_upload(
    uid: str,
    number: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    filename: str | None = None,
    format: Annotated[str | None, Query(description="csv, xlsx, json, sdmx-csv-1, …")] = None,
    encoding: Annotated[str | None, Query(description="e.g. cp1252 (default UTF-8)")] = None,
    sheet: Annotated[str | None, Query(description="Excel sheet (default: the first)")] = None,
    profile: Annotated[str | None, Query(description="A saved mapping profile")] = None,
) -> JSONResponse:
    store = _store(settings)
    # Access and the saved profile are checked before the bytes are read, so strangers cannot
    # fill the blob store and no kept file is left linked to nothing.
    handle = await run_in_threadpool(intake.editable_version, session, principal, uid, number)
    if profile:
        await run_in_threadpool(
            uploads.saved_profile, session, handle.dataset.organisation_id, profile
        )
    blob, upload_request = await _receive(
        request,
        settings,
        store,
        {
            "filename": filename,
            "format": format,
            "encoding": encoding,
            "sheet": sheet,
            "profile": profile,
        },
    )

    async def handler() -> tuple[int, Any]:
        outcome = await run_in_threadpool(
            uploads.process,
            session,
            principal,
            uid,
            number,
            blob,
            upload_request,
            settings=settings,
            store=store,
        )
        handle = await run_in_threadpool(intake.visible_version, session, principal, uid, number)
        assert outcome.upload is not None
        public = _upload_public(session, handle, outcome.upload)
        if not outcome.accepted:
            try:
                uploads.raise_for_outcome(outcome)
            except Exception as exc:
                exc.extra.update(  # type: ignore[attr-defined]
                    {
                        "upload": public.id,
                        "report_url": public.report_url,
                        "summary": public.summary,
                    }
                )
                raise
        return 201, UploadResult(**public.model_dump(), issues=_issues(outcome))

    extra = f"{upload_request.inline_profile or ''}|{upload_request.profile_name or ''}"
    return await idempotency.run(request, session, principal, blob.sha256 + extra, handler)


@router.post(
    f"{PREFIX}/validation",
    response_model=ValidationResult,
    summary="Check a file against a draft as an upload would, storing nothing",
)
async def validate_file(
    uid: str,
    number: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    filename: str | None = None,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    profile: str | None = None,
) -> Response:
    await run_in_threadpool(intake.editable_version, session, principal, uid, number)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = BlobStore(Path(tmp))
        blob, upload_request = await _receive(
            request,
            settings,
            scratch,
            {
                "filename": filename,
                "format": format,
                "encoding": encoding,
                "sheet": sheet,
                "profile": profile,
            },
        )
        outcome = await run_in_threadpool(
            uploads.dry_run,
            session,
            principal,
            uid,
            number,
            blob.path,
            upload_request,
            settings=settings,
        )
    if "text/csv" in request.headers.get("accept", ""):
        return Response(_issues_csv(outcome), media_type="text/csv; charset=utf-8")
    result = ValidationResult(
        valid=outcome.accepted, summary=outcome.summary, issues=_issues(outcome)
    )
    return JSONResponse(result.model_dump(mode="json"))


@router.post(
    "/validation",
    response_model=ValidationResult,
    summary="Check a file and its metadata without a dataset, storing nothing",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "metadata": {"type": "string", "description": "YAML or JSON"},
                            "mapping": {"type": "string", "description": "YAML or JSON"},
                        },
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
async def validate_standalone(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    filename: str | None = None,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    profile: str | None = None,
    dataflow: Annotated[
        str | None, Query(description="An imported dataflow to check against, AGENCY:ID(VERSION)")
    ] = None,
) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    metadata_text = form.get("metadata")
    metadata = _metadata_text(metadata_text) if isinstance(metadata_text, str) else {}
    with tempfile.TemporaryDirectory() as tmp:
        blob, upload_request = await _receive(
            request,
            settings,
            BlobStore(Path(tmp)),
            {
                "filename": filename,
                "format": format,
                "encoding": encoding,
                "sheet": sheet,
                "profile": profile,
            },
        )
        outcome = await run_in_threadpool(
            uploads.check_file,
            session,
            principal,
            blob.path,
            upload_request,
            metadata,
            settings=settings,
            dataflow=dataflow,
        )
    if "text/csv" in request.headers.get("accept", ""):
        return Response(_issues_csv(outcome), media_type="text/csv; charset=utf-8")
    vocabulary = lookup.RegistryVocabulary.of_dataset(
        session, settings.agency_id, principal.organisation_id, dataflow
    )
    metadata_issues = await run_in_threadpool(
        methodology.check_metadata, metadata, vocabulary, for_submission=True
    )
    result = ValidationResult(
        valid=outcome.accepted and not any(i.severity == "error" for i in metadata_issues),
        summary=outcome.summary,
        issues=_issues(outcome),
        metadata_issues=[
            MetadataIssuePublic(field=i.field, message=i.message, severity=i.severity)
            for i in metadata_issues
        ],
    )
    return JSONResponse(result.model_dump(mode="json"))


def _issues_csv(outcome: uploads.Outcome) -> str:
    from voicescount.intake.validate import REPORT_COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    for issue in outcome.issues:
        row = issue.as_dict()
        row["suggestions"] = " | ".join(row["suggestions"])
        writer.writerow(["" if row[c] is None else row[c] for c in REPORT_COLUMNS])
    return buffer.getvalue()


@router.get(
    f"{PREFIX}/uploads/{{upload_id}}", response_model=UploadPublic, summary="An upload's record"
)
def get_upload(
    uid: str, number: int, upload_id: int, session: SessionDep, principal: PrincipalDep
) -> UploadPublic:
    upload = uploads.get_upload(session, principal, uid, number, upload_id)
    return _upload_public(session, intake.visible_version(session, principal, uid, number), upload)


def _report_rows(store: BlobStore, upload: Upload) -> list[dict[str, str]]:
    if not upload.report_sha256:
        return []
    with store.open(upload.report_sha256) as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")))


@router.get(
    f"{PREFIX}/uploads/{{upload_id}}/report",
    response_model=ReportPublic,
    summary="An upload's validation report (paged)",
)
def get_report(
    uid: str,
    number: int,
    upload_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ReportPublic:
    upload = uploads.get_upload(session, principal, uid, number, upload_id)
    rows = _report_rows(_store(settings), upload)
    issues = [
        IssuePublic(
            row=int(r["row"]) if r["row"] else None,
            column=r["column"] or None,
            component=r["component"] or None,
            value=r["value"] or None,
            severity=r["severity"],
            issue=r["issue"],
            message=r["message"],
            suggestions=[s for s in r["suggestions"].split(" | ") if s],
        )
        for r in rows[offset : offset + limit]
    ]
    return ReportPublic(upload=upload_id, summary=upload.summary, total=len(rows), issues=issues)


@router.get(
    f"{PREFIX}/uploads/{{upload_id}}/report.csv",
    summary="An upload's full validation report as CSV",
    response_class=StreamingResponse,
)
def get_report_csv(
    uid: str,
    number: int,
    upload_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StreamingResponse:
    upload = uploads.get_upload(session, principal, uid, number, upload_id)
    if not upload.report_sha256:
        raise InvalidInput(f"Upload {upload_id} has no report yet.")
    return StreamingResponse(
        _store(settings).iter_chunks(upload.report_sha256),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="upload-{upload_id}-report.csv"'},
    )


@router.get(
    f"{PREFIX}/uploads/{{upload_id}}/file",
    summary="The bytes of an upload exactly as received",
    response_class=StreamingResponse,
)
def get_upload_file(
    uid: str,
    number: int,
    upload_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> StreamingResponse:
    upload = uploads.get_upload(session, principal, uid, number, upload_id)
    name = upload.filename or f"upload-{upload_id}"
    return StreamingResponse(
        _store(settings).iter_chunks(upload.blob_sha256),
        media_type=upload.media_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{upload.blob_sha256}"',
            "X-Content-SHA256": upload.blob_sha256,
        },
    )


@router.delete(
    f"{PREFIX}/uploads/{{upload_id}}",
    response_model=UploadPublic,
    summary="Withdraw an accepted upload's observations from a draft",
)
def withdraw_upload(
    uid: str, number: int, upload_id: int, session: SessionDep, principal: PrincipalDep
) -> UploadPublic:
    upload = intake.withdraw_upload(session, principal, uid, number, upload_id)
    return _upload_public(session, intake.visible_version(session, principal, uid, number), upload)
