"""SDMX-JSON 2.0.0 Structure messages, written from the records.

The message is ``{"meta": {...}, "data": {"codelists": [...], ...}}``. ``meta.schema`` comes first
because pysdmx recognises SDMX-JSON structure messages only by finding the schema URL in the
first few hundred characters. Every localised text is written twice, as the best match for the
requested language (``name``) and as all languages (``names``), the way SDMX-JSON 2.0 and FMR do;
references are URNs (nested categories by path). Cube region values are ``{"value": ...}``
objects (the schema also allows bare strings, pysdmx reads only objects).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from voicescount.sdmx.data import Header
from voicescount.sdmx.structure_writers import StructureEntry
from voicescount.sdmx.structure_writers.common import (
    JSON_STRUCTURE_SCHEMA,
    ORGANISATION_SCHEMES,
    attachment_targets,
    by_type,
    children_of,
    constraint_role,
    data_type,
    is_partial,
    item_urn,
    languages,
    prepared_record,
    sdmx_id,
    utc,
)
from voicescount.sdmx.structure_writers.ml30 import urn30
from voicescount.sdmx.structures import ArtefactRecord, ComponentRecord, ItemRecord
from voicescount.types import ArtefactType

#: ``data`` member of each artefact type, in the order the schema lists them.
MEMBERS: tuple[tuple[ArtefactType, str], ...] = (
    (ArtefactType.DATASTRUCTURE, "dataStructures"),
    (ArtefactType.CATEGORYSCHEME, "categorySchemes"),
    (ArtefactType.CONCEPTSCHEME, "conceptSchemes"),
    (ArtefactType.CODELIST, "codelists"),
    (ArtefactType.AGENCYSCHEME, "agencySchemes"),
    (ArtefactType.DATAPROVIDERSCHEME, "dataProviderSchemes"),
    (ArtefactType.DATAFLOW, "dataflows"),
    (ArtefactType.PROVISIONAGREEMENT, "provisionAgreements"),
    (ArtefactType.CATEGORISATION, "categorisations"),
    (ArtefactType.CONTENTCONSTRAINT, "dataConstraints"),
)
#: Items member of each item scheme type.
ITEMS: dict[ArtefactType, str] = {
    ArtefactType.AGENCYSCHEME: "agencies",
    ArtefactType.CATEGORYSCHEME: "categories",
    ArtefactType.CODELIST: "codes",
    ArtefactType.CONCEPTSCHEME: "concepts",
    ArtefactType.DATAPROVIDERSCHEME: "dataProviders",
}
#: ``constraintAttachment`` member for each attached artefact type.
_ATTACHMENT_MEMBER = {
    ArtefactType.DATAFLOW.value: "dataflows",
    ArtefactType.DATASTRUCTURE.value: "dataStructures",
    ArtefactType.PROVISIONAGREEMENT.value: "provisionAgreements",
}


def write_json20(
    entries: Sequence[StructureEntry], header: Header, *, language: str = "en"
) -> bytes:
    """An SDMX-JSON 2.0.0 structure message; ``language`` picks the best-match texts."""
    records = [prepared_record(entry) for entry in entries]
    prepared = {id(entry): record for entry, record in zip(entries, records, strict=True)}
    content_languages = _ordered_languages(languages(records), language)
    writer = _Writer(content_languages[0])
    data: dict[str, list[dict[str, Any]]] = {}
    groups = by_type(entries)
    for kind, member in MEMBERS:
        if kind in groups:
            data[member] = [writer.artefact(prepared[id(entry)], entry) for entry in groups[kind]]
    message = {
        "meta": {
            "schema": JSON_STRUCTURE_SCHEMA,
            "id": sdmx_id(header.id),
            "test": header.test,
            "prepared": utc(header.prepared).isoformat(),
            "contentLanguages": content_languages,
            "sender": {"id": sdmx_id(header.sender)},
        },
        "data": data,
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _ordered_languages(used: list[str], preferred: str) -> list[str]:
    # The first content language is the one best-match texts are in (SDMX-JSON field guide).
    if preferred in used or not used:
        return [preferred, *(lang for lang in used if lang != preferred)]
    return used


class _Writer:
    def __init__(self, language: str) -> None:
        self.language = language

    def best(self, values: dict[str, str]) -> str:
        if self.language in values:
            return values[self.language]
        return values.get("en") or next(iter(values.values()))

    def nameable(
        self,
        target: dict[str, Any],
        names: dict[str, str],
        descriptions: dict[str, str],
        annotations: list[dict[str, Any]],
    ) -> dict[str, Any]:
        target["name"] = self.best(names)
        target["names"] = names
        if descriptions:
            target["description"] = self.best(descriptions)
            target["descriptions"] = descriptions
        if annotations:
            target["annotations"] = [self.annotation(a) for a in annotations]
        return target

    def annotation(self, annotation: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key in ("id", "title", "type"):
            if annotation.get(key):
                result[key] = annotation[key]
        if annotation.get("text"):
            result["text"] = self.best(annotation["text"])
            result["texts"] = annotation["text"]
        if annotation.get("url"):
            # pysdmx reads an annotation's URL from its "self" link.
            result["links"] = [{"rel": "self", "href": annotation["url"]}]
        return result

    def artefact(self, record: ArtefactRecord, entry: StructureEntry) -> dict[str, Any]:
        result: dict[str, Any] = {"id": record.id, "agencyID": record.agency}
        # Organisation schemes have no version of their own; the schema allows only "1.0".
        if record.type not in ORGANISATION_SCHEMES or record.version == "1.0":
            result["version"] = record.version
        result["isExternalReference"] = entry.stub is not None
        if is_partial(entry):
            result["isPartial"] = True
        self.nameable(result, record.names, record.descriptions, record.annotations)
        link: dict[str, str] = {"rel": "self", "urn": urn30(record.type, record.ref)}
        if entry.stub is not None and entry.structure_url:
            link["href"] = entry.structure_url
        link["type"] = record.type.value
        result["links"] = [link]
        # What a stub keeps of its content (see common.prepared_record).
        if record.type is ArtefactType.PROVISIONAGREEMENT:
            result.update(_provision_agreement(record))
        if record.type is ArtefactType.CATEGORISATION:
            result.update(_categorisation(record.details))
        if record.type is ArtefactType.CONTENTCONSTRAINT:
            result["role"] = constraint_role(record.details)
        if entry.stub is not None and record.type is ArtefactType.DATASTRUCTURE:
            # pysdmx fails on a DSD without components; an empty dimension list is valid.
            result["dataStructureComponents"] = {"dimensionList": {"id": "DimensionDescriptor"}}
        if entry.stub is None:
            result.update(self.content(record))
        return result

    def content(self, record: ArtefactRecord) -> dict[str, Any]:
        kind, details = record.type, record.details
        if kind in ITEMS:
            items = self.items(record)
            return {ITEMS[kind]: items} if items else {}
        if kind is ArtefactType.DATASTRUCTURE:
            return {"dataStructureComponents": _components(record.components)}
        if kind is ArtefactType.DATAFLOW and details.get("structure"):
            return {"structure": urn30(ArtefactType.DATASTRUCTURE, details["structure"])}
        if kind is ArtefactType.CONTENTCONSTRAINT:
            return _constraint(details)
        return {}

    def items(self, record: ArtefactRecord) -> list[dict[str, Any]]:
        if record.type is ArtefactType.CATEGORYSCHEME:
            return self.categories(children_of(record.items), None)
        result = []
        for item in record.items:
            entry = self.nameable({"id": item.id}, item.names, item.descriptions, item.annotations)
            if item.parent and record.type in (ArtefactType.CODELIST, ArtefactType.CONCEPTSCHEME):
                entry["parent"] = item.parent
            if record.type is ArtefactType.CONCEPTSCHEME:
                representation = _concept_representation(item)
                if representation:
                    entry["coreRepresentation"] = representation
            result.append(entry)
        return result

    def categories(
        self, tree: dict[str | None, list[ItemRecord]], parent: str | None
    ) -> list[dict[str, Any]]:
        result = []
        for item in tree.get(parent, []):
            entry = self.nameable({"id": item.id}, item.names, item.descriptions, item.annotations)
            children = self.categories(tree, item.id)
            if children:
                entry["categories"] = children
            result.append(entry)
        return result


def _concept_representation(item: ItemRecord) -> dict[str, Any] | None:
    if item.details.get("codelist"):
        return {"enumeration": urn30(ArtefactType.CODELIST, item.details["codelist"])}
    if item.details.get("text_type"):
        return {"format": {"dataType": data_type(item.details["text_type"])}}
    return None


def _representation(component: ComponentRecord) -> dict[str, Any] | None:
    if component.codelist:
        return {"enumeration": urn30(ArtefactType.CODELIST, component.codelist)}
    if component.text_type:
        return {"format": {"dataType": data_type(component.text_type)}}
    return None


def _component(component: ComponentRecord, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"id": component.id, **extra}
    result["conceptIdentity"] = item_urn(ArtefactType.CONCEPTSCHEME, component.concept)
    representation = _representation(component)
    if representation:
        result["localRepresentation"] = representation
    return result


def _components(components: list[ComponentRecord]) -> dict[str, Any]:
    ordered = sorted(components, key=lambda c: c.position)
    dimension_list: dict[str, Any] = {
        "id": "DimensionDescriptor",
        "dimensions": [
            _component(c, position=c.position) for c in ordered if c.role == "dimension"
        ],
    }
    for component in (c for c in ordered if c.role == "time_dimension"):
        time = _component(component)
        # The schema requires a time format; a DSD read without one is observational time.
        time.setdefault("localRepresentation", {"format": {"dataType": "ObservationalTimePeriod"}})
        dimension_list["timeDimension"] = time
    result: dict[str, Any] = {"dimensionList": dimension_list}
    attributes = [_attribute(c) for c in ordered if c.role == "attribute"]
    if attributes:
        result["attributeList"] = {"id": "AttributeDescriptor", "attributes": attributes}
    measures = [_component(c) for c in ordered if c.role == "measure"]
    if measures:
        result["measureList"] = {"id": "MeasureDescriptor", "measures": measures}
    return result


def _attribute(component: ComponentRecord) -> dict[str, Any]:
    mandatory = (component.assignment_status or "").lower() == "mandatory"
    result = _component(component, usage="mandatory" if mandatory else "optional")
    attachment = component.attachment
    if attachment.get("dimensions"):
        relationship: dict[str, Any] = {"dimensions": list(attachment["dimensions"])}
    elif attachment.get("level") == "observation":
        relationship = {"observation": {}}
    else:
        # Data set level; group attachments too, as in the SDMX-ML writers.
        relationship = {"dataflow": {}}
    result["attributeRelationship"] = relationship
    return result


def _provision_agreement(record: ArtefactRecord) -> dict[str, Any]:
    details = record.details
    result = {}
    if details.get("dataflow"):
        result["dataflow"] = urn30(ArtefactType.DATAFLOW, details["dataflow"])
    if details.get("data_provider"):
        result["dataProvider"] = item_urn(ArtefactType.DATAPROVIDERSCHEME, details["data_provider"])
    return result


def _categorisation(details: dict[str, Any]) -> dict[str, Any]:
    target = details.get("artefact")
    if not (target and details.get("category")):
        return {}
    return {
        "source": urn30(ArtefactType(target["type"]), target["ref"]),
        "target": item_urn(ArtefactType.CATEGORYSCHEME, details["category"]),
    }


def _constraint(details: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    kind, refs = attachment_targets(details)
    if kind is not None:
        result["constraintAttachment"] = {
            _ATTACHMENT_MEMBER[kind]: [urn30(ArtefactType(kind), ref) for ref in refs]
        }
    key_sets = [
        {
            "isIncluded": bool(key_set.get("included", True)),
            "keys": [
                {"keyValues": [{"id": dim, "value": value} for dim, value in key.items()]}
                for key in key_set.get("keys", [])
            ],
        }
        for key_set in details.get("key_sets") or []
        if key_set.get("keys")
    ]
    if key_sets:
        result["dataKeySets"] = key_sets
    regions = [_cube_region(region) for region in details.get("cube_regions") or []]
    if regions:
        result["cubeRegions"] = regions
    return result


def _cube_region(region: dict[str, Any]) -> dict[str, Any]:
    key_values = []
    for dim_id, selection in region.get("members", {}).items():
        key_value: dict[str, Any] = {"id": dim_id}
        if not selection.get("included", True):
            key_value["include"] = False
        key_value["values"] = [{"value": value} for value in selection.get("values", [])]
        key_values.append(key_value)
    result: dict[str, Any] = {"include": bool(region.get("included", True))}
    if key_values:
        result["keyValues"] = key_values
    return result
