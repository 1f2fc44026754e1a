"""``voicescount org …`` and ``voicescount key …``: bootstrap organisations and API keys."""

from __future__ import annotations

import click

from voicescount.access import service
from voicescount.cli.common import CONTEXT_SETTINGS, cli_session, echo_json, friendly_errors
from voicescount.types import OrgKind, Role


@click.group(context_settings=CONTEXT_SETTINGS)
def org() -> None:
    """Organisations: coalitions (data providers) and statistics offices (stewards)."""


@org.command("create", context_settings=CONTEXT_SETTINGS)
@click.argument("slug")
@click.option("--name", required=True, help="Full name of the organisation.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in OrgKind]),
    required=True,
    help="data_provider (coalition, CSO) or steward (statistics office).",
)
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code, e.g. KE.")
@friendly_errors
def org_create(slug: str, name: str, kind: str, country: str | None) -> None:
    """Register organisation SLUG (also its SDMX DataProvider id)."""
    with cli_session() as session:
        organisation = service.create_organisation(
            session, slug=slug, name=name, kind=OrgKind(kind), country=country
        )
        click.echo(f"created {organisation.kind} '{organisation.slug}': {organisation.name}")


@org.command("list", context_settings=CONTEXT_SETTINGS)
@friendly_errors
def org_list() -> None:
    """List organisations."""
    with cli_session() as session:
        for organisation in service.list_organisations(session):
            country = organisation.country or "--"
            click.echo(
                f"{organisation.slug:<24} {organisation.kind:<14} {country}  {organisation.name}"
            )


@click.group(context_settings=CONTEXT_SETTINGS)
def key() -> None:
    """API keys: shown once at creation, stored only as a hash, revocable."""


@key.command("create", context_settings=CONTEXT_SETTINGS)
@click.argument("organisation")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--holder", required=True, help="Who holds the key (name or e-mail).")
@click.option("--json", "as_json", is_flag=True, help="Print the key as JSON.")
@friendly_errors
def key_create(organisation: str, role: str, holder: str, as_json: bool) -> None:
    """Issue a key for ORGANISATION. The key is printed once; store it now."""
    with cli_session() as session:
        issued = service.create_key(
            session, organisation_slug=organisation, role=Role(role), holder=holder
        )
        if as_json:
            echo_json(
                {
                    "key_id": issued.key.key_id,
                    "organisation": issued.organisation.slug,
                    "role": issued.key.role,
                    "holder": issued.key.holder,
                    "token": issued.token,
                }
            )
            return
        click.echo(
            f"key {issued.key.key_id} ({role} of {issued.organisation.slug}, held by {holder})"
        )
        click.echo(issued.token)
        click.echo("Store this key now: it is not shown again.", err=True)


@key.command("revoke", context_settings=CONTEXT_SETTINGS)
@click.argument("key_id")
@click.option("--reason", default="", help="Why (kept in the audit log).")
@friendly_errors
def key_revoke(key_id: str, reason: str) -> None:
    """Revoke the key KEY_ID (the part after 'vck_' and before the next '_')."""
    with cli_session() as session:
        record = service.revoke_key(session, key_id=key_id, reason=reason)
        click.echo(f"revoked {record.key_id} at {record.revoked_at:%Y-%m-%d %H:%M:%S %Z}")


@key.command("list", context_settings=CONTEXT_SETTINGS)
@click.argument("organisation")
@friendly_errors
def key_list(organisation: str) -> None:
    """List the keys of ORGANISATION (never their secrets)."""
    with cli_session() as session:
        for record in service.list_keys(session, organisation_slug=organisation, actor=None):
            state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
            click.echo(f"{record.key_id}  {record.role:<10} {state:<18} {record.holder}")
