"""Publishing: release a decided version, list and read releases, withdraw one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import Session

from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.publishing import (
    ReleasePublic,
    ReleasesPublic,
    WithdrawRequest,
)
from voicescount.config import Settings
from voicescount.publishing import rules
from voicescount.publishing import service as publishing
from voicescount.registry import voices
from voicescount.storage.tables import Organisation, Release

router = APIRouter(tags=["releases"])


def _public(session: Session, settings: Settings, release: Release) -> ReleasePublic:
    description = publishing.describe(session, release)
    provider = session.get(Organisation, release.organisation_id)
    provider_id = provider.slug if provider else ""
    base = settings.base_url.rstrip("/")
    return ReleasePublic(
        **description,
        sdmx_data_url=rules.sdmx_data_url(
            base, settings.agency_id, voices.FLOW_ID, provider_id, description["dataflow"]
        ),
        provenance_url=f"{base}/api/v1/releases/{release.uid}/provenance",
        citation_url=f"{base}/api/v1/releases/{release.uid}/citation",
    )


@router.post(
    "/datasets/{uid}/versions/{number}/publish",
    response_model=ReleasePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Publish a version decided on in review (approvers of the reviewing office)",
)
def publish(
    uid: str,
    number: int,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> ReleasePublic:
    release = publishing.publish(session, principal, uid, number, agency=settings.agency_id)
    return _public(session, settings, release)


@router.get("/releases", response_model=ReleasesPublic, summary="Published releases")
def list_releases(
    session: SessionDep,
    settings: SettingsDep,
    current: Annotated[bool, Query(description="Only releases in the current feed")] = False,
) -> ReleasesPublic:
    releases = publishing.list_releases(session, current_only=current)
    data = [_public(session, settings, r) for r in releases]
    return ReleasesPublic(data=data, count=len(data))


@router.get(
    "/releases/{release_id}",
    response_model=ReleasePublic,
    summary="A release: what was published, by whom, and whether it is still current",
)
def get_release(release_id: str, session: SessionDep, settings: SettingsDep) -> ReleasePublic:
    return _public(session, settings, publishing.get_release(session, release_id))


@router.post(
    "/releases/{release_id}/withdraw",
    response_model=ReleasePublic,
    summary="Withdraw a release from every feed (approvers); a tombstone stays",
)
def withdraw(
    release_id: str,
    body: WithdrawRequest,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> ReleasePublic:
    release = publishing.withdraw(session, principal, release_id, reason=body.reason)
    return _public(session, settings, release)
