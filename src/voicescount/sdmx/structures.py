"""SDMX structures as plain records, and back: the seam between sdmx1's information model and storage.

:func:`records_from_message` flattens the maintainable artefacts of an sdmx1 ``StructureMessage`` into
:class:`ArtefactRecord` objects (with their items and DSD components) that the registry stores;
:func:`build_artefacts` rebuilds sdmx1 model objects from records, so the SDMX writers of sdmx1 can
serialise what the store holds. References between artefacts are kept as SDMX short references,
``AGENCY:ID(VERSION)`` for maintainables and ``AGENCY:ID(VERSION).ITEM`` for items.

This module knows SDMX only: no database, no web framework.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sdmx.model import common, v21, v30
from sdmx.model.internationalstring import InternationalString

from voicescount.types import ArtefactType

Key = tuple[str, str, str, str]  #: (artefact type, agency, id, version)

_REF = re.compile(r"^(?P<agency>[^:]+):(?P<id>[^(]+)\((?P<version>[^)]*)\)(?:\.(?P<item>.+))?$")

#: sdmx1 class → artefact type, for the maintainables the registry stores.
TYPE_OF_CLASS: dict[type, ArtefactType] = {
    # SDMX 3.0 classes (read from SDMX-ML 3.0 messages) map to the same types.
    v30.AgencyScheme: ArtefactType.AGENCYSCHEME,
    v30.Categorisation: ArtefactType.CATEGORISATION,
    v30.CategoryScheme: ArtefactType.CATEGORYSCHEME,
    v30.Codelist: ArtefactType.CODELIST,
    v30.ConceptScheme: ArtefactType.CONCEPTSCHEME,
    v30.DataConstraint: ArtefactType.CONTENTCONSTRAINT,
    v30.Dataflow: ArtefactType.DATAFLOW,
    v30.DataProviderScheme: ArtefactType.DATAPROVIDERSCHEME,
    v30.DataStructureDefinition: ArtefactType.DATASTRUCTURE,
    v30.ProvisionAgreement: ArtefactType.PROVISIONAGREEMENT,
    v21.AgencyScheme: ArtefactType.AGENCYSCHEME,
    v21.Categorisation: ArtefactType.CATEGORISATION,
    v21.CategoryScheme: ArtefactType.CATEGORYSCHEME,
    v21.Codelist: ArtefactType.CODELIST,
    v21.ConceptScheme: ArtefactType.CONCEPTSCHEME,
    v21.ContentConstraint: ArtefactType.CONTENTCONSTRAINT,
    v21.DataflowDefinition: ArtefactType.DATAFLOW,
    v21.DataProviderScheme: ArtefactType.DATAPROVIDERSCHEME,
    v21.DataStructureDefinition: ArtefactType.DATASTRUCTURE,
    v21.ProvisionAgreement: ArtefactType.PROVISIONAGREEMENT,
}
#: The SDMX 2.1 class of each type: what ``build_artefacts`` makes (sdmx1 writes 2.1).
CLASS_OF_TYPE: dict[ArtefactType, type] = {
    v: k
    for k, v in TYPE_OF_CLASS.items()
    if k.__module__.endswith("v21") or k.__module__.endswith("common")
}

#: Item class of each item scheme type.
ITEM_CLASS: dict[ArtefactType, type] = {
    ArtefactType.AGENCYSCHEME: common.Agency,
    ArtefactType.CATEGORYSCHEME: common.Category,
    ArtefactType.CODELIST: common.Code,
    ArtefactType.CONCEPTSCHEME: common.Concept,
    ArtefactType.DATAPROVIDERSCHEME: common.DataProvider,
}

#: Order in which artefacts can be built: each type refers only to types before it.
BUILD_ORDER: tuple[ArtefactType, ...] = (
    ArtefactType.AGENCYSCHEME,
    ArtefactType.CODELIST,
    ArtefactType.CONCEPTSCHEME,
    ArtefactType.CATEGORYSCHEME,
    ArtefactType.DATAPROVIDERSCHEME,
    ArtefactType.DATASTRUCTURE,
    ArtefactType.DATAFLOW,
    ArtefactType.PROVISIONAGREEMENT,
    ArtefactType.CATEGORISATION,
    ArtefactType.CONTENTCONSTRAINT,
)


#: SDMX URN package and class of each artefact type (SDMX 2.1 Section 5, "Identification").
URN_CLASS: dict[ArtefactType, tuple[str, str]] = {
    ArtefactType.AGENCYSCHEME: ("base", "AgencyScheme"),
    ArtefactType.CATEGORISATION: ("categoryscheme", "Categorisation"),
    ArtefactType.CATEGORYSCHEME: ("categoryscheme", "CategoryScheme"),
    ArtefactType.CODELIST: ("codelist", "Codelist"),
    ArtefactType.CONCEPTSCHEME: ("conceptscheme", "ConceptScheme"),
    ArtefactType.CONTENTCONSTRAINT: ("registry", "ContentConstraint"),
    ArtefactType.DATAFLOW: ("datastructure", "Dataflow"),
    ArtefactType.DATAPROVIDERSCHEME: ("base", "DataProviderScheme"),
    ArtefactType.DATASTRUCTURE: ("datastructure", "DataStructure"),
    ArtefactType.PROVISIONAGREEMENT: ("registry", "ProvisionAgreement"),
}


def urn(kind: ArtefactType, agency: str, artefact_id: str, version: str) -> str:
    """The SDMX URN of a maintainable artefact."""
    package, cls = URN_CLASS[kind]
    return f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={agency}:{artefact_id}({version})"


def short_ref(agency: str, artefact_id: str, version: str, item: str | None = None) -> str:
    """``AGENCY:ID(VERSION)`` or, for an item, ``AGENCY:ID(VERSION).ITEM``."""
    base = f"{agency}:{artefact_id}({version})"
    return f"{base}.{item}" if item else base


@dataclass(frozen=True)
class Ref:
    agency: str
    id: str
    version: str
    item: str | None = None

    def __str__(self) -> str:
        return short_ref(self.agency, self.id, self.version, self.item)

    @property
    def maintainable(self) -> str:
        return short_ref(self.agency, self.id, self.version)


def parse_ref(value: str) -> Ref:
    match = _REF.match(value)
    if not match:
        raise ValueError(f"not an SDMX reference of the form AGENCY:ID(VERSION): {value!r}")
    return Ref(match["agency"], match["id"], match["version"], match["item"])


@dataclass
class ItemRecord:
    id: str
    parent: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class ComponentRecord:
    id: str
    #: ``dimension``, ``time_dimension``, ``attribute`` or ``measure``.
    role: str
    position: int
    concept: str
    codelist: str | None = None
    text_type: str | None = None
    assignment_status: str | None = None
    attachment: dict[str, Any] = field(default_factory=dict)


@dataclass
class ArtefactRecord:
    type: ArtefactType
    agency: str
    id: str
    version: str
    is_final: bool = True
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    items: list[ItemRecord] = field(default_factory=list)
    components: list[ComponentRecord] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.type.value, self.agency, self.id, self.version)

    @property
    def ref(self) -> str:
        return short_ref(self.agency, self.id, self.version)

    @property
    def label(self) -> str:
        """How error messages name the artefact: ``codelist KE1:CL_AREA(1.0)``."""
        return f"{self.type.value} {self.ref}"

    def content_hash(self) -> str:
        """SHA-256 of everything that defines the artefact, independent of storage order."""
        payload = asdict(self)
        payload["type"] = self.type.value
        # Item order carries no meaning in SDMX (parents are links), so it does not count.
        payload["items"] = sorted(payload["items"], key=lambda item: item["id"])
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def references(self) -> Iterator[tuple[str, str]]:
        """Every maintainable this artefact refers to, as ``(artefact type, short ref)``."""
        for component in self.components:
            yield ArtefactType.CONCEPTSCHEME.value, parse_ref(component.concept).maintainable
            if component.codelist:
                yield ArtefactType.CODELIST.value, component.codelist
        for item in self.items:
            if item.details.get("codelist"):
                yield ArtefactType.CODELIST.value, item.details["codelist"]
        yield from _detail_references(self.type, self.details)


#: Keys of ``ArtefactRecord.details`` that hold references: key → (type, refers to an item).
_DETAIL_REFERENCES: dict[str, tuple[ArtefactType, bool]] = {
    "structure": (ArtefactType.DATASTRUCTURE, False),
    "dataflow": (ArtefactType.DATAFLOW, False),
    "data_provider": (ArtefactType.DATAPROVIDERSCHEME, True),
    "category": (ArtefactType.CATEGORYSCHEME, True),
}


def _detail_references(kind: ArtefactType, details: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, (target_type, is_item) in _DETAIL_REFERENCES.items():
        value = details.get(key)
        if value:
            yield target_type.value, parse_ref(value).maintainable if is_item else value
    targets = list(details.get("attachment", []))
    if details.get("artefact"):
        targets.append(details["artefact"])
    for target in targets:
        yield target["type"], target["ref"]


# --------------------------------------------------------------------------------------------
# sdmx1 objects → records


def localised(value: InternationalString | None) -> dict[str, str]:
    if value is None:
        return {}
    return {lang: text for lang, text in value.localizations.items() if text is not None}


def annotations_of(obj: common.AnnotableArtefact) -> list[dict[str, Any]]:
    result = []
    for annotation in obj.annotations:
        entry: dict[str, Any] = {}
        for name in ("id", "title", "type", "url"):
            value = getattr(annotation, name, None)
            if value:
                entry[name] = str(value)
        text = localised(getattr(annotation, "text", None))
        if text:
            entry["text"] = text
        result.append(entry)
    return result


def is_stub(obj: common.MaintainableArtefact) -> bool:
    """sdmx1 creates external-reference stubs for artefacts a message only refers to."""
    return bool(obj.is_external_reference) or obj.maintainer is None


def _maintainable_ref(obj: common.MaintainableArtefact) -> str:
    agency = obj.maintainer.id if obj.maintainer is not None else "?"
    return short_ref(agency, obj.id, str(obj.version) if obj.version is not None else "1.0")


def _item_ref(item: common.Item | None) -> str:
    """``AGENCY:SCHEME(VERSION).ITEM``; nested items use their dotted path (``A.B``)."""
    if item is None:
        return "?:?(?).?"
    scheme = item.get_scheme()
    item_path = item.hierarchical_id if isinstance(item, common.Category) else item.id
    if isinstance(scheme, common.ItemScheme):
        return f"{_maintainable_ref(scheme)}.{item_path}"
    return f"?:?(?).{item_path}"


def _representation(rep: common.Representation | None) -> tuple[str | None, str | None]:
    """(codelist ref, text type) of a representation."""
    if rep is None:
        return None, None
    if rep.enumerated is not None:
        return _maintainable_ref(rep.enumerated), None
    for facet in rep.non_enumerated:
        if facet.value_type is not None:
            return None, facet.value_type.name
    return None, None


def _attachment(attribute: v21.DataAttribute) -> dict[str, Any]:
    related = attribute.related_to
    if isinstance(related, common.DimensionRelationship):
        return {"dimensions": [d.id for d in related.dimensions]}
    if isinstance(related, common.GroupRelationship):
        group = getattr(related, "group_key", None)
        return {"group": getattr(group, "id", None)}
    if isinstance(related, v21.PrimaryMeasureRelationship):
        return {"level": "observation"}
    return {"level": "dataset"}


def _components(dsd: v21.DataStructureDefinition) -> list[ComponentRecord]:
    components: list[ComponentRecord] = []
    for position, dim in enumerate(dsd.dimensions.components, start=1):
        codelist, text_type = _representation(dim.local_representation)
        role = "time_dimension" if isinstance(dim, common.TimeDimension) else "dimension"
        components.append(
            ComponentRecord(
                id=dim.id,
                role=role,
                position=position,
                concept=_item_ref(dim.concept_identity),
                codelist=codelist,
                text_type=text_type,
            )
        )
    for position, attribute in enumerate(dsd.attributes.components, start=1):
        codelist, text_type = _representation(attribute.local_representation)
        status = attribute.usage_status.name.capitalize() if attribute.usage_status else None
        components.append(
            ComponentRecord(
                id=attribute.id,
                role="attribute",
                position=position,
                concept=_item_ref(attribute.concept_identity),
                codelist=codelist,
                text_type=text_type,
                assignment_status=status,
                attachment=_attachment(attribute),
            )
        )
    for position, measure in enumerate(dsd.measures.components, start=1):
        codelist, text_type = _representation(measure.local_representation)
        components.append(
            ComponentRecord(
                id=measure.id,
                role="measure",
                position=position,
                concept=_item_ref(measure.concept_identity),
                codelist=codelist,
                text_type=text_type,
            )
        )
    return components


def _item_record(item: common.Item, scheme_type: ArtefactType) -> ItemRecord:
    parent = item.parent if isinstance(item.parent, common.Item) else None
    details: dict[str, Any] = {}
    if scheme_type is ArtefactType.CONCEPTSCHEME:
        codelist, text_type = _representation(getattr(item, "core_representation", None))
        if codelist:
            details["codelist"] = codelist
        if text_type:
            details["text_type"] = text_type
    return ItemRecord(
        id=item.id,
        parent=parent.id if parent is not None else None,
        names=localised(item.name),
        descriptions=localised(item.description),
        annotations=annotations_of(item),
        details=details,
    )


def _identify(target: common.IdentifiableArtefact) -> dict[str, str]:
    kind = TYPE_OF_CLASS.get(type(target))
    if kind is None or not isinstance(target, common.MaintainableArtefact):
        raise ValueError(f"unsupported reference target {type(target).__name__} {target.id}")
    return {"type": kind.value, "ref": _maintainable_ref(target)}


def _cube_regions(constraint: v21.ContentConstraint) -> list[dict[str, Any]]:
    regions = []
    for region in constraint.data_content_region:
        members = {}
        for component, selection in region.member.items():
            values = [str(getattr(v, "value", v)) for v in selection.values]
            members[component.id] = {"included": bool(selection.included), "values": values}
        regions.append({"included": bool(region.included), "members": members})
    return regions


def _key_sets(constraint: v21.ContentConstraint) -> list[dict[str, Any]]:
    key_set = constraint.data_content_keys
    if key_set is None:
        return []
    keys = [
        {component.id: str(value.value) for component, value in key.key_value.items()}
        for key in key_set.keys
    ]
    return [{"included": str(key_set.included).lower() == "true", "keys": keys}]


def _details(obj: common.MaintainableArtefact, kind: ArtefactType) -> dict[str, Any]:
    if kind is ArtefactType.DATAFLOW and obj.structure is not None:
        return {"structure": _maintainable_ref(obj.structure)}
    if kind is ArtefactType.PROVISIONAGREEMENT:
        details: dict[str, Any] = {}
        if obj.structure_usage is not None:
            details["dataflow"] = _maintainable_ref(obj.structure_usage)
        if obj.data_provider is not None:
            details["data_provider"] = _item_ref(obj.data_provider)
        return details
    if kind is ArtefactType.CATEGORISATION:
        details = {}
        if obj.category is not None:
            details["category"] = _item_ref(obj.category)
        if obj.artefact is not None:
            details["artefact"] = _identify(obj.artefact)
        return details
    if kind is ArtefactType.CONTENTCONSTRAINT:
        role = getattr(getattr(obj.role, "role", None), "name", None)
        return {
            "role": role,
            "attachment": [_identify(target) for target in obj.content],
            "cube_regions": _cube_regions(obj),
            "key_sets": _key_sets(obj),
        }
    return {}


def record_of(obj: common.MaintainableArtefact) -> ArtefactRecord:
    """Flatten one sdmx1 maintainable artefact."""
    kind = TYPE_OF_CLASS.get(type(obj))
    if kind is None:
        raise ValueError(f"{type(obj).__name__} artefacts are not supported")
    record = ArtefactRecord(
        type=kind,
        agency=obj.maintainer.id if obj.maintainer is not None else "",
        id=obj.id,
        version=str(obj.version) if obj.version is not None else "1.0",
        is_final=bool(obj.is_final),
        names=localised(obj.name),
        descriptions=localised(obj.description),
        annotations=annotations_of(obj),
        details=_details(obj, kind),
    )
    if kind in ITEM_CLASS:
        record.items = [_item_record(item, kind) for item in _items_in_order(obj)]
    if kind is ArtefactType.DATASTRUCTURE:
        record.components = _components(obj)
    return record


def _items_in_order(scheme: common.ItemScheme) -> Iterator[common.Item]:
    """Items with every parent before its children (the order SDMX-ML writes them)."""
    seen: set[str] = set()

    def visit(item: common.Item) -> Iterator[common.Item]:
        if item.id in seen:
            return
        parent = item.parent if isinstance(item.parent, common.Item) else None
        if parent is not None and parent.id in scheme.items:
            yield from visit(parent)
        seen.add(item.id)
        yield item

    for item in scheme.items.values():
        yield from visit(item)


def maintainables(message: Any) -> Iterator[common.MaintainableArtefact]:
    """Every maintainable artefact that a StructureMessage defines (not the stubs it refers to)."""
    for obj in message.iter_objects():
        if isinstance(obj, common.MaintainableArtefact) and not is_stub(obj):
            yield obj


def records_from_message(message: Any) -> list[ArtefactRecord]:
    return [record_of(obj) for obj in maintainables(message) if type(obj) in TYPE_OF_CLASS]


# --------------------------------------------------------------------------------------------
# records → sdmx1 objects


def _istring(values: dict[str, str]) -> InternationalString | None:
    return InternationalString(values) if values else None


def _annotations(values: list[dict[str, Any]]) -> list[v21.Annotation]:
    result = []
    for entry in values:
        result.append(
            v21.Annotation(
                id=entry.get("id"),
                title=entry.get("title"),
                type=entry.get("type"),
                url=entry.get("url"),
                text=_istring(entry.get("text", {})),
            )
        )
    return result


class Built:
    """sdmx1 objects rebuilt from records, indexed by short reference; missing ones become stubs."""

    def __init__(self) -> None:
        self.by_ref: dict[tuple[str, str], common.MaintainableArtefact] = {}
        self._agencies: dict[str, common.Agency] = {}

    def agency(self, agency_id: str) -> common.Agency:
        if agency_id not in self._agencies:
            self._agencies[agency_id] = common.Agency(id=agency_id)
        return self._agencies[agency_id]

    def get(self, kind: ArtefactType, ref: str) -> common.MaintainableArtefact:
        found = self.by_ref.get((kind.value, ref))
        if found is not None:
            return found
        parsed = parse_ref(ref)
        stub = CLASS_OF_TYPE[kind](
            id=parsed.id,
            version=parsed.version,
            maintainer=self.agency(parsed.agency),
            is_external_reference=True,
        )
        stub.urn = urn(kind, parsed.agency, parsed.id, parsed.version)
        self.by_ref[(kind.value, ref)] = stub
        return stub

    def item(self, kind: ArtefactType, ref: str) -> common.Item:
        parsed = parse_ref(ref)
        scheme = self.get(kind, parsed.maintainable)
        assert parsed.item is not None
        # Nested categories are referred to by their path (``A.B``); items are keyed by own id.
        item_id = parsed.item.rsplit(".", 1)[-1]
        if item_id not in scheme.items:
            scheme.append(ITEM_CLASS[kind](id=item_id))
        return scheme[item_id]


def facet_value_type(text_type: str) -> common.FacetValueType:
    """sdmx1's FacetValueType for an SDMX text type, in any case (``String`` or ``string``)."""
    by_name = {member.name.lower(): member for member in common.FacetValueType}
    try:
        return by_name[text_type.lower()]
    except KeyError:
        raise ValueError(f"not an SDMX text type: {text_type!r}") from None


def _representation_of(
    built: Built, codelist: str | None, text_type: str | None
) -> common.Representation | None:
    if codelist:
        return common.Representation(enumerated=built.get(ArtefactType.CODELIST, codelist))
    if text_type:
        return common.Representation(
            non_enumerated=[common.Facet(value_type=facet_value_type(text_type))]
        )
    return None


def _build_dsd(built: Built, record: ArtefactRecord, dsd: v21.DataStructureDefinition) -> None:
    dimensions = {}
    for component in sorted(
        (c for c in record.components if c.role in ("dimension", "time_dimension")),
        key=lambda c: c.position,
    ):
        cls = common.TimeDimension if component.role == "time_dimension" else common.Dimension
        dim = dsd.dimensions.getdefault(
            component.id,
            cls=cls,
            concept_identity=built.item(ArtefactType.CONCEPTSCHEME, component.concept),
            local_representation=_representation_of(built, component.codelist, component.text_type),
            order=component.position,
        )
        dimensions[component.id] = dim
    for component in sorted(
        (c for c in record.components if c.role == "measure"), key=lambda c: c.position
    ):
        dsd.measures.getdefault(
            component.id,
            cls=v21.PrimaryMeasure,
            concept_identity=built.item(ArtefactType.CONCEPTSCHEME, component.concept),
            local_representation=_representation_of(built, component.codelist, component.text_type),
        )
    for component in sorted(
        (c for c in record.components if c.role == "attribute"), key=lambda c: c.position
    ):
        attachment = component.attachment
        related: common.AttributeRelationship
        if "dimensions" in attachment:
            related = common.DimensionRelationship(
                dimensions=[dimensions[d] for d in attachment["dimensions"]]
            )
        elif attachment.get("level") == "observation":
            related = v21.PrimaryMeasureRelationship()
        else:
            related = v21.NoSpecifiedRelationship()
        status = component.assignment_status
        dsd.attributes.getdefault(
            component.id,
            cls=v21.DataAttribute,
            concept_identity=built.item(ArtefactType.CONCEPTSCHEME, component.concept),
            local_representation=_representation_of(built, component.codelist, component.text_type),
            related_to=related,
            usage_status=common.UsageStatus[status.lower()] if status else None,
        )


def _build_items(built: Built, record: ArtefactRecord, scheme: common.ItemScheme) -> None:
    item_cls = ITEM_CLASS[record.type]
    for item in record.items:
        kwargs: dict[str, Any] = {
            "id": item.id,
            "name": _istring(item.names),
            "description": _istring(item.descriptions),
            "annotations": _annotations(item.annotations),
        }
        obj = item_cls(**kwargs)
        if record.type is ArtefactType.CONCEPTSCHEME:
            rep = _representation_of(
                built, item.details.get("codelist"), item.details.get("text_type")
            )
            if rep is not None:
                obj.core_representation = rep
        if item.parent is not None and item.parent in scheme.items:
            obj.parent = scheme[item.parent]
            scheme[item.parent].child.append(obj)
        scheme.append(obj)


def _build_refs(built: Built, record: ArtefactRecord, obj: Any) -> None:
    details = record.details
    if details.get("structure"):
        obj.structure = built.get(ArtefactType.DATASTRUCTURE, details["structure"])
    if details.get("dataflow"):
        obj.structure_usage = built.get(ArtefactType.DATAFLOW, details["dataflow"])
    if details.get("data_provider"):
        obj.data_provider = built.item(ArtefactType.DATAPROVIDERSCHEME, details["data_provider"])
    if details.get("category"):
        obj.category = built.item(ArtefactType.CATEGORYSCHEME, details["category"])
    if details.get("artefact"):
        target = details["artefact"]
        obj.artefact = built.get(ArtefactType(target["type"]), target["ref"])
    if record.type is ArtefactType.CONTENTCONSTRAINT:
        _build_constraint(built, details, obj)


def _build_constraint(built: Built, details: dict[str, Any], obj: v21.ContentConstraint) -> None:
    role = details.get("role") or "allowable"
    obj.role = common.ConstraintRole(role=common.ConstraintRoleType[role])
    for target in details.get("attachment", []):
        obj.content.add(built.get(ArtefactType(target["type"]), target["ref"]))
    for region in details.get("cube_regions", []):
        cube = common.CubeRegion(included=region.get("included", True))
        for dim_id, selection in region.get("members", {}).items():
            dim = common.Dimension(id=dim_id)
            cube.member[dim] = v21.MemberSelection(
                values_for=dim,
                included=selection.get("included", True),
                values=[v21.MemberValue(value=v) for v in selection.get("values", [])],
            )
        obj.data_content_region.append(cube)
    for key_set in details.get("key_sets", []):
        obj.data_content_keys = v21.DataKeySet(
            included=key_set.get("included", True),
            keys=[_data_key(key) for key in key_set.get("keys", [])],
        )


def _data_key(values: dict[str, str]) -> v21.DataKey:
    key_value = {}
    for dim_id, value in values.items():
        dim = common.Dimension(id=dim_id)
        key_value[dim] = common.ComponentValue(value_for=dim, value=value)
    return v21.DataKey(included=True, key_value=key_value)


def build_artefacts(records: Iterable[ArtefactRecord]) -> Built:
    """Rebuild sdmx1 objects; references to artefacts not among ``records`` become stubs."""
    built = Built()
    ordered = sorted(records, key=lambda r: BUILD_ORDER.index(r.type))
    for record in ordered:
        cls = CLASS_OF_TYPE[record.type]
        obj = cls(
            id=record.id,
            version=record.version,
            maintainer=built.agency(record.agency),
            is_final=record.is_final,
            is_external_reference=False,
            name=_istring(record.names),
            description=_istring(record.descriptions),
            annotations=_annotations(record.annotations),
        )
        # A stub created earlier by a forward reference is replaced by the real artefact, and
        # objects that pointed at the stub keep working because items are copied across.
        obj.urn = urn(record.type, record.agency, record.id, record.version)
        stub = built.by_ref.get((record.type.value, record.ref))
        built.by_ref[(record.type.value, record.ref)] = obj
        if record.type in ITEM_CLASS:
            _build_items(built, record, obj)
        if stub is not None and record.type in ITEM_CLASS:
            for item in list(stub.items.values()):
                if item.id not in obj.items:
                    obj.append(item)
        if record.type is ArtefactType.DATASTRUCTURE:
            _build_dsd(built, record, obj)
        _build_refs(built, record, obj)
    return built
