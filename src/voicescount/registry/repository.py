"""Queries over the structure tables, and the conversion between rows and structure records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert
from sqlmodel import Session, col, select

from voicescount.sdmx.structures import ArtefactRecord, ComponentRecord, ItemRecord
from voicescount.storage.tables import DsdComponent, StructureArtefact, StructureItem
from voicescount.types import ArtefactType

#: Rows per INSERT batch: large enough to be quick, small enough for SQLite's variable limit.
BATCH = 2000


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Order versions numerically part by part (``1.10`` after ``1.9``, ``1.0.0`` after ``1.0``)."""
    parts = re.split(r"[.]", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def find_artefacts(
    session: Session,
    *,
    artefact_type: str | None = None,
    agency: str | None = None,
    artefact_id: str | None = None,
    version: str | None = None,
    latest: bool = False,
) -> list[StructureArtefact]:
    """Artefacts matching the given parts (``None`` = any); ``latest`` keeps the newest of each."""
    statement = select(StructureArtefact)
    if artefact_type:
        statement = statement.where(StructureArtefact.artefact_type == artefact_type)
    if agency:
        statement = statement.where(StructureArtefact.agency_id == agency)
    if artefact_id:
        statement = statement.where(StructureArtefact.artefact_id == artefact_id)
    if version and not latest:
        statement = statement.where(StructureArtefact.version == version)
    rows = list(session.exec(statement))
    if latest:
        newest: dict[tuple[str, str, str], StructureArtefact] = {}
        for row in rows:
            key = (row.artefact_type, row.agency_id, row.artefact_id)
            if key not in newest or version_key(row.version) > version_key(newest[key].version):
                newest[key] = row
        rows = list(newest.values())
    return sorted(
        rows,
        key=lambda r: (r.artefact_type, r.agency_id, r.artefact_id, version_key(r.version)),
    )


def get_artefact(
    session: Session, artefact_type: str, agency: str, artefact_id: str, version: str
) -> StructureArtefact | None:
    return session.exec(
        select(StructureArtefact).where(
            StructureArtefact.artefact_type == artefact_type,
            StructureArtefact.agency_id == agency,
            StructureArtefact.artefact_id == artefact_id,
            StructureArtefact.version == version,
        )
    ).first()


def item_ids(session: Session, artefact_pk: int) -> set[str]:
    statement = select(StructureItem.item_id).where(StructureItem.artefact_pk == artefact_pk)
    return set(session.exec(statement))


def items(
    session: Session,
    artefact_pk: int,
    *,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[StructureItem]:
    statement = (
        select(StructureItem)
        .where(StructureItem.artefact_pk == artefact_pk)
        .order_by(col(StructureItem.position))
    )
    if ids is not None:
        statement = statement.where(col(StructureItem.item_id).in_(list(ids)))
    if limit is not None:
        statement = statement.offset(offset).limit(limit)
    return list(session.exec(statement))


def count_items(session: Session, artefact_pk: int) -> int:
    statement = (
        select(func.count())
        .select_from(StructureItem)
        .where(StructureItem.artefact_pk == artefact_pk)
    )
    return int(session.exec(statement).one())


def components(session: Session, artefact_pk: int) -> list[DsdComponent]:
    """A DSD's components: dimensions (time last), then attributes, then measures."""
    statement = select(DsdComponent).where(DsdComponent.artefact_pk == artefact_pk)
    return sorted(session.exec(statement), key=_component_order)


def insert_record(session: Session, record: ArtefactRecord, *, origin: str) -> StructureArtefact:
    """Store one artefact with its items and components, items in bulk."""
    row = StructureArtefact(
        artefact_type=record.type.value,
        agency_id=record.agency,
        artefact_id=record.id,
        version=record.version,
        is_final=record.is_final,
        names=record.names,
        descriptions=record.descriptions,
        annotations=record.annotations,
        details=record.details,
        origin=origin,
        content_hash=record.content_hash(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    _bulk_insert(
        session,
        StructureItem,
        (
            {
                "artefact_pk": row.id,
                "item_id": item.id,
                "parent_id": item.parent,
                "position": position,
                "names": item.names,
                "descriptions": item.descriptions,
                "annotations": item.annotations,
                "details": item.details,
            }
            for position, item in enumerate(record.items)
        ),
    )
    _bulk_insert(
        session,
        DsdComponent,
        (
            {
                "artefact_pk": row.id,
                "component_id": component.id,
                "role": component.role,
                "position": component.position,
                "concept": component.concept,
                "codelist": component.codelist,
                "text_type": component.text_type,
                "assignment_status": component.assignment_status,
                "attachment": component.attachment,
            }
            for component in record.components
        ),
    )
    return row


def delete_artefact(session: Session, row: StructureArtefact) -> None:
    session.exec(delete(StructureItem).where(col(StructureItem.artefact_pk) == row.id))  # type: ignore[call-overload]
    session.exec(delete(DsdComponent).where(col(DsdComponent.artefact_pk) == row.id))  # type: ignore[call-overload]
    session.delete(row)
    session.flush()


def _bulk_insert(session: Session, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for values in rows:
        batch.append(values)
        if len(batch) >= BATCH:
            session.execute(insert(table), batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)


def record_of_row(session: Session, row: StructureArtefact) -> ArtefactRecord:
    """Rebuild the structure record of a stored artefact (items and components included)."""
    assert row.id is not None
    return ArtefactRecord(
        type=ArtefactType(row.artefact_type),
        agency=row.agency_id,
        id=row.artefact_id,
        version=row.version,
        is_final=row.is_final,
        names=dict(row.names),
        descriptions=dict(row.descriptions),
        annotations=list(row.annotations),
        details=dict(row.details),
        items=[
            ItemRecord(
                id=item.item_id,
                parent=item.parent_id,
                names=dict(item.names),
                descriptions=dict(item.descriptions),
                annotations=list(item.annotations),
                details=dict(item.details),
            )
            for item in items(session, row.id)
        ],
        components=[
            ComponentRecord(
                id=c.component_id,
                role=c.role,
                position=c.position,
                concept=c.concept,
                codelist=c.codelist,
                text_type=c.text_type,
                assignment_status=c.assignment_status,
                attachment=dict(c.attachment),
            )
            for c in components(session, row.id)
        ],
    )


_ROLE_ORDER = {"dimension": 0, "time_dimension": 0, "attribute": 1, "measure": 2}


def _component_order(component: DsdComponent) -> tuple[int, int]:
    return (_ROLE_ORDER.get(component.role, 3), component.position)
