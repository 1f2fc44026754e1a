"""SDMX-ML 2.1 Structure messages, through sdmx1 where it can write the artefact.

Codelists, concept schemes, category schemes, categorisations, agency and data provider schemes,
data structures and dataflows are rebuilt as sdmx1 objects (``build_artefacts``) and written by
sdmx1's SDMX-ML 2.1 writer; the few things it writes that the 2.1 XSD refuses are repaired on the
element tree before serialising:

- ``DimensionList``/``AttributeList``/``MeasureList`` get their fixed ids (sdmx1 writes ``id=""``);
- nested categories are nested elements (sdmx1 writes ``str:Parent``, which ``CategoryType``
  forbids), and a categorisation's target names a nested category by its path (``G5.T5_3``);
- agency and data provider schemes say ``isFinal="false"`` (fixed by the XSD);
- annotation URLs are written (sdmx1 drops ``AnnotationURL``); ``textType`` uses the XSD spelling.

Provision agreements (sdmx1 has no writer: ``NoWriterImplementation``) and content constraints are
written here. sdmx1 does write constraints, but cannot write an attachment to a provision agreement,
writes one ``ConstraintAttachment`` per target (the XSD allows one holding them all), drops a member
selection's ``include`` and holds a single ``DataKeySet``. Stubs are written here too: sdmx1 skips
external references when writing a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lxml import etree
from sdmx.format.xml.v21 import qname
from sdmx.writer.xml import Element
from sdmx.writer.xml import writer as sdmx1_writer

from voicescount.sdmx.data import Header
from voicescount.sdmx.structure_writers import StructureEntry
from voicescount.sdmx.structure_writers.common import (
    ORGANISATION_SCHEMES,
    attachment_targets,
    by_type,
    constraint_role,
    data_type,
    is_partial,
    prepared_record,
    sdmx_id,
    utc,
    xml_bytes,
)
from voicescount.sdmx.structures import (
    URN_CLASS,
    ArtefactRecord,
    ComponentRecord,
    build_artefacts,
    parse_ref,
    urn,
)
from voicescount.types import ArtefactType

#: Container of each artefact type, in the order ``StructuresType`` prescribes.
CONTAINERS: tuple[tuple[str, tuple[ArtefactType, ...]], ...] = (
    ("OrganisationSchemes", (ArtefactType.AGENCYSCHEME, ArtefactType.DATAPROVIDERSCHEME)),
    ("Dataflows", (ArtefactType.DATAFLOW,)),
    ("CategorySchemes", (ArtefactType.CATEGORYSCHEME,)),
    ("Categorisations", (ArtefactType.CATEGORISATION,)),
    ("Codelists", (ArtefactType.CODELIST,)),
    ("Concepts", (ArtefactType.CONCEPTSCHEME,)),
    ("DataStructures", (ArtefactType.DATASTRUCTURE,)),
    ("Constraints", (ArtefactType.CONTENTCONSTRAINT,)),
    ("ProvisionAgreements", (ArtefactType.PROVISIONAGREEMENT,)),
)

#: Element name of each artefact type.
TAGS: dict[ArtefactType, str] = {
    ArtefactType.AGENCYSCHEME: "AgencyScheme",
    ArtefactType.CATEGORISATION: "Categorisation",
    ArtefactType.CATEGORYSCHEME: "CategoryScheme",
    ArtefactType.CODELIST: "Codelist",
    ArtefactType.CONCEPTSCHEME: "ConceptScheme",
    ArtefactType.CONTENTCONSTRAINT: "ContentConstraint",
    ArtefactType.DATAFLOW: "Dataflow",
    ArtefactType.DATAPROVIDERSCHEME: "DataProviderScheme",
    ArtefactType.DATASTRUCTURE: "DataStructure",
    ArtefactType.PROVISIONAGREEMENT: "ProvisionAgreement",
}

#: ``Ref`` package and class of a reference to each maintainable type (constraint attachments).
_REF_CLASS: dict[ArtefactType, tuple[str, str]] = {
    ArtefactType.DATAFLOW: ("datastructure", "Dataflow"),
    ArtefactType.DATASTRUCTURE: ("datastructure", "DataStructure"),
    ArtefactType.PROVISIONAGREEMENT: ("registry", "ProvisionAgreement"),
}

_WRITTEN_HERE = frozenset({ArtefactType.PROVISIONAGREEMENT, ArtefactType.CONTENTCONSTRAINT})
_LIST_IDS = {
    "DimensionList": "DimensionDescriptor",
    "AttributeList": "AttributeDescriptor",
    "MeasureList": "MeasureDescriptor",
}
# Annotations that carry a URL get this id prefix while sdmx1 writes them, so they can be found.
_URL_MARK = "vc-url-"
_XML_LANG = qname("xml", "lang")


def write_ml21(entries: Sequence[StructureEntry], header: Header) -> bytes:
    """An SDMX-ML 2.1 ``mes:Structure`` message with the entries, in XSD container order."""
    root = Element("mes:Structure")
    root.append(_header(header))
    structures = etree.SubElement(root, qname("mes:Structures"))
    groups = by_type(entries)
    for container_tag, kinds in CONTAINERS:
        group = [entry for kind in kinds for entry in groups.get(kind, [])]
        if group:
            container = etree.SubElement(structures, qname(f"str:{container_tag}"))
            container.extend(artefact_element(entry) for entry in group)
    return xml_bytes(root)


def _header(header: Header) -> etree._Element:
    elem = Element("mes:Header")
    etree.SubElement(elem, qname("mes:ID")).text = sdmx_id(header.id)
    etree.SubElement(elem, qname("mes:Test")).text = str(header.test).lower()
    etree.SubElement(elem, qname("mes:Prepared")).text = utc(header.prepared).isoformat()
    etree.SubElement(elem, qname("mes:Sender"), id=sdmx_id(header.sender))
    return elem


def artefact_element(entry: StructureEntry) -> etree._Element:
    """The ``str:…`` element of one entry."""
    record = prepared_record(entry)
    if entry.stub is not None:
        return _stub(record, entry)
    if record.type is ArtefactType.PROVISIONAGREEMENT:
        return _provision_agreement(record)
    if record.type is ArtefactType.CONTENTCONSTRAINT:
        return _constraint(record)
    return _through_sdmx1(record, partial=is_partial(entry))


# --------------------------------------------------------------------------------------------
# Through sdmx1


def _through_sdmx1(record: ArtefactRecord, *, partial: bool) -> etree._Element:
    # One artefact at a time: build_artefacts adds missing items to schemes that other
    # artefacts refer to, which would put foreign items into a partial scheme written alongside.
    built = build_artefacts([_for_sdmx1(record)])
    obj = built.by_ref[(record.type.value, record.ref)]
    if partial:
        obj.is_partial = True
    elem = sdmx1_writer.recurse(obj)
    _repair(elem, record)
    return elem


def _for_sdmx1(record: ArtefactRecord) -> ArtefactRecord:
    """The record with what sdmx1 needs to write valid SDMX-ML, and URL annotations marked."""
    marked = _mark_urls(record.annotations, "a")
    items = [
        replace(item, annotations=_mark_urls(item.annotations, f"i{n}"))
        if item.annotations
        else item
        for n, item in enumerate(record.items)
    ]
    return replace(
        record,
        annotations=marked,
        items=items,
        components=[_component_for_sdmx1(c) for c in record.components],
    )


def _component_for_sdmx1(component: ComponentRecord) -> ComponentRecord:
    # sdmx1 writes an attribute's relationship and assignmentStatus (both required by the XSD)
    # only when it has a usage status; a time dimension needs a TextFormat.
    if component.role == "attribute" and not component.assignment_status:
        return replace(component, assignment_status="Conditional")
    if component.role == "time_dimension" and not component.text_type:
        return replace(component, text_type="observationalTimePeriod")
    return component


def _mark_urls(annotations: list[dict[str, Any]], scope: str) -> list[dict[str, Any]]:
    result = []
    for n, annotation in enumerate(annotations):
        if annotation.get("url"):
            # The original id travels in the mark, so it can be restored.
            annotation = {**annotation, "id": f"{_URL_MARK}{scope}-{n}|{annotation.get('id', '')}"}
        result.append(annotation)
    return result


def _repair(elem: etree._Element, record: ArtefactRecord) -> None:
    if record.type in ORGANISATION_SCHEMES:
        elem.set("isFinal", "false")
    if record.type is ArtefactType.DATASTRUCTURE:
        _repair_dsd(elem)
    if record.type is ArtefactType.CATEGORYSCHEME:
        _nest_categories(elem)
    if record.type is ArtefactType.CATEGORISATION and record.details.get("category"):
        target = elem.find(f"{qname('str:Target')}/Ref")
        if target is not None:
            target.set("id", parse_ref(record.details["category"]).item or target.get("id", ""))
    if record.type in (ArtefactType.DATASTRUCTURE, ArtefactType.CONCEPTSCHEME):
        for text_format in elem.iter(qname("str:TextFormat")):
            if text_format.get("textType"):
                text_format.set("textType", data_type(text_format.get("textType", "")))
    _restore_urls(elem, record)


def _repair_dsd(elem: etree._Element) -> None:
    components = elem.find(qname("str:DataStructureComponents"))
    if components is None:
        return
    for child in list(components):
        name = etree.QName(child).localname
        if name in _LIST_IDS:
            child.set("id", _LIST_IDS[name])
            # An attribute list without attributes is invalid; a DSD may have none.
            if name == "AttributeList" and len(child) == 0:
                components.remove(child)


def _nest_categories(scheme: etree._Element) -> None:
    category_tag = qname("str:Category")
    parent_tag = qname("str:Parent")
    by_id: dict[str, etree._Element] = {}
    for category in list(scheme.iterchildren(category_tag)):
        by_id[category.get("id", "")] = category
        parent = category.find(parent_tag)
        if parent is None:
            continue
        ref = parent.find("Ref")
        category.remove(parent)
        container = by_id.get(ref.get("id", "") if ref is not None else "")
        if container is not None:
            # Children come after the parent's names, which sdmx1 already wrote.
            container.append(category)


def _restore_urls(elem: etree._Element, record: ArtefactRecord) -> None:
    urls: dict[str, str] = {}
    for n, annotation in enumerate(record.annotations):
        if annotation.get("url"):
            urls[f"{_URL_MARK}a-{n}"] = annotation["url"]
    for i, item in enumerate(record.items):
        for n, annotation in enumerate(item.annotations):
            if annotation.get("url"):
                urls[f"{_URL_MARK}i{i}-{n}"] = annotation["url"]
    if not urls:
        return
    for annotation in elem.iter(qname("com:Annotation")):
        mark = annotation.get("id", "")
        if not mark.startswith(_URL_MARK):
            continue
        key, _, original = mark.partition("|")
        if original:
            annotation.set("id", original)
        else:
            del annotation.attrib["id"]
        url = etree.Element(qname("com:AnnotationURL"))
        url.text = urls[key]
        # AnnotationURL follows AnnotationTitle and AnnotationType, precedes AnnotationText.
        text = annotation.find(qname("com:AnnotationText"))
        if text is None:
            annotation.append(url)
        else:
            text.addprevious(url)


# --------------------------------------------------------------------------------------------
# Written here


def _maintainable(record: ArtefactRecord, *, external: bool = False) -> etree._Element:
    """A maintainable's element with identification, annotations, names and descriptions."""
    is_final = record.is_final and record.type not in ORGANISATION_SCHEMES
    elem = Element(
        f"str:{TAGS[record.type]}",
        id=record.id,
        urn=urn(record.type, record.agency, record.id, record.version),
        isExternalReference=str(external).lower(),
        isFinal=str(is_final).lower(),
        agencyID=record.agency,
        version=record.version,
    )
    if record.type is ArtefactType.CONTENTCONSTRAINT:
        # Written on stubs too: without it the XSD default says Actual.
        elem.set("type", constraint_role(record.details))
    if record.annotations:
        elem.append(_annotations(record.annotations))
    _texts(elem, "com:Name", record.names)
    _texts(elem, "com:Description", record.descriptions)
    return elem


def _texts(parent: etree._Element, tag: str, values: dict[str, str]) -> None:
    for lang, text in values.items():
        child = etree.SubElement(parent, qname(tag))
        child.set(_XML_LANG, lang)
        child.text = text


def _annotations(annotations: list[dict[str, Any]]) -> etree._Element:
    container = Element("com:Annotations")
    for annotation in annotations:
        elem = etree.SubElement(container, qname("com:Annotation"))
        if annotation.get("id"):
            elem.set("id", annotation["id"])
        for key, tag in (("title", "AnnotationTitle"), ("type", "AnnotationType")):
            if annotation.get(key):
                etree.SubElement(elem, qname(f"com:{tag}")).text = annotation[key]
        if annotation.get("url"):
            etree.SubElement(elem, qname("com:AnnotationURL")).text = annotation["url"]
        _texts(elem, "com:AnnotationText", annotation.get("text", {}))
    return container


def _stub(record: ArtefactRecord, entry: StructureEntry) -> etree._Element:
    elem = _maintainable(record, external=True)
    if entry.structure_url:
        elem.set("structureURL", entry.structure_url)
    if record.type is ArtefactType.PROVISIONAGREEMENT:
        _pa_references(elem, record)
    if record.type is ArtefactType.CATEGORISATION:
        _categorisation_references(elem, record)
    return elem


def _categorisation_references(elem: etree._Element, record: ArtefactRecord) -> None:
    target, category = record.details.get("artefact"), record.details.get("category")
    if not (target and category):
        return
    kind = ArtefactType(target["type"])
    parsed = parse_ref(target["ref"])
    package, cls = _REF_CLASS.get(kind) or URN_CLASS[kind]
    holder = etree.SubElement(elem, qname("str:Source"))
    etree.SubElement(
        holder,
        "Ref",
        id=parsed.id,
        version=parsed.version,
        agencyID=parsed.agency,
        package=package,
        **{"class": cls},
    )
    category_ref = parse_ref(category)
    holder = etree.SubElement(elem, qname("str:Target"))
    etree.SubElement(
        holder,
        "Ref",
        id=category_ref.item or "",
        maintainableParentID=category_ref.id,
        maintainableParentVersion=category_ref.version,
        agencyID=category_ref.agency,
        package="categoryscheme",
        **{"class": "Category"},
    )


def _maintainable_ref(parent: etree._Element, tag: str, kind: ArtefactType, ref: str) -> None:
    parsed = parse_ref(ref)
    package, cls = _REF_CLASS[kind]
    holder = etree.SubElement(parent, qname(tag))
    etree.SubElement(
        holder,
        "Ref",
        id=parsed.id,
        version=parsed.version,
        agencyID=parsed.agency,
        package=package,
        **{"class": cls},
    )


def _provision_agreement(record: ArtefactRecord) -> etree._Element:
    elem = _maintainable(record)
    _pa_references(elem, record)
    return elem


def _pa_references(elem: etree._Element, record: ArtefactRecord) -> None:
    details = record.details
    if details.get("dataflow"):
        _maintainable_ref(elem, "str:StructureUsage", ArtefactType.DATAFLOW, details["dataflow"])
    if details.get("data_provider"):
        provider = parse_ref(details["data_provider"])
        holder = etree.SubElement(elem, qname("str:DataProvider"))
        etree.SubElement(
            holder,
            "Ref",
            id=provider.item or "",
            maintainableParentID=provider.id,
            maintainableParentVersion=provider.version,
            agencyID=provider.agency,
            package="base",
            **{"class": "DataProvider"},
        )


def _constraint(record: ArtefactRecord) -> etree._Element:
    details = record.details
    elem = _maintainable(record)
    kind, refs = attachment_targets(details)
    if kind is not None:
        attachment = etree.SubElement(elem, qname("str:ConstraintAttachment"))
        for ref in refs:
            _maintainable_ref(
                attachment, f"str:{TAGS[ArtefactType(kind)]}", ArtefactType(kind), ref
            )
    for key_set in details.get("key_sets") or []:
        elem.append(_key_set(key_set))
    for region in details.get("cube_regions") or []:
        elem.append(_cube_region(region))
    return elem


def _key_set(key_set: dict[str, Any]) -> etree._Element:
    elem = Element("str:DataKeySet", isIncluded=str(key_set.get("included", True)).lower())
    for key in key_set.get("keys", []):
        key_elem = etree.SubElement(elem, qname("str:Key"))
        for dim_id, value in key.items():
            key_value = etree.SubElement(key_elem, qname("com:KeyValue"), id=dim_id)
            etree.SubElement(key_value, qname("com:Value")).text = value
    return elem


def _cube_region(region: dict[str, Any]) -> etree._Element:
    elem = Element("str:CubeRegion", include=str(region.get("included", True)).lower())
    for dim_id, selection in region.get("members", {}).items():
        key_value = etree.SubElement(elem, qname("com:KeyValue"), id=dim_id)
        if not selection.get("included", True):
            key_value.set("include", "false")
        for value in selection.get("values", []):
            etree.SubElement(key_value, qname("com:Value")).text = value
    return elem
