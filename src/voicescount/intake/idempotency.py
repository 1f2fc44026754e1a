"""``Idempotency-Key``: a retried request gets the first answer, never a second effect.

The first request with a key claims it (state ``processing``) in its own transaction, so a
concurrent retry sees the claim and is told to wait; when the first request finishes, its status
and body are stored and every later retry with the same key and the same request replays them.
The same key with a different request is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from voicescount.errors import Conflict, InvalidInput
from voicescount.storage.tables import IdempotencyRecord

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def fingerprint(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\x00")
    return hasher.hexdigest()


def claim(session: Session, organisation_id: int, key: str, print_: str) -> Replay | int:
    """The stored answer to replay, or the id of a new claim to :func:`complete` later."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"Idempotency-Key must hold 1 to {MAX_KEY_LENGTH} characters.",
            errors=[{"field": "Idempotency-Key", "message": "invalid length"}],
        )
    existing = _find(session, organisation_id, key)
    if existing is None:
        record = IdempotencyRecord(
            organisation_id=organisation_id, key=key, fingerprint=print_, state="processing"
        )
        session.add(record)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = _find(session, organisation_id, key)
        else:
            assert record.id is not None
            return record.id
    assert existing is not None
    if existing.fingerprint != print_:
        raise InvalidInput(
            "This Idempotency-Key was already used for a different request; use a new key.",
            errors=[{"field": "Idempotency-Key", "message": "reused for a different request"}],
        )
    if existing.state != "done" or existing.status_code is None:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry in a moment."
        )
    return Replay(existing.status_code, existing.response or {})


def complete(session: Session, claim_id: int, status_code: int, body: dict[str, Any]) -> None:
    record = session.get(IdempotencyRecord, claim_id)
    if record is None:
        return
    record.state = "done"
    record.status_code = status_code
    record.response = body
    session.add(record)
    session.commit()


def release(session: Session, claim_id: int) -> None:
    """Forget a claim whose request failed before it had an effect, so a retry can run."""
    record = session.get(IdempotencyRecord, claim_id)
    if record is not None:
        session.delete(record)
        session.commit()


def _find(session: Session, organisation_id: int, key: str) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.organisation_id == organisation_id, IdempotencyRecord.key == key
        )
    ).first()
