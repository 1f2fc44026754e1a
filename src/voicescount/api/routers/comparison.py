"""Reference sources (official SDG data a statistics office loads) and comparisons with them."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.comparison import (
    CommunityFigurePublic,
    ComparisonPublic,
    ComparisonRowPublic,
    MatchPublic,
    OfficialFigurePublic,
    ReferenceSourcePublic,
    ReferenceSourcesPublic,
    SourceLabelPublic,
)
from voicescount.comparison import reference
from voicescount.comparison import service as comparison
from voicescount.config import Settings
from voicescount.errors import InvalidInput, PayloadTooLarge
from voicescount.storage.blobs import BlobStore
from voicescount.storage.tables import Blob, ReferenceSource

router = APIRouter(tags=["comparison"])

CSV_MEDIA_TYPE = "text/csv; charset=utf-8; header=present"


def _store(settings: Settings) -> BlobStore:
    return BlobStore(settings.resolved_blob_dir)


def _limit(settings: Settings) -> int:
    # sdmx1 holds a whole SDMX-ML message in memory, as it does a structure message: the same cap.
    return settings.max_structure_bytes


def _public(session: Session, settings: Settings, source: ReferenceSource) -> ReferenceSourcePublic:
    blob = session.get(Blob, source.blob_sha256)
    return ReferenceSourcePublic(
        id=source.id,  # type: ignore[arg-type]
        name=source.name,
        agency=source.agency,
        dataset=source.dataset,
        structure=source.structure,
        sender=source.sender,
        prepared=source.prepared,
        format=source.format,
        filename=source.filename,
        sha256=source.blob_sha256,
        bytes=blob.size if blob else 0,
        observations=source.observation_count,
        summary=source.summary,
        loaded_at=source.loaded_at,
        loaded_by=source.loaded_by,
        file_url=f"{settings.base_url.rstrip('/')}/api/v1/reference-sources/{source.id}/file",
    )


@router.post(
    "/reference-sources",
    response_model=ReferenceSourcePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Load official SDG data (SDMX-ML 2.1 or SDMX-CSV) as a reference source (admins of "
    "a statistics office); all or nothing",
    responses={422: {"description": "Refused: the problem lists every problem found"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/vnd.sdmx.genericdata+xml;version=2.1": {"schema": {"type": "string"}},
                "application/vnd.sdmx.structurespecificdata+xml;version=2.1": {
                    "schema": {"type": "string"}
                },
                "application/vnd.sdmx.data+csv": {"schema": {"type": "string"}},
                "application/xml": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def load_reference_source(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    name: Annotated[str | None, Query(description="What comparisons call it")] = None,
    agency: Annotated[
        str | None, Query(description="Agency answerable for it (default: from the message)")
    ] = None,
    filename: Annotated[str | None, Query(description="The file's name, kept with it")] = None,
) -> ReferenceSourcePublic:
    # Access is checked before the body is read, so strangers cannot spool files.
    reference.require_admin(principal)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > _limit(settings):
        raise PayloadTooLarge(
            f"The reference file has {int(declared):,} bytes; the limit is {_limit(settings):,}."
        )
    media_type = request.headers.get("content-type", "").split(";")[0].strip() or None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reference"
        await reference.spool(request.stream(), path, max_bytes=_limit(settings))
        source = await run_in_threadpool(
            reference.load,
            session,
            path,
            name=name or "",
            agency=agency,
            actor=principal.actor,
            organisation_id=principal.organisation_id,
            store=_store(settings),
            area_agency=settings.agency_id,
            max_rows=settings.max_upload_rows,
            filename=filename,
            media_type=media_type,
        )
    return _public(session, settings, source)


@router.get(
    "/reference-sources",
    response_model=ReferenceSourcesPublic,
    summary="The reference sources loaded, with their provenance",
)
def list_reference_sources(session: SessionDep, settings: SettingsDep) -> ReferenceSourcesPublic:
    data = [_public(session, settings, s) for s in reference.list_sources(session)]
    return ReferenceSourcesPublic(data=data, count=len(data))


@router.get(
    "/reference-sources/{source_id}",
    response_model=ReferenceSourcePublic,
    summary="A reference source: what it holds, where it came from, who loaded it",
)
def get_reference_source(
    source_id: int, session: SessionDep, settings: SettingsDep
) -> ReferenceSourcePublic:
    return _public(session, settings, reference.get_source(session, source_id))


@router.get(
    "/reference-sources/{source_id}/file",
    summary="The official file exactly as loaded",
    response_class=StreamingResponse,
)
def get_reference_file(source_id: int, session: SessionDep, settings: SettingsDep) -> Response:
    source = reference.get_source(session, source_id)
    name = source.filename or f"reference-source-{source_id}"
    return StreamingResponse(
        _store(settings).iter_chunks(source.blob_sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{source.blob_sha256}"',
            "X-Content-SHA256": source.blob_sha256,
        },
    )


@router.delete(
    "/reference-sources/{source_id}",
    response_model=ReferenceSourcePublic,
    summary="Remove a reference source and its observations (admins of a statistics office)",
)
def delete_reference_source(
    source_id: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> ReferenceSourcePublic:
    reference.require_admin(principal)
    public = _public(session, settings, reference.get_source(session, source_id))
    reference.delete_source(session, source_id, actor=principal.actor)
    return public


def _label(label: comparison.SourceLabel) -> SourceLabelPublic:
    return SourceLabelPublic(**vars(label))


def _row(row: comparison.ComparisonRow) -> ComparisonRowPublic:
    release = row.community.release
    official = row.official
    return ComparisonRowPublic(
        series=row.series,
        indicator=row.indicator,
        area=row.area,
        area_name=row.area_name,
        period=row.period,
        dimensions=row.dimensions,
        compared_with_total=list(row.compared_with_total),
        community=CommunityFigurePublic(
            value=row.community.value,
            unit_measure=row.community.unit_measure,
            unit_mult=row.community.unit_mult,
            obs_status=row.community.obs_status,
            unweighted_n=row.community.unweighted_n,
            release=release.uid,
            dataset=release.dataset,
            provider=release.provider,
            decision=release.decision,
            caveat=release.caveat,
            citation_url=release.citation_url,
        ),
        official=OfficialFigurePublic(
            value=official.value,
            series=official.series,
            area=official.area,
            source_area=official.source_area,
            period=official.period,
            dimensions=official.dimensions,
            unit_measure=official.unit_measure,
            unit_mult=official.unit_mult,
            obs_status=official.obs_status,
            attributes=official.attributes,
            source=_label(official.source),
        ),
        match=MatchPublic(**vars(row.match)),
        labels=list(row.labels),
        gap=row.gap,
        ratio=row.ratio,
    )


def _csv(result: comparison.Comparison) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(comparison.CSV_COLUMNS)
    writer.writerows(comparison.csv_records(result))
    return buffer.getvalue()


@router.get(
    "/comparisons",
    response_model=ComparisonPublic,
    summary="Community figures beside official ones sharing series (or indicator), area and "
    "period, with the gap and both sources' provenance (JSON or CSV)",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_comparisons(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    release: Annotated[str | None, Query(description="A release uid (ds-…-v1)")] = None,
    dataset: Annotated[str | None, Query(description="A dataset uid: its current release")] = None,
    indicator: Annotated[str | None, Query(description="An SDG indicator (5.3.1)")] = None,
    series: Annotated[str | None, Query(description="An SDG or community series code")] = None,
    area: Annotated[str | None, Query(description="An area code, and every area within it")] = None,
    period: Annotated[str | None, Query(description="A period (2023, 2023-Q1) or year")] = None,
    source: Annotated[int | None, Query(description="Only this reference source")] = None,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,
) -> Any:
    if format not in (None, "json", "csv"):
        raise InvalidInput(
            f"Unknown format {format!r}; use json or csv (or send Accept: text/csv).",
            errors=[{"field": "format", "message": "json or csv"}],
        )
    result = comparison.compare(
        session,
        agency=settings.agency_id,
        base_url=settings.base_url,
        release=release,
        dataset=dataset,
        indicator=indicator,
        series=series,
        area=area,
        period=period,
        source=source,
    )
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        return Response(
            _csv(result),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="comparison.csv"'},
        )
    return ComparisonPublic(
        data=[_row(r) for r in result.rows],
        count=len(result.rows),
        sources=[_label(s) for s in result.sources],
        community_observations=result.community_observations,
        unmatched=result.unmatched,
        query=result.query,
    )
