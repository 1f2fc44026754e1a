"""Use cases of the structure registry: load the SDG structures, import national ones, look up."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlmodel import Session

from voicescount.errors import InvalidInput, NotFound
from voicescount.provenance import audit
from voicescount.registry import importer, repository, sdg, voices
from voicescount.registry.importer import ImportReport
from voicescount.storage.tables import DsdComponent, StructureArtefact, StructureItem
from voicescount.types import ArtefactType

GLOBAL_STRUCTURES_FILE = "sdg-global-structures.xml"

#: Keywords SDMX-REST accepts for "the newest version".
LATEST = frozenset({"latest", "~", "+"})


def load_structures(session: Session, *, agency: str, actor: str = "system") -> dict[str, Any]:
    """Load the global SDG structures and build voicescount's own; unchanged ones are skipped."""
    data = (
        resources.files("voicescount.registry.data").joinpath(GLOBAL_STRUCTURES_FILE).read_bytes()
    )
    global_report = importer.import_message(session, data, origin="sdg-global")
    own_report = store_own_structures(session, agency)
    changed = global_report.added + global_report.replaced + own_report.added + own_report.replaced
    if changed:
        audit.append(
            session,
            actor=actor,
            action="registry.load",
            subject="registry:sdg",
            details={
                "added": global_report.added + own_report.added,
                "replaced": global_report.replaced + own_report.replaced,
            },
        )
    session.commit()
    return {"global": global_report.as_dict(), "voicescount": own_report.as_dict()}


def store_own_structures(session: Session, agency: str) -> ImportReport:
    """voicescount's structures, in a new generation when coalitions defined new series.

    Final artefacts never change: a community series added since the current generation makes
    CL_SERIES differ, so CL_SERIES, the DSD, the dataflows and their categorisations are stored
    again one minor version up (1.0.0 → 1.1.0), and the older versions stay as they were.
    """
    generation = voices.current_generation(session, agency)
    records = voices.build_records(session, agency, generation or 0)
    if generation is not None:
        series = next(r for r in records if r.id == "CL_SERIES")
        stored = repository.get_artefact(session, *series.key)
        if stored is not None and stored.content_hash != series.content_hash():
            records = voices.build_records(session, agency, generation + 1)
    return importer.store_records(session, records, origin="voicescount")


def load_registry(session: Session, *, agency: str, actor: str = "system") -> dict[str, Any]:
    """Everything ``make run`` needs: the SDG structures, ours, and the SDG framework."""
    report = load_structures(session, agency=agency, actor=actor)
    report["framework"] = sdg.load_framework(session)
    return report


def import_structures(
    session: Session, data: bytes, *, agency: str, actor: str, max_bytes: int | None = None
) -> ImportReport:
    """Import an NSO's structure message; nothing is stored unless all of it is sound."""
    report = importer.import_message(
        session, data, origin="import", reserved_agencies=[agency], max_bytes=max_bytes
    )
    if report.added or report.replaced:
        audit.append(
            session,
            actor=actor,
            action="registry.import",
            subject="registry:import",
            details=report.as_dict(),
        )
    session.commit()
    return report


@dataclass
class StructureView:
    """One artefact with (a page of) its items and, for a DSD, its components."""

    artefact: StructureArtefact
    items: list[StructureItem]
    item_count: int
    components: list[DsdComponent]


def parse_type(value: str) -> ArtefactType:
    try:
        return ArtefactType(value.lower())
    except ValueError as exc:
        choices = ", ".join(t.value for t in ArtefactType)
        raise InvalidInput(f"Unknown structure type '{value}'; use one of: {choices}.") from exc


def list_structures(
    session: Session,
    *,
    artefact_type: ArtefactType | None = None,
    agency: str | None = None,
    artefact_id: str | None = None,
    latest: bool = False,
) -> list[StructureArtefact]:
    return repository.find_artefacts(
        session,
        artefact_type=artefact_type.value if artefact_type else None,
        agency=agency,
        artefact_id=artefact_id,
        latest=latest,
    )


def get_structure(
    session: Session,
    artefact_type: ArtefactType,
    agency: str,
    artefact_id: str,
    version: str,
    *,
    item_ids: list[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> StructureView:
    """An artefact by its full reference; ``version`` may be ``latest`` (or ``~``/``+``)."""
    rows = repository.find_artefacts(
        session,
        artefact_type=artefact_type.value,
        agency=agency,
        artefact_id=artefact_id,
        version=None if version.lower() in LATEST else version,
        latest=version.lower() in LATEST,
    )
    if not rows:
        raise NotFound(artefact_type.value, f"{agency}:{artefact_id}({version})")
    row = rows[-1]
    assert row.id is not None
    return StructureView(
        artefact=row,
        items=repository.items(session, row.id, ids=item_ids, limit=limit, offset=offset),
        item_count=repository.count_items(session, row.id),
        components=repository.components(session, row.id),
    )
