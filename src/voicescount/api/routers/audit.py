"""The audit log's public face: signed checkpoints, the signing key, and verification.

All public, no key needed. The entries themselves are not served: they name actors (key ids,
holders) and drafts that are not public; their hashes, the checkpoints over them and the outcome
of recomputing the chain are what outsiders need to hold the log to account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from voicescount.api.deps import SessionDep, SettingsDep
from voicescount.errors import NotFound
from voicescount.provenance import checkpoints
from voicescount.storage.tables import AuditCheckpoint

router = APIRouter(prefix="/audit", tags=["audit"])


class CheckpointPublic(BaseModel):
    number: int = Field(description="Position among the checkpoints, 1-based and gap-free")
    seq: int = Field(description="The last audit entry covered")
    entry_hash: str = Field(description="That entry's SHA-256 chain hash when signed")
    entries: int = Field(description="Entries in the chain when signed")
    created_at: datetime
    key_id: str = Field(description="SHA-256 (hex) of the raw Ed25519 public key that signed")
    algorithm: str = checkpoints.ALGORITHM
    signature: str = Field(description="Ed25519 signature of signed_payload, base64")
    signed_payload: str = Field(
        description="The exact UTF-8 text signed: canonical JSON (sorted keys, no whitespace) "
        "of type, number, seq, entry_hash, entries, created_at and key_id"
    )


class CheckpointsPublic(BaseModel):
    data: list[CheckpointPublic]
    count: int = Field(description="All checkpoints, not only this page")
    limit: int
    offset: int


class PublicKeyPublic(BaseModel):
    algorithm: str = checkpoints.ALGORITHM
    key_id: str = Field(description="Fingerprint: SHA-256 (hex) of the raw 32-byte public key")
    pem: str = Field(description="SubjectPublicKeyInfo PEM")


class BadCheckpointPublic(BaseModel):
    number: int
    seq: int | None = Field(description="The entry it signed (null when it is missing)")
    reason: str


class VerificationPublic(BaseModel):
    ok: bool = Field(description="The chain recomputes and every checkpoint holds")
    entries: int = Field(description="Entries verified (before the first broken one)")
    first_broken_seq: int | None = Field(description="The first entry that breaks the chain")
    reason: str | None = Field(description="Why verification failed, first problem found")
    checkpoints_checked: int = Field(description="Checkpoints verified before the first bad one")
    first_bad_checkpoint: BadCheckpointPublic | None = Field(
        description="The first checkpoint whose signature fails or whose entry has changed"
    )


def _public(checkpoint: AuditCheckpoint) -> CheckpointPublic:
    return CheckpointPublic(
        number=checkpoint.number,
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        entries=checkpoint.entries,
        created_at=checkpoint.created_at,
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
        signed_payload=checkpoints.payload_of(checkpoint).decode("utf-8"),
    )


@router.get(
    "/checkpoints",
    response_model=CheckpointsPublic,
    summary="Signed checkpoints of the audit chain, newest first",
)
def list_checkpoints(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CheckpointsPublic:
    return CheckpointsPublic(
        data=[_public(c) for c in checkpoints.newest_first(session, limit=limit, offset=offset)],
        count=checkpoints.count(session),
        limit=limit,
        offset=offset,
    )


@router.get(
    "/checkpoints/latest",
    response_model=CheckpointPublic,
    summary="The newest signed checkpoint",
)
def latest_checkpoint(session: SessionDep) -> CheckpointPublic:
    checkpoint = checkpoints.latest(session)
    if checkpoint is None:
        raise NotFound("audit checkpoint", "latest", "No audit checkpoint has been signed yet.")
    return _public(checkpoint)


@router.get(
    "/checkpoints/{number}",
    response_model=CheckpointPublic,
    summary="One signed checkpoint",
)
def get_checkpoint(number: int, session: SessionDep) -> CheckpointPublic:
    return _public(checkpoints.get(session, number))


@router.get(
    "/public-key",
    response_model=PublicKeyPublic,
    summary="The public key that verifies the checkpoints' signatures",
)
def public_key(settings: SettingsDep) -> PublicKeyPublic:
    key = checkpoints.load_signing_key(settings)
    assert key is not None
    return PublicKeyPublic(key_id=key.key_id, pem=checkpoints.public_pem(key.public))


@router.get(
    "/verify",
    response_model=VerificationPublic,
    summary="Recompute the audit chain and check every checkpoint against it",
)
def verify(session: SessionDep, settings: SettingsDep, response: Response) -> VerificationPublic:
    report = checkpoints.verify_all(session, checkpoints.trusted_keys(settings))
    response.headers["Cache-Control"] = "no-store"
    bad = report.checkpoints.first_bad
    return VerificationPublic(
        ok=report.ok,
        entries=report.chain.entries,
        first_broken_seq=report.chain.first_broken_seq,
        reason=report.reason,
        checkpoints_checked=report.checkpoints.checked,
        first_bad_checkpoint=None
        if bad is None
        else BadCheckpointPublic(number=bad.number, seq=bad.seq, reason=bad.reason),
    )
