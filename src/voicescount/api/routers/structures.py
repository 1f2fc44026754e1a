"""The structure registry as JSON, and the import of national structure messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from voicescount.access import service as access
from voicescount.access.roles import Action
from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.structures import (
    ArtefactPublic,
    ArtefactsPublic,
    ArtefactSummary,
    ComponentPublic,
    ImportResult,
    ItemPublic,
)
from voicescount.errors import PayloadTooLarge
from voicescount.registry import service as registry
from voicescount.sdmx.structures import urn
from voicescount.storage.tables import StructureArtefact, StructureItem

router = APIRouter(prefix="/structures", tags=["structures"])


def _name(names: dict[str, str]) -> str | None:
    return names.get("en") or next(iter(names.values()), None)


def _urn(row: StructureArtefact) -> str:
    return urn(registry.parse_type(row.artefact_type), row.agency_id, row.artefact_id, row.version)


def _summary(row: StructureArtefact) -> ArtefactSummary:
    return ArtefactSummary(
        type=registry.parse_type(row.artefact_type),
        agency=row.agency_id,
        id=row.artefact_id,
        version=row.version,
        is_final=row.is_final,
        name=_name(row.names),
        names=row.names,
        origin=row.origin,
        urn=_urn(row),
    )


def _item(item: StructureItem) -> ItemPublic:
    return ItemPublic(
        id=item.item_id,
        parent=item.parent_id,
        name=_name(item.names),
        names=item.names,
        descriptions=item.descriptions,
        annotations=item.annotations,
        details=item.details,
    )


@router.get("", response_model=ArtefactsPublic, summary="List registered structures")
def list_structures(
    session: SessionDep,
    type: Annotated[str | None, Query(description="codelist, datastructure, dataflow…")] = None,
    agency: str | None = None,
    id: str | None = None,
    latest: Annotated[bool, Query(description="Only the newest version of each")] = False,
) -> ArtefactsPublic:
    rows = registry.list_structures(
        session,
        artefact_type=registry.parse_type(type) if type else None,
        agency=agency,
        artefact_id=id,
        latest=latest,
    )
    return ArtefactsPublic(data=[_summary(r) for r in rows], count=len(rows))


@router.get(
    "/{type}/{agency}/{id}/{version}",
    response_model=ArtefactPublic,
    summary="One structure with its items (paged) and components",
)
def get_structure(
    session: SessionDep,
    type: str,
    agency: str,
    id: str,
    version: Annotated[str, "A version, or latest"],
    item: Annotated[list[str] | None, Query(description="Only these item ids")] = None,
    limit: Annotated[int, Query(ge=0, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ArtefactPublic:
    view = registry.get_structure(
        session,
        registry.parse_type(type),
        agency,
        id,
        version,
        item_ids=item,
        limit=limit,
        offset=offset,
    )
    row = view.artefact
    return ArtefactPublic(
        **_summary(row).model_dump(),
        descriptions=row.descriptions,
        annotations=row.annotations,
        details=row.details,
        item_count=view.item_count,
        items=[_item(i) for i in view.items],
        components=[
            ComponentPublic(
                id=c.component_id,
                role=c.role,
                position=c.position,
                concept=c.concept,
                codelist=c.codelist,
                text_type=c.text_type,
                assignment_status=c.assignment_status,
                attachment=c.attachment,
            )
            for c in view.components
        ],
    )


@router.post(
    "",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    summary="Import an SDMX-ML 2.1 structure message (deployment admins)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/vnd.sdmx.structure+xml;version=2.1": {"schema": {"type": "string"}},
                "application/xml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_structures(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> ImportResult:
    access.require(principal, Action.IMPORT_STRUCTURES)
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.max_structure_bytes:
        raise PayloadTooLarge(
            f"The structure message has {declared:,} bytes; the limit is "
            f"{settings.max_structure_bytes:,}."
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > settings.max_structure_bytes:
            raise PayloadTooLarge(
                f"The structure message exceeds the limit of {settings.max_structure_bytes:,} bytes."
            )
    report = registry.import_structures(
        session,
        bytes(body),
        agency=settings.agency_id,
        actor=principal.actor,
        max_bytes=settings.max_structure_bytes,
    )
    return ImportResult(**report.as_dict())
