"""Discovery and immutability of releases: manifest, DOI, DCAT-AP, schema.org, Frictionless
Data Package and the release's observations as CSV. Public reads, except recording a DOI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.config import Settings
from voicescount.publishing import discovery, exports
from voicescount.publishing import service as publishing

router = APIRouter(tags=["catalogue"])

JSON_LD = "application/ld+json"
CSV = "text/csv; charset=utf-8; header=present"


class DoiRequest(BaseModel):
    doi: str = Field(
        description="The DOI minted for the release: 10.<registrant>/<suffix> "
        "(https://doi.org/… and doi:… are accepted and stored bare)",
        max_length=250,
        examples=["10.5281/zenodo.1234567"],
    )


class DoiPublic(BaseModel):
    release: str
    doi: str
    url: str = Field(description="The DOI as a resolvable URL")


def _links(settings: Settings) -> discovery.Links:
    return discovery.Links(settings.base_url, settings.agency_id)


def _facts(session: SessionDep, settings: Settings, release_id: str) -> discovery.ReleaseFacts:
    release = publishing.get_release(session, release_id)
    return exports.release_facts(session, release, _links(settings))


def _json(content: dict[str, Any], media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(content, media_type=media_type)


@router.get(
    "/releases/{release_id}/manifest",
    summary="What a release is made of, with hashes (stays the same after it is superseded)",
)
def manifest(release_id: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    facts = _facts(session, settings, release_id)
    return _json(discovery.manifest(facts, _links(settings)))


@router.put(
    "/releases/{release_id}/doi",
    response_model=DoiPublic,
    summary="Record the DOI minted for a release (deployment admins, approvers of its office)",
)
def set_doi(
    release_id: str, body: DoiRequest, session: SessionDep, principal: PrincipalDep
) -> DoiPublic:
    release = publishing.set_doi(session, principal, release_id, body.doi)
    assert release.doi is not None
    return DoiPublic(release=release.uid, doi=release.doi, url=f"https://doi.org/{release.doi}")


@router.get(
    "/releases/{release_id}/dcat",
    summary="DCAT-AP description of a release (JSON-LD)",
    response_class=JSONResponse,
    responses={200: {"content": {JSON_LD: {}}}},
)
def dcat(release_id: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    facts = _facts(session, settings, release_id)
    return _json(discovery.dcat_document(facts, _links(settings)), JSON_LD)


@router.get(
    "/catalogue/dcat",
    summary="DCAT-AP catalogue of every current release (JSON-LD), for CKAN and other harvesters",
    response_class=JSONResponse,
    responses={200: {"content": {JSON_LD: {}}}},
)
def catalogue(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    return _json(exports.catalogue(session, _links(settings)), JSON_LD)


@router.get(
    "/releases/{release_id}/schema-org",
    summary="schema.org Dataset description of a release (JSON-LD), for search engines",
    response_class=JSONResponse,
    responses={200: {"content": {JSON_LD: {}}}},
)
def schema_org(release_id: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    facts = _facts(session, settings, release_id)
    return _json(discovery.schema_org_dataset(facts, _links(settings)), JSON_LD)


@router.get(
    "/releases/{release_id}/datapackage.json",
    summary="Frictionless Data Package of a release: its CSV with size, SHA-256 and Table Schema",
)
def datapackage(release_id: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    release = exports.disseminated(session, release_id)
    facts = exports.release_facts(session, release, _links(settings))
    return _json(discovery.datapackage(facts, _links(settings)))


@router.get(
    "/releases/{release_id}/data.csv",
    summary="A release's observations as a tidy CSV, exactly as published (streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 304: {"description": "Not modified"}},
)
def data_csv(release_id: str, request: Request, session: SessionDep) -> Response:
    release = exports.disseminated(session, release_id)
    # A release never changes, so its identity and content hash make a strong validator.
    etag = f'"{release.uid}.{release.content_hash[:32]}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=86400",
        "Content-Disposition": f'attachment; filename="{release.uid}.csv"',
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return StreamingResponse(exports.csv_chunks(session, release), media_type=CSV, headers=headers)
