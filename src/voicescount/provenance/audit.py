"""An append-only audit log kept as a hash chain.

Each entry's hash covers its own content and the previous entry's hash, so altering, deleting or
reordering any entry breaks every hash after it; :func:`verify` recomputes the chain and names the
first entry that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, select

from voicescount.storage.tables import AuditEntry
from voicescount.storage.types import utcnow

GENESIS_HASH = "0" * 64


def entry_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON form of the entry (sorted keys, no whitespace, UTF-8)."""
    canonical = json.dumps(
        {
            "seq": seq,
            "occurred_at": occurred_at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the chain within the caller's transaction (it commits with the change)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never claim the same sequence number.
        session.exec(text("SELECT pg_advisory_xact_lock(7405163)"))  # type: ignore[call-overload]
    last = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()  # type: ignore[attr-defined]
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS_HASH if last is None else last.entry_hash
    occurred_at = utcnow()
    payload = json.loads(json.dumps(details or {}, default=str))
    entry = AuditEntry(
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        subject=subject,
        details=payload,
        prev_hash=prev_hash,
        entry_hash=entry_hash(
            seq=seq,
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            subject=subject,
            details=payload,
            prev_hash=prev_hash,
        ),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify`: ``ok``, how many entries were checked, and the first break."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify(session: Session, *, batch_size: int = 5000) -> Verification:
    """Recompute the whole chain in order and report the first entry that does not fit."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    statement = select(AuditEntry).order_by(AuditEntry.seq)  # type: ignore[arg-type]
    for entry in session.exec(statement.execution_options(yield_per=batch_size)):
        if entry.seq != expected_seq:
            return Verification(
                False, checked, expected_seq, f"entry {expected_seq} is missing (found {entry.seq})"
            )
        if entry.prev_hash != expected_prev:
            return Verification(
                False, checked, entry.seq, "prev_hash does not match the previous entry's hash"
            )
        recomputed = entry_hash(
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=entry.details,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            return Verification(False, checked, entry.seq, "content does not match its hash")
        expected_prev = entry.entry_hash
        expected_seq += 1
        checked += 1
    return Verification(True, checked)


def count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEntry)).one())
