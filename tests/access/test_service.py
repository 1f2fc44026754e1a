"""Access-control use cases on both backends: organisations, keys, authentication."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from tests.conftest import Store, unique
from voicescount.access import keys
from voicescount.access import service as access
from voicescount.access.roles import Action, may
from voicescount.errors import (
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from voicescount.provenance import audit
from voicescount.storage.tables import AuditEntry
from voicescount.types import OrgKind, Role


def _org(session: Session, kind: OrgKind, **kwargs: object) -> str:
    slug = unique("ORG")
    access.create_organisation(session, slug=slug, name=f"{slug} name", kind=kind, **kwargs)  # type: ignore[arg-type]
    return slug


def _last_audit(session: Session) -> AuditEntry:
    entry = session.exec(
        select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)  # type: ignore[attr-defined]
    ).first()
    assert entry is not None
    return entry


# --- organisations ---------------------------------------------------------------------------


def test_create_organisation_stores_it_and_audits(session: Session) -> None:
    before = audit.count(session)
    slug = unique("LNOB")
    created = access.create_organisation(
        session, slug=slug, name="  LNOB Kenya  ", kind=OrgKind.DATA_PROVIDER, country="KE"
    )
    assert created.id is not None
    fetched = access.get_organisation(session, slug)
    assert (fetched.slug, fetched.name, fetched.kind, fetched.country) == (
        slug,
        "LNOB Kenya",
        "data_provider",
        "KE",
    )
    assert fetched.created_at.tzinfo is not None
    assert slug in [o.slug for o in access.list_organisations(session)]
    assert audit.count(session) == before + 1
    entry = _last_audit(session)
    assert (entry.action, entry.subject, entry.actor) == (
        "organisation.create",
        f"organisation:{slug}",
        access.CLI_ACTOR,
    )
    assert entry.details == {"name": "LNOB Kenya", "kind": "data_provider", "country": "KE"}


def test_create_organisation_itemises_every_invalid_field(session: Session) -> None:
    before = audit.count(session)
    with pytest.raises(InvalidInput) as caught:
        access.create_organisation(
            session, slug="9bad slug", name="   ", kind=OrgKind.STEWARD, country="kenya"
        )
    fields = [item["field"] for item in caught.value.errors]
    assert fields == ["slug", "name", "country"]
    assert all(item["message"] for item in caught.value.errors)
    assert audit.count(session) == before


@pytest.mark.parametrize(
    ("slug", "ok"),
    [
        ("A", False),  # too short
        ("AB", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("_AB", False),
        ("1AB", False),
        ("AB-c_D9", True),
        ("AB.C", False),
        ("AB C", False),
    ],
)
def test_slug_rules(session: Session, slug: str, ok: bool) -> None:
    # Only the validation outcome matters here: a valid slug may already exist from another run.
    try:
        access.create_organisation(session, slug=slug, name="n", kind=OrgKind.STEWARD)
        outcome = True
    except Conflict:
        outcome = True
    except InvalidInput as exc:
        assert [item["field"] for item in exc.errors] == ["slug"]
        outcome = False
    assert outcome is ok


def test_country_must_be_upper_case_alpha2(session: Session) -> None:
    for country in ("ke", "KEN", "K", "K1"):
        with pytest.raises(InvalidInput) as caught:
            access.create_organisation(
                session, slug=unique("C"), name="n", kind=OrgKind.STEWARD, country=country
            )
        assert [item["field"] for item in caught.value.errors] == ["country"]


def test_overlong_values_are_refused_alike_on_both_backends(session: Session) -> None:
    # PostgreSQL would refuse these with a database error (a 500), SQLite would keep them.
    with pytest.raises(InvalidInput) as caught:
        access.create_organisation(
            session, slug=unique("LONG"), name="x" * (access.NAME_MAX + 1), kind=OrgKind.STEWARD
        )
    assert [item["field"] for item in caught.value.errors] == ["name"]
    longest = _org(session, OrgKind.STEWARD)
    access.create_organisation(
        session, slug=unique("LONG"), name="x" * access.NAME_MAX, kind=OrgKind.STEWARD
    )
    with pytest.raises(InvalidInput) as caught:
        access.create_key(
            session,
            organisation_slug=longest,
            role=Role.ADMIN,
            holder="h" * (access.HOLDER_MAX + 1),
        )
    assert [item["field"] for item in caught.value.errors] == ["holder"]
    issued = access.create_key(
        session, organisation_slug=longest, role=Role.ADMIN, holder="h" * access.HOLDER_MAX
    )
    with pytest.raises(InvalidInput) as caught:
        access.revoke_key(session, key_id=issued.key.key_id, reason="r" * (access.REASON_MAX + 1))
    assert [item["field"] for item in caught.value.errors] == ["reason"]
    access.revoke_key(session, key_id=issued.key.key_id, reason="r" * access.REASON_MAX)


def test_duplicate_slug_is_a_conflict(session: Session) -> None:
    slug = _org(session, OrgKind.DATA_PROVIDER)
    before = audit.count(session)
    with pytest.raises(Conflict, match=slug):
        access.create_organisation(session, slug=slug, name="again", kind=OrgKind.STEWARD)
    assert audit.count(session) == before
    assert access.get_organisation(session, slug).name == f"{slug} name"


def test_unknown_organisation_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        access.get_organisation(session, unique("NOPE"))
    with pytest.raises(NotFound):
        access.create_key(
            session, organisation_slug=unique("NOPE"), role=Role.ADMIN, holder="someone"
        )


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role", "allowed"),
    [
        (OrgKind.DATA_PROVIDER, Role.SUBMITTER, True),
        (OrgKind.DATA_PROVIDER, Role.ADMIN, True),
        (OrgKind.DATA_PROVIDER, Role.REVIEWER, False),
        (OrgKind.DATA_PROVIDER, Role.APPROVER, False),
        (OrgKind.STEWARD, Role.REVIEWER, True),
        (OrgKind.STEWARD, Role.APPROVER, True),
        (OrgKind.STEWARD, Role.ADMIN, True),
        (OrgKind.STEWARD, Role.SUBMITTER, False),
    ],
)
def test_roles_allowed_per_organisation_kind(
    session: Session, kind: OrgKind, role: Role, allowed: bool
) -> None:
    slug = _org(session, kind)
    if allowed:
        issued = access.create_key(session, organisation_slug=slug, role=role, holder="h")
        assert issued.key.role == role.value
        assert access.authenticate(session, issued.token).role is role
    else:
        before = audit.count(session)
        with pytest.raises(InvalidInput) as caught:
            access.create_key(session, organisation_slug=slug, role=role, holder="h")
        assert [item["field"] for item in caught.value.errors] == ["role"]
        assert role.value in caught.value.detail
        assert access.list_keys(session, organisation_slug=slug, actor=None) == []
        assert audit.count(session) == before


def test_key_needs_a_holder(session: Session) -> None:
    slug = _org(session, OrgKind.DATA_PROVIDER)
    with pytest.raises(InvalidInput) as caught:
        access.create_key(session, organisation_slug=slug, role=Role.SUBMITTER, holder="  ")
    assert [item["field"] for item in caught.value.errors] == ["holder"]


def test_key_is_stored_only_as_a_hash(session: Session, store: Store) -> None:
    slug = _org(session, OrgKind.DATA_PROVIDER)
    issued = access.create_key(
        session, organisation_slug=slug, role=Role.SUBMITTER, holder="Amina Odhiambo"
    )
    key_id, secret = keys.parse(issued.token)  # type: ignore[misc]
    assert key_id == issued.key.key_id
    with store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM api_key WHERE key_id = :k"), {"k": key_id}
        ).one()
        every_row = connection.execute(text("SELECT * FROM api_key")).all()
    values = [str(v) for v in row._mapping.values()]
    assert row._mapping["secret_hash"] == keys.hash_secret(secret)
    assert row._mapping["holder"] == "Amina Odhiambo"
    assert not any(secret in v for v in values)
    assert not any(issued.token in v for v in values)
    # Nor anywhere else in the table (or the audit log).
    assert not any(secret in str(v) for r in every_row for v in r)
    with store.engine.connect() as connection:
        audit_rows = connection.execute(text("SELECT * FROM audit_entry")).all()
    assert not any(secret in str(v) for r in audit_rows for v in r)


def test_create_key_audits_without_the_secret(session: Session) -> None:
    slug = _org(session, OrgKind.STEWARD)
    issued = access.create_key(session, organisation_slug=slug, role=Role.REVIEWER, holder="r")
    entry = _last_audit(session)
    assert entry.action == "key.create"
    assert entry.subject == f"key:{issued.key.key_id}"
    assert entry.details == {"organisation": slug, "role": "reviewer", "holder": "r"}


def test_authenticate_returns_the_principal(session: Session) -> None:
    slug = _org(session, OrgKind.STEWARD, country="KE")
    issued = access.create_key(session, organisation_slug=slug, role=Role.APPROVER, holder=" A ")
    principal = access.authenticate(session, issued.token)
    assert principal.key_id == issued.key.key_id
    assert principal.organisation_slug == slug
    assert principal.organisation_id == issued.organisation.id
    assert principal.organisation_kind is OrgKind.STEWARD
    assert principal.role is Role.APPROVER
    assert principal.holder == "A"
    assert principal.actor == f"key:{issued.key.key_id}"
    assert not principal.is_deployment_admin


def test_authenticate_refuses_unknown_and_wrong_keys(session: Session) -> None:
    slug = _org(session, OrgKind.DATA_PROVIDER)
    issued = access.create_key(session, organisation_slug=slug, role=Role.SUBMITTER, holder="h")
    key_id, secret = keys.parse(issued.token)  # type: ignore[misc]
    unknown = keys.generate().token
    wrong_secret = f"vck_{key_id}_{secret[::-1]}"
    for token in (unknown, wrong_secret, "not-a-key", f"vck_{key_id}_"):
        with pytest.raises(AuthenticationRequired):
            access.authenticate(session, token)
    # The hash itself is not a credential.
    with pytest.raises(AuthenticationRequired):
        access.authenticate(session, f"vck_{key_id}_{issued.key.secret_hash}")


def test_revoked_key_is_refused(session: Session) -> None:
    slug = _org(session, OrgKind.DATA_PROVIDER)
    issued = access.create_key(session, organisation_slug=slug, role=Role.SUBMITTER, holder="h")
    access.authenticate(session, issued.token)
    revoked = access.revoke_key(session, key_id=issued.key.key_id, reason="  lost laptop ")
    assert revoked.revoked_at is not None
    assert revoked.revoked_reason == "lost laptop"
    entry = _last_audit(session)
    assert (entry.action, entry.subject) == ("key.revoke", f"key:{issued.key.key_id}")
    assert entry.details == {"organisation": slug, "reason": "lost laptop"}
    with pytest.raises(AuthenticationRequired, match="revoked"):
        access.authenticate(session, issued.token)
    listed = access.list_keys(session, organisation_slug=slug, actor=None)
    assert [(k.key_id, k.revoked_at is not None) for k in listed] == [(issued.key.key_id, True)]


def test_revoking_twice_is_a_conflict_and_unknown_key_not_found(session: Session) -> None:
    slug = _org(session, OrgKind.DATA_PROVIDER)
    issued = access.create_key(session, organisation_slug=slug, role=Role.ADMIN, holder="h")
    access.revoke_key(session, key_id=issued.key.key_id, reason="")
    before = audit.count(session)
    with pytest.raises(Conflict):
        access.revoke_key(session, key_id=issued.key.key_id, reason="again")
    assert audit.count(session) == before
    with pytest.raises(NotFound):
        access.revoke_key(session, key_id="000000000000", reason="")


def test_key_management_permissions(session: Session) -> None:
    coalition = _org(session, OrgKind.DATA_PROVIDER)
    other = _org(session, OrgKind.DATA_PROVIDER)
    steward = _org(session, OrgKind.STEWARD)

    tokens: dict[str, str] = {}

    def principal(slug: str, role: Role):  # type: ignore[no-untyped-def]
        token = access.create_key(session, organisation_slug=slug, role=role, holder="p").token
        found = access.authenticate(session, token)
        tokens[found.key_id] = token
        return found

    coalition_admin = principal(coalition, Role.ADMIN)
    submitter = principal(coalition, Role.SUBMITTER)
    steward_admin = principal(steward, Role.ADMIN)
    reviewer = principal(steward, Role.REVIEWER)

    # Deployment admins (steward admins) manage everyone's keys and organisations.
    assert steward_admin.is_deployment_admin
    assert may(steward_admin, Action.MANAGE_ORGANISATIONS)
    access.create_key(
        session, organisation_slug=other, role=Role.SUBMITTER, holder="x", actor=steward_admin
    )
    # A coalition admin manages its own organisation's keys only; others are hidden.
    access.create_key(
        session, organisation_slug=coalition, role=Role.SUBMITTER, holder="x", actor=coalition_admin
    )
    with pytest.raises(NotFound):
        access.list_keys(session, organisation_slug=other, actor=coalition_admin)
    with pytest.raises(NotFound):
        access.create_key(
            session, organisation_slug=other, role=Role.ADMIN, holder="x", actor=coalition_admin
        )
    assert not may(coalition_admin, Action.MANAGE_ORGANISATIONS)
    # Non-admins may not manage keys of their own organisation.
    with pytest.raises(PermissionDenied):
        access.create_key(
            session, organisation_slug=coalition, role=Role.ADMIN, holder="x", actor=submitter
        )
    with pytest.raises(PermissionDenied):
        access.list_keys(session, organisation_slug=steward, actor=reviewer)
    with pytest.raises(PermissionDenied):
        access.require(reviewer, Action.MANAGE_ORGANISATIONS)
    # Another organisation's key cannot be revoked, and does not even appear to exist.
    victim = access.create_key(session, organisation_slug=other, role=Role.SUBMITTER, holder="v")
    with pytest.raises(NotFound):
        access.revoke_key(session, key_id=victim.key.key_id, reason="", actor=coalition_admin)
    access.authenticate(session, victim.token)
    # But a holder may revoke their own key, whatever their role.
    access.revoke_key(session, key_id=submitter.key_id, reason="done", actor=submitter)
    with pytest.raises(AuthenticationRequired, match="revoked"):
        access.authenticate(session, tokens[submitter.key_id])


def test_audit_chain_still_verifies(session: Session) -> None:
    # Runs after the tests above on the shared store: everything they did was chained properly.
    result = audit.verify(session)
    assert result.ok, result
    assert result.entries == audit.count(session) > 0
