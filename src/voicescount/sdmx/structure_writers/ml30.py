"""SDMX-ML 3.0 Structure messages, written from the records (sdmx1 writes SDMX-ML 2.1 only).

What differs from 2.1, and why the output looks the way it does:

- containers are one per artefact type in alphabetical order (``str:AgencySchemes``,
  ``str:Categorisations``, …) and content constraints are ``str:DataConstraint`` with ``role``;
- every reference is a URN in element text, items by ``…(VERSION).ITEM`` (nested categories by
  path); there are no ``Ref`` elements;
- ``isFinal`` is gone (3.0 versions say it) and organisation schemes have no ``version`` attribute;
- attributes have ``usage`` (``mandatory``/``optional``) and relate to ``str:Dimension`` ids,
  ``str:Observation`` or ``str:Dataflow`` (the data set); the measure is ``str:Measure``;
- codes and concepts name their parent by id in ``str:Parent``; categories nest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree

from voicescount.sdmx.data import Header
from voicescount.sdmx.structure_writers import StructureEntry
from voicescount.sdmx.structure_writers.common import (
    ORGANISATION_SCHEMES,
    attachment_targets,
    by_type,
    children_of,
    constraint_role,
    data_type,
    is_partial,
    item_urn,
    prepared_record,
    sdmx_id,
    utc,
    xml_bytes,
)
from voicescount.sdmx.structures import (
    URN_CLASS,
    ArtefactRecord,
    ComponentRecord,
    ItemRecord,
    parse_ref,
)
from voicescount.types import ArtefactType

_BASE = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0"
NS = {
    "mes": f"{_BASE}/message",
    "str": f"{_BASE}/structure",
    "com": f"{_BASE}/common",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Container and element of each artefact type, containers in ``StructuresType`` order.
CONTAINERS: tuple[tuple[ArtefactType, str, str], ...] = (
    (ArtefactType.AGENCYSCHEME, "AgencySchemes", "AgencyScheme"),
    (ArtefactType.CATEGORISATION, "Categorisations", "Categorisation"),
    (ArtefactType.CATEGORYSCHEME, "CategorySchemes", "CategoryScheme"),
    (ArtefactType.CODELIST, "Codelists", "Codelist"),
    (ArtefactType.CONCEPTSCHEME, "ConceptSchemes", "ConceptScheme"),
    (ArtefactType.CONTENTCONSTRAINT, "DataConstraints", "DataConstraint"),
    (ArtefactType.DATAFLOW, "Dataflows", "Dataflow"),
    (ArtefactType.DATAPROVIDERSCHEME, "DataProviderSchemes", "DataProviderScheme"),
    (ArtefactType.DATASTRUCTURE, "DataStructures", "DataStructure"),
    (ArtefactType.PROVISIONAGREEMENT, "ProvisionAgreements", "ProvisionAgreement"),
)
_TAG = {kind: tag for kind, _, tag in CONTAINERS}
_ITEM_TAG = {
    ArtefactType.AGENCYSCHEME: "Agency",
    ArtefactType.CATEGORYSCHEME: "Category",
    ArtefactType.CODELIST: "Code",
    ArtefactType.CONCEPTSCHEME: "Concept",
    ArtefactType.DATAPROVIDERSCHEME: "DataProvider",
}
#: SDMX-ML 3.0.0 types a code's or concept's ``Parent`` as an NCName, so a parent id starting
#: with a digit (M49 area codes: ``15``) cannot be written; such codes are written without their
#: parent (top-level) to keep the message valid, since pysdmx validates SDMX-ML by default. The
#: hierarchy survives in SDMX-ML 2.1 and SDMX-JSON (and 3.1 widened the type to IDType).
_NCNAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
#: SDMX 3.0 renamed the ContentConstraint class; its URNs say DataConstraint.
_URN_CLASS_30 = {**URN_CLASS, ArtefactType.CONTENTCONSTRAINT: ("registry", "DataConstraint")}


def _q(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{NS[prefix]}}}{local}"


# Qualified names are computed once: the writer creates tens of thousands of elements.
_Q: dict[str, str] = {}


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrib: str) -> Any:
    tag = _Q.get(name) or _Q.setdefault(name, _q(name))
    elem = etree.SubElement(parent, tag, attrib)
    if text is not None:
        elem.text = text
    return elem


def urn30(kind: ArtefactType, ref: str) -> str:
    """SDMX 3.0 URN of the maintainable ``ref`` (``AGENCY:ID(VERSION)``) of type ``kind``."""
    package, cls = _URN_CLASS_30[kind]
    return f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={parse_ref(ref).maintainable}"


def write_ml30(entries: Sequence[StructureEntry], header: Header) -> bytes:
    """An SDMX-ML 3.0 ``mes:Structure`` message with the entries, in XSD container order."""
    root = etree.Element(_q("mes:Structure"), nsmap=NS)
    head = _sub(root, "mes:Header")
    _sub(head, "mes:ID", sdmx_id(header.id))
    _sub(head, "mes:Test", str(header.test).lower())
    _sub(head, "mes:Prepared", utc(header.prepared).isoformat())
    _sub(head, "mes:Sender", id=sdmx_id(header.sender))
    structures = _sub(root, "mes:Structures")
    groups = by_type(entries)
    for kind, container_tag, _tag in CONTAINERS:
        if kind in groups:
            container = _sub(structures, f"str:{container_tag}")
            for entry in groups[kind]:
                _artefact(container, entry)
    return xml_bytes(root)


def _artefact(container: etree._Element, entry: StructureEntry) -> None:
    record = prepared_record(entry)
    elem = _maintainable(container, record, entry)
    kind = record.type
    # What a stub keeps of its content (see common.prepared_record).
    if kind is ArtefactType.PROVISIONAGREEMENT:
        _provision_agreement(elem, record)
    elif kind is ArtefactType.CATEGORISATION:
        _categorisation(elem, record)
    if entry.stub is not None:
        return
    if kind in _ITEM_TAG:
        _items(elem, record)
    elif kind is ArtefactType.DATASTRUCTURE:
        _data_structure(elem, record)
    elif kind is ArtefactType.DATAFLOW and record.details.get("structure"):
        _sub(elem, "str:Structure", urn30(ArtefactType.DATASTRUCTURE, record.details["structure"]))
    elif kind is ArtefactType.CONTENTCONSTRAINT:
        _constraint(elem, record)


def _maintainable(
    container: etree._Element, record: ArtefactRecord, entry: StructureEntry
) -> etree._Element:
    attrib = {
        "id": record.id,
        "urn": urn30(record.type, record.ref),
        "agencyID": record.agency,
        "isExternalReference": str(entry.stub is not None).lower(),
    }
    # Organisation schemes have no version in 3.0 (their URNs keep 1.0).
    if record.type not in ORGANISATION_SCHEMES:
        attrib["version"] = record.version
    if entry.stub is not None and entry.structure_url:
        attrib["structureURL"] = entry.structure_url
    if is_partial(entry):
        attrib["isPartial"] = "true"
    if record.type is ArtefactType.CONTENTCONSTRAINT:
        attrib["role"] = constraint_role(record.details)
    elem = _sub(container, f"str:{_TAG[record.type]}", **attrib)
    _nameable(elem, record.names, record.descriptions, record.annotations)
    return elem


def _nameable(
    elem: etree._Element,
    names: dict[str, str],
    descriptions: dict[str, str],
    annotations: list[dict[str, Any]],
) -> None:
    if annotations:
        _annotations(elem, annotations)
    for lang, text in names.items():
        _sub(elem, "com:Name", text).set(_XML_LANG, lang)
    for lang, text in descriptions.items():
        _sub(elem, "com:Description", text).set(_XML_LANG, lang)


def _annotations(parent: etree._Element, annotations: list[dict[str, Any]]) -> None:
    container = _sub(parent, "com:Annotations")
    for annotation in annotations:
        elem = _sub(container, "com:Annotation")
        if annotation.get("id"):
            elem.set("id", annotation["id"])
        if annotation.get("title"):
            _sub(elem, "com:AnnotationTitle", annotation["title"])
        if annotation.get("type"):
            _sub(elem, "com:AnnotationType", annotation["type"])
        if annotation.get("url"):
            _sub(elem, "com:AnnotationURL", annotation["url"])
        for lang, text in annotation.get("text", {}).items():
            _sub(elem, "com:AnnotationText", text).set(_XML_LANG, lang)


# --------------------------------------------------------------------------------------------
# Item schemes


def _items(scheme: etree._Element, record: ArtefactRecord) -> None:
    tag = f"str:{_ITEM_TAG[record.type]}"
    if record.type is ArtefactType.CATEGORYSCHEME:
        tree = children_of(record.items)
        _categories(scheme, tree, None)
        return
    with_parent = record.type in (ArtefactType.CODELIST, ArtefactType.CONCEPTSCHEME)
    for item in record.items:
        elem = _sub(scheme, tag, id=item.id)
        _nameable(elem, item.names, item.descriptions, item.annotations)
        if with_parent and item.parent and _NCNAME.fullmatch(item.parent):
            _sub(elem, "str:Parent", item.parent)
        if record.type is ArtefactType.CONCEPTSCHEME:
            _core_representation(elem, item)


def _categories(
    parent: etree._Element, tree: dict[str | None, list[ItemRecord]], parent_id: str | None
) -> None:
    for item in tree.get(parent_id, []):
        elem = _sub(parent, "str:Category", id=item.id)
        _nameable(elem, item.names, item.descriptions, item.annotations)
        _categories(elem, tree, item.id)


def _core_representation(concept: etree._Element, item: ItemRecord) -> None:
    codelist, text_type = item.details.get("codelist"), item.details.get("text_type")
    if codelist:
        rep = _sub(concept, "str:CoreRepresentation")
        _sub(rep, "str:Enumeration", urn30(ArtefactType.CODELIST, codelist))
    elif text_type:
        rep = _sub(concept, "str:CoreRepresentation")
        _sub(rep, "str:TextFormat", textType=data_type(text_type))


# --------------------------------------------------------------------------------------------
# Data structure


def _data_structure(elem: etree._Element, record: ArtefactRecord) -> None:
    by_role: dict[str, list[ComponentRecord]] = {}
    for component in sorted(record.components, key=lambda c: c.position):
        by_role.setdefault(component.role, []).append(component)
    components = _sub(elem, "str:DataStructureComponents")
    dimensions = _sub(components, "str:DimensionList", id="DimensionDescriptor")
    for component in by_role.get("dimension", []):
        dim = _sub(dimensions, "str:Dimension", id=component.id, position=str(component.position))
        _concept_and_representation(dim, component)
    for component in by_role.get("time_dimension", []):
        time = _sub(dimensions, "str:TimeDimension", id=component.id)
        _sub(time, "str:ConceptIdentity", item_urn(ArtefactType.CONCEPTSCHEME, component.concept))
        # The XSD requires a time format; a DSD read without one is observational time.
        rep = _sub(time, "str:LocalRepresentation")
        _sub(
            rep,
            "str:TextFormat",
            textType=data_type(component.text_type or "ObservationalTimePeriod"),
        )
    if by_role.get("attribute"):
        attributes = _sub(components, "str:AttributeList", id="AttributeDescriptor")
        for component in by_role["attribute"]:
            _attribute(attributes, component)
    if by_role.get("measure"):
        measures = _sub(components, "str:MeasureList", id="MeasureDescriptor")
        for component in by_role["measure"]:
            measure = _sub(measures, "str:Measure", id=component.id)
            _concept_and_representation(measure, component)


def _concept_and_representation(elem: etree._Element, component: ComponentRecord) -> None:
    _sub(elem, "str:ConceptIdentity", item_urn(ArtefactType.CONCEPTSCHEME, component.concept))
    if component.codelist:
        rep = _sub(elem, "str:LocalRepresentation")
        _sub(rep, "str:Enumeration", urn30(ArtefactType.CODELIST, component.codelist))
    elif component.text_type:
        rep = _sub(elem, "str:LocalRepresentation")
        _sub(rep, "str:TextFormat", textType=data_type(component.text_type))


def _attribute(attributes: etree._Element, component: ComponentRecord) -> None:
    # 3.0 replaced assignmentStatus Mandatory/Conditional by usage mandatory/optional.
    usage = (
        "mandatory" if (component.assignment_status or "").lower() == "mandatory" else "optional"
    )
    elem = _sub(attributes, "str:Attribute", id=component.id, usage=usage)
    _concept_and_representation(elem, component)
    relationship = _sub(elem, "str:AttributeRelationship")
    attachment = component.attachment
    if attachment.get("dimensions"):
        for dim_id in attachment["dimensions"]:
            _sub(relationship, "str:Dimension", dim_id)
    elif attachment.get("level") == "observation":
        _sub(relationship, "str:Observation")
    else:
        # Data set level (and group attachments: records keep no group definitions, so
        # build_artefacts and the 2.1 writer treat them the same way).
        _sub(relationship, "str:Dataflow")


# --------------------------------------------------------------------------------------------
# Categorisations, provision agreements, constraints


def _categorisation(elem: etree._Element, record: ArtefactRecord) -> None:
    details = record.details
    target = details.get("artefact")
    if target and details.get("category"):
        _sub(elem, "str:Source", urn30(ArtefactType(target["type"]), target["ref"]))
        _sub(elem, "str:Target", item_urn(ArtefactType.CATEGORYSCHEME, details["category"]))


def _provision_agreement(elem: etree._Element, record: ArtefactRecord) -> None:
    details = record.details
    if details.get("dataflow"):
        _sub(elem, "str:Dataflow", urn30(ArtefactType.DATAFLOW, details["dataflow"]))
    if details.get("data_provider"):
        _sub(
            elem,
            "str:DataProvider",
            item_urn(ArtefactType.DATAPROVIDERSCHEME, details["data_provider"]),
        )


def _constraint(elem: etree._Element, record: ArtefactRecord) -> None:
    details = record.details
    kind, refs = attachment_targets(details)
    if kind is not None:
        attachment = _sub(elem, "str:ConstraintAttachment")
        for ref in refs:
            _sub(attachment, f"str:{_TAG[ArtefactType(kind)]}", urn30(ArtefactType(kind), ref))
    for key_set in details.get("key_sets") or []:
        key_set_elem = _sub(
            elem, "str:DataKeySet", isIncluded=str(key_set.get("included", True)).lower()
        )
        for key in key_set.get("keys", []):
            key_elem = _sub(key_set_elem, "str:Key")
            for dim_id, value in key.items():
                _sub(_sub(key_elem, "str:KeyValue", id=dim_id), "str:Value", value)
    for region in details.get("cube_regions") or []:
        region_elem = _sub(
            elem, "str:CubeRegion", include=str(region.get("included", True)).lower()
        )
        for dim_id, selection in region.get("members", {}).items():
            member = _sub(region_elem, "str:KeyValue", id=dim_id)
            if not selection.get("included", True):
                member.set("include", "false")
            for value in selection.get("values", []):
                _sub(member, "str:Value", value)
