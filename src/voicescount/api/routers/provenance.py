"""Provenance: a dataset version's history as W3C PROV (PROV-JSON, PROV-N, PROV-O Turtle).

A published version's provenance is public, like its release (withdrawn ones too: the tombstone
keeps its history); any other version's is seen by whoever sees the version. The people holding
the keys that acted are named only to the coalition and statistics offices that see the version.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from sqlmodel import Session

from voicescount import __version__
from voicescount.access.roles import Principal
from voicescount.api.deps import OptionalPrincipalDep, SessionDep, SettingsDep
from voicescount.config import Settings
from voicescount.errors import NotFound
from voicescount.intake import service as intake
from voicescount.provenance import prov, records
from voicescount.publishing import rules
from voicescount.publishing import service as publishing
from voicescount.registry import voices
from voicescount.storage.tables import Dataset, DatasetVersion

router = APIRouter(tags=["provenance"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The PROV document, in the format asked for",
        "content": {
            "application/json": {},
            "application/provenance+json": {},
            "text/provenance-notation": {},
            "text/turtle": {},
        },
    },
    406: {"description": "None of PROV-JSON, PROV-N or Turtle was asked for"},
}

FormatQuery = Annotated[
    str | None,
    Query(
        alias="format",
        description="json (PROV-JSON), provn (PROV-N) or turtle (PROV-O); wins over Accept",
    ),
]
AcceptHeader = Annotated[str | None, Header()]


def _sees_version(
    session: Session, principal: Principal | None, uid: str, number: int, *, published: bool
) -> bool:
    """Whether the caller sees the version itself (its coalition, statistics offices); a
    version that was never published is not found for anyone else."""
    if principal is not None:
        try:
            intake.visible_version(session, principal, uid, number)
            return True
        except NotFound:
            pass
    if not published:
        raise NotFound("dataset version", f"{uid} v{number}")
    return False


def _answer(
    session: Session,
    settings: Settings,
    principal: Principal | None,
    dataset: Dataset,
    version: DatasetVersion,
    accept: str | None,
    format_param: str | None,
) -> Response:
    # Negotiate first: a 406 costs no database work.
    format_, content_type = prov.negotiate(accept, format_param)
    published = records.release_of(session, version) is not None
    sees = _sees_version(session, principal, dataset.uid, version.number, published=published)
    record = records.gather(session, dataset, version, disclose_holders=sees)
    base = settings.base_url.rstrip("/")
    data_url = (
        rules.sdmx_data_url(
            base, settings.agency_id, voices.FLOW_ID, record.coalition.slug, dataset.dataflow
        )
        if record.release
        else None
    )
    document = prov.build(
        record, base_url=base, software_version=__version__, sdmx_data_url=data_url
    )
    return Response(
        prov.serialize(document, format_),
        media_type=content_type,
        headers={"Vary": "Accept, Authorization, X-API-Key"},
    )


@router.get(
    "/datasets/{uid}/versions/{number}/provenance",
    summary="A version's provenance (W3C PROV): uploads, collection, review, release",
    response_class=Response,
    responses=_RESPONSES,
)
def version_provenance(
    uid: str,
    number: int,
    session: SessionDep,
    settings: SettingsDep,
    principal: OptionalPrincipalDep,
    format_param: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    dataset, version = records.find_version(session, uid, number)
    return _answer(session, settings, principal, dataset, version, accept, format_param)


@router.get(
    "/releases/{release_id}/provenance",
    summary="A release's provenance (W3C PROV), back to the uploaded bytes; public",
    response_class=Response,
    responses=_RESPONSES,
)
def release_provenance(
    release_id: str,
    session: SessionDep,
    settings: SettingsDep,
    principal: OptionalPrincipalDep,
    format_param: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    release = publishing.get_release(session, release_id)
    dataset = session.get(Dataset, release.dataset_id)
    version = session.get(DatasetVersion, release.version_id)
    assert dataset is not None and version is not None
    return _answer(session, settings, principal, dataset, version, accept, format_param)


@router.get(
    "/provenance/terms",
    summary="The terms (prefix vct) the provenance documents use, and what each means",
)
def terms(settings: SettingsDep) -> dict[str, Any]:
    return {"namespace": prov.terms_url(settings.base_url), "terms": prov.TERMS}
