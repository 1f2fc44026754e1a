"""The hash-chained audit log: it verifies, and tampering in the database is caught where it happened.

Tampering goes straight to the tables through the engine (SQL UPDATE/DELETE), on a fresh database of
each backend so the shared store stays intact.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlmodel import Session, select

from tests.conftest import Store
from voicescount.access import service as access
from voicescount.provenance import audit
from voicescount.storage.tables import AuditEntry
from voicescount.types import OrgKind, Role

TABLE = AuditEntry.__table__  # type: ignore[attr-defined]

DETAILS: list[dict[str, Any]] = [
    {"name": "Coalition de Côte d'Ivoire", "kind": "data_provider"},
    {"rows": 1204, "ratio": 0.125, "ok": True, "nothing": None},
    {"nested": {"b": [1, 2, {"c": "ü"}], "a": "x"}},
    {},
    {"reason": "lost laptop"},
    {"holder": "Amina Odhiambo", "role": "submitter"},
]


def _fill(store: Store) -> list[AuditEntry]:
    with store.session() as session:
        for n, details in enumerate(DETAILS, start=1):
            audit.append(
                session, actor=f"key:{n:012x}", action="test.act", subject=f"t:{n}", details=details
            )
        session.commit()
    with store.session() as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))  # type: ignore[arg-type]


def _verify(store: Store) -> audit.Verification:
    with store.session() as session:
        return audit.verify(session)


def test_empty_log_verifies(fresh_store: Store) -> None:
    assert _verify(fresh_store) == audit.Verification(ok=True, entries=0)


def test_chain_links_each_entry_to_the_one_before(fresh_store: Store) -> None:
    entries = _fill(fresh_store)
    assert [e.seq for e in entries] == list(range(1, len(DETAILS) + 1))
    assert entries[0].prev_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    assert len({e.entry_hash for e in entries}) == len(entries)
    # Details come back as they went in, so the hash recomputes from what the database returns.
    assert [e.details for e in entries] == DETAILS
    for e in entries:
        assert e.entry_hash == audit.entry_hash(
            seq=e.seq,
            occurred_at=e.occurred_at,
            actor=e.actor,
            action=e.action,
            subject=e.subject,
            details=e.details,
            prev_hash=e.prev_hash,
        )
    result = _verify(fresh_store)
    assert result.ok
    assert result.entries == len(DETAILS)
    assert result.first_broken_seq is None


def test_access_actions_chain_and_verify(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        access.create_organisation(session, slug="NSO_KE", name="KNBS", kind=OrgKind.STEWARD)
        issued = access.create_key(
            session, organisation_slug="NSO_KE", role=Role.ADMIN, holder="admin"
        )
        access.revoke_key(session, key_id=issued.key.key_id, reason="rotated")
    with fresh_store.session() as session:
        actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.seq))]  # type: ignore[arg-type]
        assert actions == ["organisation.create", "key.create", "key.revoke"]
        assert audit.count(session) == 3
    assert _verify(fresh_store) == audit.Verification(ok=True, entries=3)


def test_entry_hash_is_sensitive_to_every_field(fresh_store: Store) -> None:
    entry = _fill(fresh_store)[2]
    fields = {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    assert audit.entry_hash(**fields) == entry.entry_hash
    changes = {
        "seq": entry.seq + 1,
        "occurred_at": entry.occurred_at + timedelta(microseconds=1),
        "actor": "key:someoneelse",
        "action": "test.other",
        "subject": "t:999",
        "details": {**entry.details, "extra": 1},
        "prev_hash": "f" * 64,
    }
    for name, value in changes.items():
        assert audit.entry_hash(**{**fields, name: value}) != entry.entry_hash, name


@pytest.mark.parametrize("seq", [1, 3, len(DETAILS)])
def test_altered_details_break_the_chain_at_that_entry(fresh_store: Store, seq: int) -> None:
    _fill(fresh_store)
    with fresh_store.engine.begin() as connection:
        changed = connection.execute(
            update(TABLE).where(TABLE.c.seq == seq).values(details={"name": "forged"})
        )
        assert changed.rowcount == 1
    result = _verify(fresh_store)
    assert not result.ok
    assert result.first_broken_seq == seq
    assert result.entries == seq - 1
    assert result.reason and "hash" in result.reason


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "key:000000000000"), ("action", "key.create"), ("subject", "t:forged")],
)
def test_altered_columns_break_the_chain(fresh_store: Store, column: str, value: str) -> None:
    _fill(fresh_store)
    with fresh_store.engine.begin() as connection:
        connection.execute(update(TABLE).where(TABLE.c.seq == 4).values({column: value}))
    result = _verify(fresh_store)
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_altered_timestamp_breaks_the_chain(fresh_store: Store) -> None:
    entries = _fill(fresh_store)
    with fresh_store.engine.begin() as connection:
        connection.execute(
            update(TABLE)
            .where(TABLE.c.seq == 2)
            .values(occurred_at=entries[1].occurred_at - timedelta(days=1))
        )
    result = _verify(fresh_store)
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_rehashing_an_altered_entry_moves_the_break_to_the_next(fresh_store: Store) -> None:
    entries = _fill(fresh_store)
    forged = entries[2]
    forged_details = {"name": "forged"}
    forged_hash = audit.entry_hash(
        seq=forged.seq,
        occurred_at=forged.occurred_at,
        actor=forged.actor,
        action=forged.action,
        subject=forged.subject,
        details=forged_details,
        prev_hash=forged.prev_hash,
    )
    with fresh_store.engine.begin() as connection:
        connection.execute(
            update(TABLE)
            .where(TABLE.c.seq == forged.seq)
            .values(details=forged_details, entry_hash=forged_hash)
        )
    result = _verify(fresh_store)
    assert not result.ok
    assert result.first_broken_seq == forged.seq + 1
    assert result.entries == forged.seq
    assert result.reason and "prev_hash" in result.reason


@pytest.mark.parametrize("seq", [1, 3])
def test_deleted_entry_breaks_the_chain_where_it_was(fresh_store: Store, seq: int) -> None:
    _fill(fresh_store)
    with fresh_store.engine.begin() as connection:
        assert connection.execute(delete(TABLE).where(TABLE.c.seq == seq)).rowcount == 1
    result = _verify(fresh_store)
    assert not result.ok
    assert result.first_broken_seq == seq
    assert result.entries == seq - 1
    assert result.reason and "missing" in result.reason


def test_deleted_and_renumbered_entries_still_break_the_chain(fresh_store: Store) -> None:
    # A careful forger closes the gap by renumbering what follows: the links still do not fit.
    _fill(fresh_store)
    with fresh_store.engine.begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.seq == 3))
        for seq in range(4, len(DETAILS) + 1):
            connection.execute(update(TABLE).where(TABLE.c.seq == seq).values(seq=seq - 1))
    result = _verify(fresh_store)
    assert (result.ok, result.first_broken_seq) == (False, 3)


@pytest.mark.parametrize(("a", "b"), [(2, 4), (1, 2), (5, 6)])
def test_swapped_entries_break_the_chain_at_the_first(fresh_store: Store, a: int, b: int) -> None:
    _fill(fresh_store)
    with fresh_store.engine.begin() as connection:
        # seq is the primary key: park one entry out of the way to swap them.
        connection.execute(update(TABLE).where(TABLE.c.seq == a).values(seq=-1))
        connection.execute(update(TABLE).where(TABLE.c.seq == b).values(seq=a))
        connection.execute(update(TABLE).where(TABLE.c.seq == -1).values(seq=b))
    with Session(fresh_store.engine) as session:
        assert audit.count(session) == len(DETAILS)
    result = _verify(fresh_store)
    assert not result.ok
    assert result.first_broken_seq == a
    assert result.entries == a - 1


def test_appending_after_a_verified_chain_keeps_it_verified(fresh_store: Store) -> None:
    _fill(fresh_store)
    with fresh_store.session() as session:
        entry = audit.append(session, actor="system", action="test.more", subject="t:more")
        session.commit()
        assert entry.seq == len(DETAILS) + 1
        assert entry.details == {}
    assert _verify(fresh_store) == audit.Verification(ok=True, entries=len(DETAILS) + 1)
