"""Mapping profiles, community series and code suggestions."""

from __future__ import annotations

from typing import Annotated

import yaml
from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.intake import (
    CommunitySeriesCreate,
    CommunitySeriesList,
    CommunitySeriesPublic,
    MappingProfileSaved,
    MappingProfilesPublic,
    SuggestionsPublic,
)
from voicescount.errors import InvalidInput
from voicescount.intake import lookup
from voicescount.intake import service as intake
from voicescount.mapping import service as mapping
from voicescount.mapping.resolve import Resolver, label_examples
from voicescount.storage.tables import CommunitySeries, MappingProfile, Organisation

router = APIRouter(tags=["mapping"])


def _saved(profile: MappingProfile) -> MappingProfileSaved:
    return MappingProfileSaved(
        name=profile.name, profile=profile.profile, updated_at=profile.updated_at
    )


@router.get(
    "/mapping-profiles", response_model=MappingProfilesPublic, summary="Your saved profiles"
)
def list_profiles(session: SessionDep, principal: PrincipalDep) -> MappingProfilesPublic:
    profiles = [_saved(p) for p in mapping.list_profiles(session, principal)]
    return MappingProfilesPublic(data=profiles, count=len(profiles))


@router.get("/mapping-profiles/{name}", response_model=MappingProfileSaved, summary="One profile")
def get_profile(name: str, session: SessionDep, principal: PrincipalDep) -> MappingProfileSaved:
    return _saved(mapping.get_profile(session, principal, name))


@router.put(
    "/mapping-profiles/{name}",
    response_model=MappingProfileSaved,
    summary="Save a mapping profile (JSON or YAML)",
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
async def put_profile(
    name: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> MappingProfileSaved:
    raw = await request.body()
    try:
        data = yaml.safe_load(raw) if raw else {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"The profile is not valid JSON or YAML: {exc}") from exc
    saved = await run_in_threadpool(mapping.save_profile, session, principal, name, data)
    return _saved(saved)


@router.delete(
    "/mapping-profiles/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a profile"
)
def delete_profile(name: str, session: SessionDep, principal: PrincipalDep) -> Response:
    mapping.delete_profile(session, principal, name)
    return Response(status_code=204)


def _series_public(session: SessionDep, series: CommunitySeries) -> CommunitySeriesPublic:
    organisation = session.get(Organisation, series.organisation_id)
    return CommunitySeriesPublic(
        code=series.code,
        name=series.name,
        sdg_target=series.sdg_target,
        unit_measure=series.unit_measure,
        sdg_indicators=series.sdg_indicators,
        description=series.description,
        organisation=organisation.slug if organisation else "",
        created_at=series.created_at,
    )


@router.get(
    "/community-series", response_model=CommunitySeriesList, summary="Series coalitions defined"
)
def list_series(session: SessionDep) -> CommunitySeriesList:
    data = [_series_public(session, s) for s in intake.list_series(session, None)]
    return CommunitySeriesList(data=data, count=len(data))


@router.post(
    "/community-series",
    status_code=status.HTTP_201_CREATED,
    response_model=CommunitySeriesPublic,
    summary="Define a community series where no global series fits",
)
def define_series(
    body: CommunitySeriesCreate, session: SessionDep, principal: PrincipalDep
) -> CommunitySeriesPublic:
    series = intake.define_series(session, principal, **body.model_dump())
    return _series_public(session, series)


@router.get(
    "/suggestions",
    response_model=SuggestionsPublic,
    summary="How a label resolves for a component, with ranked suggestions",
)
def suggest(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    component: Annotated[str, Query(description="SERIES, REF_AREA, SEX, CUST_BREAKDOWN…")],
    value: Annotated[str, Query(min_length=1, max_length=200)],
    country: Annotated[str | None, Query(description="ISO alpha-2, to prefer its areas")] = None,
) -> SuggestionsPublic:
    vocabulary = lookup.RegistryVocabulary(session, settings.agency_id, principal.organisation_id)
    books = lookup.codebooks(
        session,
        settings.agency_id,
        organisation_id=principal.organisation_id,
        country_area=vocabulary.country_area(country) if country else None,
    )
    book = books.get(component.upper())
    if book is None:
        raise InvalidInput(
            f"{component!r} is not a coded component; use one of: {', '.join(sorted(books))}."
        )
    resolution = Resolver(book)(value)
    suggestions = resolution.suggestions or (() if resolution.code else tuple(book.suggest(value)))
    return SuggestionsPublic(
        component=book.component,
        value=value,
        code=resolution.code,
        via=resolution.via,
        problem=resolution.problem,
        suggestions=[
            {"code": code, "label": label}
            for code, label in zip(suggestions, label_examples(book, suggestions), strict=True)
        ],
    )
