"""Use cases of mapping: a coalition's saved profiles, and suggestions for single values."""

from __future__ import annotations

from sqlmodel import Session, col, select

from voicescount.access.roles import Principal
from voicescount.errors import InvalidInput, NotFound, PermissionDenied
from voicescount.mapping.profile import parse_profile
from voicescount.provenance import audit
from voicescount.storage.tables import MappingProfile as SavedProfile
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


def _require_editor(principal: Principal) -> None:
    if principal.organisation_kind is not OrgKind.DATA_PROVIDER or principal.role not in (
        Role.SUBMITTER,
        Role.ADMIN,
    ):
        raise PermissionDenied("Mapping profiles belong to coalitions; use a submitter key.")


def list_profiles(session: Session, principal: Principal) -> list[SavedProfile]:
    statement = (
        select(SavedProfile)
        .where(SavedProfile.organisation_id == principal.organisation_id)
        .order_by(col(SavedProfile.name))
    )
    return list(session.exec(statement))


def get_profile(session: Session, principal: Principal, name: str) -> SavedProfile:
    saved = session.exec(
        select(SavedProfile).where(
            SavedProfile.organisation_id == principal.organisation_id, SavedProfile.name == name
        )
    ).first()
    if saved is None:
        raise NotFound("mapping profile", name)
    return saved


def save_profile(session: Session, principal: Principal, name: str, data: object) -> SavedProfile:
    """Create or replace a named profile of the caller's organisation (validated first)."""
    import re

    _require_editor(principal)
    if not re.match(NAME_PATTERN, name):
        raise InvalidInput(
            "A profile name holds letters, digits, '_', '-' and '.'.",
            errors=[{"field": "name", "message": "invalid"}],
        )
    profile = parse_profile(data).model_dump()
    saved = session.exec(
        select(SavedProfile).where(
            SavedProfile.organisation_id == principal.organisation_id, SavedProfile.name == name
        )
    ).first()
    if saved is None:
        saved = SavedProfile(organisation_id=principal.organisation_id, name=name, profile=profile)
    else:
        saved.profile = profile
        saved.updated_at = utcnow()
    session.add(saved)
    audit.append(
        session,
        actor=principal.actor,
        action="mapping_profile.save",
        subject=f"mapping_profile:{principal.organisation_slug}/{name}",
        details={"columns": len(profile["columns"]), "components": sorted(profile["values"])},
    )
    session.commit()
    return saved


def delete_profile(session: Session, principal: Principal, name: str) -> None:
    _require_editor(principal)
    saved = get_profile(session, principal, name)
    session.delete(saved)
    audit.append(
        session,
        actor=principal.actor,
        action="mapping_profile.delete",
        subject=f"mapping_profile:{principal.organisation_slug}/{name}",
    )
    session.commit()
