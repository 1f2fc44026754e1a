"""``voicescount audit``: check the tamper-evident audit log and sign checkpoints of it.

The server signs a checkpoint every ``VOICESCOUNT_CHECKPOINT_INTERVAL`` seconds while the log
grows. A deployment that turns that off (``VOICESCOUNT_CHECKPOINT_INTERVAL=0``) runs
``voicescount audit checkpoint`` from cron instead; running both is safe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from voicescount.cli.common import CONTEXT_SETTINGS, cli_session, friendly_errors
from voicescount.config import get_settings
from voicescount.provenance import checkpoints

P = ParamSpec("P")
R = TypeVar("R")


def _key_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a signing-key problem (missing, unreadable, wrong type) as 'error: …', exit 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except checkpoints.SigningKeyError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings=CONTEXT_SETTINGS)
def audit() -> None:
    """The hash-chained audit log and its signed checkpoints."""


@audit.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also trust checkpoints signed by this Ed25519 public key (PEM), e.g. a key rotated "
    "out. Repeatable.",
)
@_key_errors
def verify(public_keys: tuple[Path, ...]) -> None:
    """Recompute the chain and check every signed checkpoint against it.

    Exit 1, naming the first broken entry and the first bad checkpoint, if the log was tampered
    with: an entry altered, deleted or reordered, or the chain rewritten after a checkpoint.
    """
    extra = [checkpoints.parse_public_key(path.read_bytes()) for path in public_keys]
    with cli_session() as session:
        report = checkpoints.verify_all(session, checkpoints.trusted_keys(get_settings(), extra))
    chain, signed = report.chain, report.checkpoints
    if report.ok:
        click.echo(f"audit log intact: {chain.entries} entries")
        if signed.checked:
            click.echo(
                f"checkpoints intact: {signed.checked} signed, the latest at entry "
                f"{signed.latest_seq}"
            )
        return
    if chain.ok:
        click.echo(f"audit log chain consistent: {chain.entries} entries", err=True)
    else:
        click.echo(
            f"audit log BROKEN at entry {chain.first_broken_seq}: {chain.reason} "
            f"({chain.entries} entries verified before it)",
            err=True,
        )
    bad = signed.first_bad
    if bad is not None:
        where = f" (entry {bad.seq})" if bad.seq is not None else ""
        click.echo(
            f"audit checkpoint {bad.number}{where} FAILED: {bad.reason} "
            f"({signed.checked} checkpoints verified before it)",
            err=True,
        )
    sys.exit(1)


@audit.command(context_settings=CONTEXT_SETTINGS)
@_key_errors
@friendly_errors
def checkpoint() -> None:
    """Sign a checkpoint of the log's newest entry now, if the log grew since the last one.

    The entries since the last checkpoint are verified first; a broken log is not signed (exit 1).
    """
    key = checkpoints.load_signing_key(get_settings())
    assert key is not None
    with cli_session() as session:
        made = checkpoints.create(session, key)
        session.commit()
        last = made or checkpoints.latest(session)
    if made is not None:
        click.echo(
            f"checkpoint {made.number} signed: entry {made.seq}, hash {made.entry_hash}, "
            f"key {made.key_id}"
        )
    elif last is not None:
        click.echo(f"no new checkpoint: the log has not grown since checkpoint {last.number}")
    else:
        click.echo("no new checkpoint: the audit log is empty")


@audit.command(context_settings=CONTEXT_SETTINGS)
@_key_errors
def key() -> None:
    """Print the public key that verifies checkpoints (PEM on stdout, its id on stderr).

    Generates the signing key first if none is configured and none was generated yet.
    """
    signing = checkpoints.load_signing_key(get_settings())
    assert signing is not None
    click.echo(checkpoints.public_pem(signing.public), nl=False)
    click.echo(f"key id (SHA-256 of the raw public key): {signing.key_id}", err=True)
    click.echo(f"algorithm: {checkpoints.ALGORITHM}; private key: {signing.path}", err=True)
