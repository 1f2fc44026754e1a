"""Organisations and their API keys."""

from __future__ import annotations

from fastapi import APIRouter, status

from voicescount.access import service as access
from voicescount.access.roles import Action
from voicescount.api.deps import PrincipalDep, SessionDep
from voicescount.api.schemas.access import (
    KeyCreate,
    KeyIssued,
    KeyPublic,
    KeyRevoke,
    KeysPublic,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationsPublic,
    WhoAmI,
)

router = APIRouter(tags=["organisations"])


@router.get("/whoami", response_model=WhoAmI, summary="The organisation and role of your key")
def whoami(principal: PrincipalDep) -> WhoAmI:
    return WhoAmI(
        key_id=principal.key_id,
        organisation=principal.organisation_slug,
        organisation_kind=principal.organisation_kind,
        role=principal.role,
        holder=principal.holder,
    )


@router.get("/organisations", response_model=OrganisationsPublic, summary="List organisations")
def list_organisations(session: SessionDep) -> OrganisationsPublic:
    organisations = access.list_organisations(session)
    return OrganisationsPublic(
        data=[OrganisationPublic.model_validate(o) for o in organisations], count=len(organisations)
    )


@router.get("/organisations/{slug}", response_model=OrganisationPublic, summary="One organisation")
def get_organisation(slug: str, session: SessionDep) -> OrganisationPublic:
    return OrganisationPublic.model_validate(access.get_organisation(session, slug))


@router.post(
    "/organisations",
    response_model=OrganisationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Register an organisation (deployment admins)",
)
def create_organisation(
    body: OrganisationCreate, session: SessionDep, principal: PrincipalDep
) -> OrganisationPublic:
    access.require(principal, Action.MANAGE_ORGANISATIONS)
    organisation = access.create_organisation(
        session,
        slug=body.slug,
        name=body.name,
        kind=body.kind,
        country=body.country,
        actor=principal.actor,
    )
    return OrganisationPublic.model_validate(organisation)


@router.get(
    "/organisations/{slug}/keys",
    response_model=KeysPublic,
    summary="List an organisation's keys (admins)",
)
def list_keys(slug: str, session: SessionDep, principal: PrincipalDep) -> KeysPublic:
    records = access.list_keys(session, organisation_slug=slug, actor=principal)
    return KeysPublic(data=[KeyPublic.model_validate(k) for k in records], count=len(records))


@router.post(
    "/organisations/{slug}/keys",
    response_model=KeyIssued,
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key (admins); the token is shown once",
)
def create_key(
    slug: str, body: KeyCreate, session: SessionDep, principal: PrincipalDep
) -> KeyIssued:
    issued = access.create_key(
        session, organisation_slug=slug, role=body.role, holder=body.holder, actor=principal
    )
    return KeyIssued(
        **KeyPublic.model_validate(issued.key).model_dump(),
        organisation=issued.organisation.slug,
        token=issued.token,
    )


@router.post(
    "/keys/{key_id}/revoke",
    response_model=KeyPublic,
    summary="Revoke a key (its holder, or an admin of its organisation)",
)
def revoke_key(
    key_id: str, body: KeyRevoke, session: SessionDep, principal: PrincipalDep
) -> KeyPublic:
    record = access.revoke_key(session, key_id=key_id, reason=body.reason, actor=principal)
    return KeyPublic.model_validate(record)
