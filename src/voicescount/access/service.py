"""Use cases of access control: organisations, keys, authentication and authorisation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from voicescount.access import keys
from voicescount.access.roles import ROLES_BY_KIND, Action, Principal, may
from voicescount.errors import (
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from voicescount.provenance import audit
from voicescount.storage.tables import ApiKey, Organisation
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

#: Organisation identifiers double as SDMX DataProvider ids, so they follow SDMX IDType rules.
SLUG_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,63}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
#: Longest values the columns hold (PostgreSQL refuses longer ones; SQLite would keep them).
NAME_MAX = 300
HOLDER_MAX = 200
REASON_MAX = 500

#: Actor name used when the command line acts without a key (bootstrapping a deployment).
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class IssuedKey:
    """A key as created: ``token`` is the only time the secret is visible."""

    key: ApiKey
    organisation: Organisation
    token: str


def create_organisation(
    session: Session,
    *,
    slug: str,
    name: str,
    kind: OrgKind,
    country: str | None = None,
    actor: str = CLI_ACTOR,
) -> Organisation:
    errors = []
    if not SLUG_PATTERN.match(slug):
        errors.append(
            {
                "field": "slug",
                "message": "must start with a letter and hold 2–64 letters, digits, '_' or '-'",
            }
        )
    if not name.strip():
        errors.append({"field": "name", "message": "must not be empty"})
    elif len(name.strip()) > NAME_MAX:
        errors.append({"field": "name", "message": f"must be at most {NAME_MAX} characters"})
    if country is not None and not COUNTRY_PATTERN.match(country):
        errors.append(
            {"field": "country", "message": "must be an ISO 3166-1 alpha-2 code, e.g. KE"}
        )
    if errors:
        raise InvalidInput("The organisation cannot be created as given.", errors=errors)
    if session.exec(select(Organisation).where(Organisation.slug == slug)).first():
        raise Conflict(f"An organisation with the identifier '{slug}' already exists.")
    organisation = Organisation(slug=slug, name=name.strip(), kind=kind.value, country=country)
    session.add(organisation)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request created the same slug
        session.rollback()
        raise Conflict(f"An organisation with the identifier '{slug}' already exists.") from exc
    audit.append(
        session,
        actor=actor,
        action="organisation.create",
        subject=f"organisation:{slug}",
        details={"name": organisation.name, "kind": kind.value, "country": country},
    )
    session.commit()
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.slug)))


def get_organisation(session: Session, slug: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        raise NotFound("organisation", slug)
    return organisation


def create_key(
    session: Session,
    *,
    organisation_slug: str,
    role: Role,
    holder: str,
    actor: Principal | None = None,
) -> IssuedKey:
    """Issue a key. ``actor`` is ``None`` for the command line, which administers the deployment."""
    organisation = get_organisation(session, organisation_slug)
    if actor is not None and not may(actor, Action.MANAGE_KEYS, organisation_id=organisation.id):
        raise _denied_or_hidden(actor, organisation)
    kind = OrgKind(organisation.kind)
    if role not in ROLES_BY_KIND[kind]:
        allowed = ", ".join(sorted(r.value for r in ROLES_BY_KIND[kind]))
        raise InvalidInput(
            f"A {kind.value.replace('_', ' ')} cannot hold the role '{role.value}'.",
            errors=[{"field": "role", "message": f"choose one of: {allowed}"}],
        )
    if not holder.strip():
        raise InvalidInput(
            "Say who holds the key.", errors=[{"field": "holder", "message": "must not be empty"}]
        )
    if len(holder.strip()) > HOLDER_MAX:
        raise InvalidInput(
            "The holder's name is too long.",
            errors=[{"field": "holder", "message": f"must be at most {HOLDER_MAX} characters"}],
        )
    new = keys.generate()
    record = ApiKey(
        key_id=new.key_id,
        secret_hash=new.secret_hash,
        organisation_id=organisation.id,  # type: ignore[arg-type]
        role=role.value,
        holder=holder.strip(),
    )
    session.add(record)
    session.flush()
    audit.append(
        session,
        actor=actor.actor if actor else CLI_ACTOR,
        action="key.create",
        subject=f"key:{new.key_id}",
        details={"organisation": organisation.slug, "role": role.value, "holder": record.holder},
    )
    session.commit()
    return IssuedKey(key=record, organisation=organisation, token=new.token)


def list_keys(session: Session, *, organisation_slug: str, actor: Principal | None) -> list[ApiKey]:
    organisation = get_organisation(session, organisation_slug)
    if actor is not None and not may(actor, Action.MANAGE_KEYS, organisation_id=organisation.id):
        raise _denied_or_hidden(actor, organisation)
    statement = (
        select(ApiKey).where(ApiKey.organisation_id == organisation.id).order_by(ApiKey.created_at)  # type: ignore[arg-type]
    )
    return list(session.exec(statement))


def revoke_key(
    session: Session, *, key_id: str, reason: str, actor: Principal | None = None
) -> ApiKey:
    """Revoke a key. Holders may revoke their own; admins those of their organisation."""
    record = session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if record is None:
        raise NotFound("API key", key_id)
    organisation = session.get(Organisation, record.organisation_id)
    assert organisation is not None
    own_key = actor is not None and actor.key_id == key_id
    if (
        actor is not None
        and not own_key
        and not may(actor, Action.MANAGE_KEYS, organisation_id=organisation.id)
    ):
        raise NotFound("API key", key_id)
    if len(reason.strip()) > REASON_MAX:
        raise InvalidInput(
            "The reason is too long.",
            errors=[{"field": "reason", "message": f"must be at most {REASON_MAX} characters"}],
        )
    if record.revoked_at is not None:
        raise Conflict(
            f"The key '{key_id}' was already revoked at {record.revoked_at.isoformat()}."
        )
    record.revoked_at = utcnow()
    record.revoked_reason = reason.strip() or None
    session.add(record)
    audit.append(
        session,
        actor=actor.actor if actor else CLI_ACTOR,
        action="key.revoke",
        subject=f"key:{key_id}",
        details={"organisation": organisation.slug, "reason": record.revoked_reason},
    )
    session.commit()
    return record


def authenticate(session: Session, token: str) -> Principal:
    """The principal a presented key stands for; revoked and unknown keys are refused alike."""
    parsed = keys.parse(token)
    if parsed is None:
        raise AuthenticationRequired("The API key is not in the expected form 'vck_<id>_<secret>'.")
    key_id, secret = parsed
    record = session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if record is None or not keys.secret_matches(secret, record.secret_hash):
        raise AuthenticationRequired("The API key is not valid.")
    if record.revoked_at is not None:
        raise AuthenticationRequired("The API key has been revoked.")
    return _principal(session, record)


def key_principal(session: Session, key_id: str) -> Principal:
    """The principal of a key authenticated earlier and named only by its id (a web desk
    session); unknown and revoked keys are refused, so revoking a key ends its sessions."""
    record = session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if record is None or record.revoked_at is not None:
        raise AuthenticationRequired("The API key is unknown or has been revoked.")
    return _principal(session, record)


def _principal(session: Session, record: ApiKey) -> Principal:
    organisation = session.get(Organisation, record.organisation_id)
    assert organisation is not None
    return Principal(
        key_id=record.key_id,
        organisation_id=organisation.id,  # type: ignore[arg-type]
        organisation_slug=organisation.slug,
        organisation_kind=OrgKind(organisation.kind),
        role=Role(record.role),
        holder=record.holder,
    )


def require(principal: Principal, action: Action, *, organisation_id: int | None = None) -> None:
    if not may(principal, action, organisation_id=organisation_id):
        raise PermissionDenied(
            f"A {principal.role.value} key of '{principal.organisation_slug}' may not "
            f"{action.value.replace('_', ' ')}."
        )


def _denied_or_hidden(actor: Principal, organisation: Organisation) -> Exception:
    # Another organisation's keys are none of the caller's business: do not confirm they exist.
    if actor.organisation_id != organisation.id:
        return NotFound("organisation", organisation.slug)
    return PermissionDenied(
        f"A {actor.role.value} key may not manage the keys of '{organisation.slug}'; ask an admin."
    )
