"""What the three structure writers share: which record to write for an entry, and small helpers.

:func:`prepared_record` turns a :class:`StructureEntry` into the record that is actually written
(stubs emptied, partial schemes cut down, texts made writable), so the writers themselves only
serialise. Records come from two sources that spell a few things differently (sdmx1's
``FacetValueType`` names such as ``observationalTimePeriod`` versus SDMX-ML's ``String``), and
the writers must not fail on either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sdmx.model.common import FacetValueType

from voicescount.sdmx.structure_writers import StructureEntry
from voicescount.sdmx.structures import ArtefactRecord, ItemRecord
from voicescount.types import ArtefactType

#: SDMX-JSON 2.0 ``meta.schema``: pysdmx recognises the message by this URL near the top.
JSON_STRUCTURE_SCHEMA = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/tools/"
    "schemas/2.0.0/sdmx-json-structure-schema.json"
)

#: Item class and package of each item scheme type, for item URNs (SDMX 2.1 Section 5).
ITEM_URN_CLASS: dict[ArtefactType, tuple[str, str]] = {
    ArtefactType.AGENCYSCHEME: ("base", "Agency"),
    ArtefactType.CATEGORYSCHEME: ("categoryscheme", "Category"),
    ArtefactType.CODELIST: ("codelist", "Code"),
    ArtefactType.CONCEPTSCHEME: ("conceptscheme", "Concept"),
    ArtefactType.DATAPROVIDERSCHEME: ("base", "DataProvider"),
}

#: Organisation schemes: SDMX fixes their id per type and gives them no version of their own
#: (SDMX-ML 3.0 prohibits the attribute; 2.1 fixes it to 1.0 and isFinal to false).
ORGANISATION_SCHEMES = frozenset({ArtefactType.AGENCYSCHEME, ArtefactType.DATAPROVIDERSCHEME})

#: The declaration every SDMX-ML message starts with, in the usual double-quoted spelling (lxml
#: would write single quotes); pysdmx recognises XML only if the body starts with "<?xml".
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def xml_bytes(root: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


# Characters XML 1.0 cannot carry at all; lxml refuses them, so they are dropped from free text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ID_CHARS = re.compile(r"[^A-Za-z0-9_@$\-]")

# FacetValueType names (sdmx1) → SDMX-ML/JSON data type spelling; ucfirst except acronyms.
_FACET_NAMES = {member.name.lower(): member.name for member in FacetValueType}
_DATA_TYPE_SPECIAL = {"uri": "URI", "xhtml": "XHTML"}


def facet_name(text_type: str) -> str:
    """The ``FacetValueType`` member name (``observationalTimePeriod``) for either spelling."""
    try:
        return _FACET_NAMES[text_type.lower()]
    except KeyError:
        raise ValueError(f"unknown SDMX text type {text_type!r}") from None


def data_type(text_type: str) -> str:
    """The SDMX-ML ``textType`` / SDMX-JSON ``dataType`` spelling (``ObservationalTimePeriod``)."""
    name = facet_name(text_type)
    return _DATA_TYPE_SPECIAL.get(name.lower(), name[0].upper() + name[1:])


def sdmx_id(value: str, fallback: str = "ID") -> str:
    """``value`` as an SDMX IDType (header ids and senders come from request data)."""
    cleaned = _ID_CHARS.sub("_", value)
    return cleaned or fallback


def utc(moment: datetime) -> datetime:
    """Timestamps with a zone: SDMX-JSON requires one, and naive ones are ambiguous."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value) if _NOT_XML.search(value) else value


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {lang: xml_text(text) for lang, text in values.items() if text}


def _names(values: dict[str, str], fallback: str) -> dict[str, str]:
    # Name is mandatory in every format; an unnamed artefact is named by its id.
    return _texts(values) or {"en": fallback}


def _annotations(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for annotation in values:
        cleaned = {k: xml_text(v) if isinstance(v, str) else v for k, v in annotation.items()}
        if "text" in cleaned:
            cleaned["text"] = _texts(cleaned["text"])
        result.append(cleaned)
    return result


def _writable(values: dict[str, str]) -> bool:
    return all(text and not _NOT_XML.search(text) for text in values.values())


def _item(item: ItemRecord) -> ItemRecord:
    # Most items need nothing; copying thousands of them costs more than checking.
    if (
        item.names
        and _writable(item.names)
        and _writable(item.descriptions)
        and not item.annotations
        and not item.details.get("text_type")
    ):
        return item
    details = item.details
    if details.get("text_type"):
        details = {**details, "text_type": facet_name(details["text_type"])}
    return replace(
        item,
        names=_names(item.names, item.id),
        descriptions=_texts(item.descriptions),
        annotations=_annotations(item.annotations),
        details=details,
    )


def select_items(items: list[ItemRecord], wanted: Iterable[str]) -> list[ItemRecord]:
    """``wanted`` items and their ancestors, in the original order (parents before children)."""
    # A nested category may be asked for by its path (G5.T5_3): its own id is the last part.
    keep = {value.rsplit(".", 1)[-1] for value in wanted}
    parents = {item.id: item.parent for item in items}
    for item_id in list(keep):
        parent = parents.get(item_id)
        while parent is not None and parent not in keep:
            keep.add(parent)
            parent = parents.get(parent)
    return [item for item in items if item.id in keep]


_STUBS_KEEP_DETAILS = frozenset({ArtefactType.PROVISIONAGREEMENT, ArtefactType.CATEGORISATION})


def prepared_record(entry: StructureEntry) -> ArtefactRecord:
    """The record as it is written: stubbed, cut to its partial items, texts made writable."""
    record = entry.record
    if entry.stub is not None:
        complete = entry.stub == "completestub"
        # Provision agreements keep their two references (both XSDs require them, even in
        # stubs), categorisations theirs (pysdmx cannot read one without its source and target).
        # A constraint keeps its role: Allowed and Actual constraints are different things
        # (pysdmx even reads them into different classes).
        if record.type in _STUBS_KEEP_DETAILS:
            details = dict(record.details)
        elif record.type is ArtefactType.CONTENTCONSTRAINT:
            details = {"role": record.details.get("role")}
        else:
            details = {}
        return replace(
            record,
            names=_names(record.names, record.id),
            descriptions=_texts(record.descriptions) if complete else {},
            annotations=_annotations(record.annotations) if complete else [],
            details=details,
            items=[],
            components=[],
        )
    items = record.items
    if entry.partial_items is not None:
        items = select_items(items, entry.partial_items)
    return replace(
        record,
        names=_names(record.names, record.id),
        descriptions=_texts(record.descriptions),
        annotations=_annotations(record.annotations),
        items=[_item(item) for item in items],
        components=[
            replace(c, text_type=facet_name(c.text_type) if c.text_type else None)
            for c in record.components
        ],
    )


def is_partial(entry: StructureEntry) -> bool:
    return entry.stub is None and entry.partial_items is not None


def item_urn(kind: ArtefactType, ref: str) -> str:
    """URN of an item given as ``AGENCY:SCHEME(VERSION).ITEM`` (nested categories: ``.A.B``)."""
    package, cls = ITEM_URN_CLASS[kind]
    return f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={ref}"


def children_of(items: list[ItemRecord]) -> dict[str | None, list[ItemRecord]]:
    """Items grouped by parent id (``None``: top level); a parent missing from ``items`` makes
    its children top-level, so nothing is lost when a scheme is partial."""
    ids = {item.id for item in items}
    tree: dict[str | None, list[ItemRecord]] = {}
    for item in items:
        parent = item.parent if item.parent in ids else None
        tree.setdefault(parent, []).append(item)
    return tree


def languages(records: Iterable[ArtefactRecord]) -> list[str]:
    """Every language used by a name or description, for SDMX-JSON ``contentLanguages``."""
    seen: dict[str, None] = {}

    def add(values: dict[str, str]) -> None:
        for lang in values:
            seen.setdefault(lang, None)

    for record in records:
        add(record.names)
        add(record.descriptions)
        for item in record.items:
            add(item.names)
            add(item.descriptions)
    return list(seen)


def constraint_role(details: dict[str, Any]) -> str:
    """``Allowed`` or ``Actual``, as SDMX-ML and SDMX-JSON spell the role (sdmx1: allowable)."""
    return "Actual" if (details.get("role") or "allowable").lower() == "actual" else "Allowed"


def attachment_targets(details: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(artefact type, refs) a constraint is attached to.

    SDMX-ML and SDMX-JSON attach a constraint to artefacts of one type only (a choice in the
    schemas), so a record that mixes types is refused rather than written invalid.
    """
    targets = details.get("attachment") or []
    kinds = {target["type"] for target in targets}
    if len(kinds) > 1:
        raise ValueError(f"a constraint attaches to artefacts of one type, not {sorted(kinds)}")
    return (kinds.pop() if kinds else None), [target["ref"] for target in targets]


def by_type(entries: Iterable[StructureEntry]) -> dict[ArtefactType, list[StructureEntry]]:
    """Entries grouped by artefact type (each format writes one container per type, in its own
    order), keeping their order within a type."""
    groups: dict[ArtefactType, list[StructureEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.record.type, []).append(entry)
    return groups
