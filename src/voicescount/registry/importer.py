"""Import SDMX-ML structure messages into the registry: all of a message, or nothing.

A message is read with sdmx1, flattened into records, and checked as a whole against itself and
the registry before anything is written: every reference must resolve (in the message or already
registered), item hierarchies must be sound, and a final artefact that is already registered may
only be re-sent unchanged. The first problem found for each artefact is reported with the
artefact's reference, and the store is left untouched.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sdmx
from sdmx.message import StructureMessage
from sqlmodel import Session

from voicescount.errors import PayloadTooLarge, StructureError
from voicescount.registry import repository
from voicescount.sdmx.structures import ArtefactRecord, parse_ref, records_from_message
from voicescount.types import ArtefactType

#: SDMX IDType (SDMX-ML 2.1 common.xsd), and the version pattern of SDMX 2.1 / 3.0 artefacts.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_@$\-]+$")
AGENCY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z][A-Za-z0-9_\-]*)*$")
VERSION_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.]+)?$")


@dataclass
class ImportReport:
    """What an import did, artefact by artefact (``AGENCY:ID(VERSION)`` labels)."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"added": self.added, "replaced": self.replaced, "unchanged": self.unchanged}


def read_structure_message(data: bytes, *, max_bytes: int | None = None) -> StructureMessage:
    """Parse an SDMX-ML structure message, refusing what is not one (with a reason)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The structure message has {len(data):,} bytes; the limit is {max_bytes:,}."
        )
    head = data[:4096].lstrip()
    if not head.startswith(b"<"):
        raise StructureError("The body is not XML: expected an SDMX-ML 2.1 structure message.")
    # Entity declarations are never needed in SDMX-ML and are the vector of entity-expansion
    # and external-entity attacks, so a document that declares any is refused outright.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StructureError("Document type and entity declarations are not accepted in SDMX-ML.")
    try:
        message = sdmx.read_sdmx(io.BytesIO(data), format="XML")
    except Exception as exc:  # sdmx1 raises many types; each means "not readable SDMX-ML"
        raise StructureError(f"The message cannot be read as SDMX-ML: {_short(exc)}") from exc
    if not isinstance(message, StructureMessage):
        raise StructureError(
            f"Expected an SDMX-ML structure message, got a {type(message).__name__}."
        )
    return message


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


class _Resolver:
    """Answers 'does this artefact (and item) exist?' from the message first, then the registry."""

    def __init__(self, session: Session, records: Iterable[ArtefactRecord]) -> None:
        self.session = session
        self.in_message: dict[tuple[str, str], ArtefactRecord] = {
            (r.type.value, r.ref): r for r in records
        }
        self._registered_items: dict[tuple[str, str], set[str] | None] = {}

    def artefact_exists(self, kind: str, ref: str) -> bool:
        return (kind, ref) in self.in_message or self._registered(kind, ref) is not None

    def item_exists(self, kind: str, ref: str, item: str) -> bool:
        record = self.in_message.get((kind, ref))
        if record is not None:
            return item in {i.id for i in record.items}
        ids = self._registered(kind, ref)
        return ids is not None and item in ids

    def _registered(self, kind: str, ref: str) -> set[str] | None:
        if (kind, ref) not in self._registered_items:
            parsed = parse_ref(ref)
            row = repository.get_artefact(
                self.session, kind, parsed.agency, parsed.id, parsed.version
            )
            self._registered_items[(kind, ref)] = (
                None if row is None or row.id is None else repository.item_ids(self.session, row.id)
            )
        return self._registered_items[(kind, ref)]


def check_records(
    session: Session, records: list[ArtefactRecord], *, reserved_agencies: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Every problem with ``records`` as ``{"artefact", "message"}``, in message order."""
    problems: list[dict[str, Any]] = []
    reserved = set(reserved_agencies)
    seen: set[tuple[str, ...]] = set()
    resolver = _Resolver(session, records)
    for record in records:

        def problem(message: str, record: ArtefactRecord = record) -> None:
            problems.append({"artefact": record.label, "message": message})

        if record.key in seen:
            problem("appears twice in the message")
        seen.add(record.key)
        if not AGENCY_PATTERN.match(record.agency or ""):
            problem(f"maintenance agency {record.agency!r} is not a valid SDMX agency id")
        if record.agency in reserved:
            problem(f"agency {record.agency!r} is reserved for voicescount's own structures")
        if not ID_PATTERN.match(record.id):
            problem(f"id {record.id!r} is not a valid SDMX id")
        if not VERSION_PATTERN.match(record.version):
            problem(f"version {record.version!r} is not a valid SDMX version")
        _check_items(record, problem)
        _check_components(record, resolver, problem)
        _check_references(record, resolver, problem)
    return problems


def _check_items(record: ArtefactRecord, problem: Any) -> None:
    ids = [item.id for item in record.items]
    known = set(ids)
    if len(known) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        problem(f"item ids repeated: {', '.join(duplicates[:10])}")
    for item in record.items:
        if not ID_PATTERN.match(item.id):
            problem(f"item id {item.id!r} is not a valid SDMX id")
        if item.parent is not None and item.parent not in known:
            problem(f"item {item.id!r} has parent {item.parent!r}, which is not in the scheme")
    if record.type is ArtefactType.CODELIST:
        _check_cycles(record, problem)


def _check_cycles(record: ArtefactRecord, problem: Any) -> None:
    parents = {item.id: item.parent for item in record.items}
    for start in parents:
        seen = {start}
        current = parents.get(start)
        while current is not None:
            if current in seen:
                problem(f"code {start!r} is its own ancestor (a cycle in the hierarchy)")
                return
            seen.add(current)
            current = parents.get(current)


def _check_components(record: ArtefactRecord, resolver: _Resolver, problem: Any) -> None:
    if record.type is not ArtefactType.DATASTRUCTURE:
        return
    roles = [c.role for c in record.components]
    if "dimension" not in roles:
        problem("has no dimensions")
    if "measure" not in roles:
        problem("has no primary measure")
    for component in record.components:
        concept = parse_ref(component.concept)
        if concept.agency == "?":
            problem(f"component {component.id} has no concept identity")
        elif not resolver.artefact_exists(ArtefactType.CONCEPTSCHEME.value, concept.maintainable):
            problem(
                f"component {component.id} refers to concept scheme {concept.maintainable}, "
                "which is neither in the message nor registered"
            )
        elif concept.item and not resolver.item_exists(
            ArtefactType.CONCEPTSCHEME.value, concept.maintainable, concept.item
        ):
            problem(
                f"component {component.id} refers to concept {concept.item}, "
                f"which concept scheme {concept.maintainable} does not hold"
            )
        if component.codelist and not resolver.artefact_exists(
            ArtefactType.CODELIST.value, component.codelist
        ):
            problem(
                f"component {component.id} is coded by {component.codelist}, "
                "which is neither in the message nor registered"
            )


def _check_references(record: ArtefactRecord, resolver: _Resolver, problem: Any) -> None:
    if record.type is ArtefactType.DATASTRUCTURE:
        return  # components are checked one by one above, with better messages
    for kind, ref in record.references():
        if not resolver.artefact_exists(kind, ref):
            problem(f"refers to {kind} {ref}, which is neither in the message nor registered")
    for key in ("data_provider", "category"):
        value = record.details.get(key)
        if value:
            parsed = parse_ref(value)
            kind = (
                ArtefactType.DATAPROVIDERSCHEME
                if key == "data_provider"
                else ArtefactType.CATEGORYSCHEME
            ).value
            item = (parsed.item or "").rsplit(".", 1)[-1]
            if resolver.artefact_exists(kind, parsed.maintainable) and not resolver.item_exists(
                kind, parsed.maintainable, item
            ):
                problem(f"refers to {value}, which {parsed.maintainable} does not hold")


def store_records(
    session: Session,
    records: list[ArtefactRecord],
    *,
    origin: str,
    reserved_agencies: Iterable[str] = (),
) -> ImportReport:
    """Check and store ``records`` in the caller's transaction; raise before writing anything."""
    if not records:
        raise StructureError("The message defines no structures (dataflows, codelists, DSDs…).")
    problems = check_records(session, records, reserved_agencies=reserved_agencies)
    report = ImportReport()
    replacements = []
    for record in records:
        existing = repository.get_artefact(session, *record.key)
        if existing is None:
            continue
        if existing.content_hash == record.content_hash():
            continue
        if existing.is_final:
            problems.append(
                {
                    "artefact": record.label,
                    "message": "is final and already registered with different content; "
                    "publish the change under a new version",
                }
            )
        else:
            replacements.append(existing)
    if problems:
        first = problems[0]
        raise StructureError(
            f"The structure message was refused: {first['artefact']} {first['message']}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
            + ". Nothing was changed.",
            artefact=first["artefact"],
            errors=problems,
        )
    replaced = {(r.artefact_type, r.agency_id, r.artefact_id, r.version) for r in replacements}
    for row in replacements:
        repository.delete_artefact(session, row)
    for record in records:
        existing = repository.get_artefact(session, *record.key)
        if existing is not None:
            report.unchanged.append(record.label)
            continue
        repository.insert_record(session, record, origin=origin)
        (report.replaced if record.key in replaced else report.added).append(record.label)
    session.flush()
    return report


def import_message(
    session: Session,
    data: bytes,
    *,
    origin: str = "import",
    reserved_agencies: Iterable[str] = (),
    max_bytes: int | None = None,
) -> ImportReport:
    """Read, check and store a structure message (the caller commits)."""
    message = read_structure_message(data, max_bytes=max_bytes)
    records = records_from_message(message)
    return store_records(session, records, origin=origin, reserved_agencies=reserved_agencies)
