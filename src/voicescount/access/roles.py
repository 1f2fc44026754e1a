"""Which role may do what, in which kind of organisation. Pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from voicescount.types import OrgKind, Role


class Action(StrEnum):
    """Everything a key can be asked to do that is not public reading."""

    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_KEYS = "manage_keys"
    IMPORT_STRUCTURES = "import_structures"
    READ_AUDIT = "read_audit"


#: Roles each kind of organisation may hand out. Coalitions submit; statistics offices review.
ROLES_BY_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.DATA_PROVIDER: frozenset({Role.SUBMITTER, Role.ADMIN}),
    OrgKind.STEWARD: frozenset({Role.REVIEWER, Role.APPROVER, Role.ADMIN}),
}


@dataclass(frozen=True)
class Principal:
    """Who is acting: the key, its organisation and its role."""

    key_id: str
    organisation_id: int
    organisation_slug: str
    organisation_kind: OrgKind
    role: Role
    holder: str

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"key:{self.key_id}"

    @property
    def is_deployment_admin(self) -> bool:
        """Admins of steward organisations administer the deployment (organisations, structures)."""
        return self.role is Role.ADMIN and self.organisation_kind is OrgKind.STEWARD


def may(principal: Principal, action: Action, *, organisation_id: int | None = None) -> bool:
    """Whether ``principal`` may perform ``action`` (on ``organisation_id`` where that matters)."""
    if action in (Action.MANAGE_ORGANISATIONS, Action.IMPORT_STRUCTURES, Action.READ_AUDIT):
        return principal.is_deployment_admin
    if action is Action.MANAGE_KEYS:
        if principal.is_deployment_admin:
            return True
        return principal.role is Role.ADMIN and organisation_id == principal.organisation_id
    return False


def competent(steward_country: str | None, provider_country: str | None) -> bool:
    """Whether a statistics office is competent for a coalition's data: same country, or either
    has none. Competent offices alone see its submissions and review them."""
    return (
        steward_country is None or provider_country is None or steward_country == provider_country
    )
