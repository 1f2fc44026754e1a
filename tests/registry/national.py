"""Build the national structure messages the registry tests import, with sdmx1 as the writer.

The message imitates what a statistics office sends: a national SDG DSD (the global dimensions,
with national area and series codelists), its codelists and a dataflow. Its concepts come from the
global SDG concept scheme, which the registry already holds, so the message refers to it without
carrying it — exactly as NSO registries export.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import sdmx
from sdmx.message import StructureMessage
from sdmx.model import common, v21

AGENCY = "KE1"
GLOBAL_CONCEPTS = ("IAEG-SDGs", "SDG_CONCEPTS", "1.0")

#: (dimension, codelist agency, codelist id, version) — the global codelists the DSD reuses.
GLOBAL_DIMENSIONS = [
    ("FREQ", "SDMX", "CL_FREQ", "2.0"),
    ("REPORTING_TYPE", "IAEG-SDGs", "CL_REPORTING_TYPE", "1.0"),
    ("SERIES", None, None, None),
    ("REF_AREA", None, None, None),
    ("SEX", "IAEG-SDGs", "CL_SEX", "1.1"),
    ("AGE", "IAEG-SDGs", "CL_AGE", "1.12"),
]


def _agency(agency_id: str) -> common.Agency:
    return common.Agency(id=agency_id)


def _stub_codelist(agency: str, cl_id: str, version: str) -> v21.Codelist:
    return v21.Codelist(
        id=cl_id, version=version, maintainer=_agency(agency), is_external_reference=True
    )


def national_message(
    *,
    version: str = "1.0",
    county_name: str = "Mombasa",
    missing_codelist: bool = False,
    dataflow_structure: str | None = None,
    agency: str = AGENCY,
) -> bytes:
    """An SDMX-ML 2.1 structure message with a national DSD, two codelists and a dataflow."""
    maintainer = _agency(agency)
    areas = v21.Codelist(
        id="CL_AREA_KE",
        version=version,
        maintainer=maintainer,
        is_final=True,
        name={"en": "Kenya areas"},
    )
    kenya = common.Code(id="KE", name={"en": "Kenya"})
    areas.append(kenya)
    county = common.Code(id="KE_001", name={"en": county_name})
    county.parent = kenya
    kenya.child.append(county)
    areas.append(county)
    series = v21.Codelist(
        id="CL_SERIES_KE",
        version=version,
        maintainer=maintainer,
        is_final=True,
        name={"en": "Kenya SDG series"},
    )
    series.append(
        common.Code(
            id="_L_KE_110101_01", name={"en": "Urban population living in slums (national)"}
        )
    )

    concepts = v21.ConceptScheme(
        id=GLOBAL_CONCEPTS[1],
        version=GLOBAL_CONCEPTS[2],
        maintainer=_agency(GLOBAL_CONCEPTS[0]),
        is_external_reference=True,
    )
    dsd = v21.DataStructureDefinition(
        id="SDG",
        version=version,
        maintainer=maintainer,
        is_final=True,
        name={"en": "Kenya SDG DSD"},
    )
    for position, (dim_id, cl_agency, cl_id, cl_version) in enumerate(GLOBAL_DIMENSIONS, start=1):
        concept = common.Concept(id=dim_id)
        concepts.append(concept)
        if dim_id == "SERIES":
            codelist = series
        elif dim_id == "REF_AREA":
            codelist = _stub_codelist(agency, "CL_MISSING", "1.0") if missing_codelist else areas
        else:
            codelist = _stub_codelist(cl_agency, cl_id, cl_version)
        dsd.dimensions.getdefault(
            dim_id,
            cls=common.Dimension,
            concept_identity=concept,
            local_representation=common.Representation(enumerated=codelist),
            order=position,
        )
    time_concept = common.Concept(id="TIME_PERIOD")
    concepts.append(time_concept)
    dsd.dimensions.getdefault(
        "TIME_PERIOD",
        cls=common.TimeDimension,
        concept_identity=time_concept,
        order=len(GLOBAL_DIMENSIONS) + 1,
    )
    value_concept = common.Concept(id="OBS_VALUE")
    concepts.append(value_concept)
    dsd.measures.getdefault("OBS_VALUE", cls=v21.PrimaryMeasure, concept_identity=value_concept)
    unit_concept = common.Concept(id="UNIT_MEASURE")
    concepts.append(unit_concept)
    dsd.attributes.getdefault(
        "UNIT_MEASURE",
        cls=v21.DataAttribute,
        concept_identity=unit_concept,
        local_representation=common.Representation(
            enumerated=_stub_codelist("IAEG-SDGs", "CL_UNIT_MEASURE", "1.8")
        ),
        related_to=v21.PrimaryMeasureRelationship(),
        usage_status=common.UsageStatus.mandatory,
    )

    flow = v21.DataflowDefinition(
        id="DF_SDG_KE",
        version=version,
        maintainer=maintainer,
        is_final=True,
        name={"en": "Kenya SDG indicators"},
    )
    if dataflow_structure:
        flow.structure = v21.DataStructureDefinition(
            id=dataflow_structure, version="1.0", maintainer=maintainer, is_external_reference=True
        )
    else:
        flow.structure = dsd

    message = StructureMessage()
    for obj in (areas, series, dsd, flow):
        message.add(obj)
    return sdmx.to_xml(message)


#: The national series and areas of :func:`national_sdg_message`: a global series the office
#: reports too, a national one, the country and two counties (national codes, not ISO 3166-2).
NATIONAL_SERIES = {
    "EN_LND_SLUM": "Proportion of urban population living in slums (%)",
    "_L_KE_110101_01": "Urban population living in slums (national definition)",
}
NATIONAL_AREAS = {"KE": "Kenya", "KE_001": "Mombasa", "KE_047": "Nairobi City"}


def national_sdg_message(
    *, agency: str = "KNBS", version: str = "1.0", flow_id: str = "DF_SDG_KE"
) -> bytes:
    """A national SDG structure as statistics offices derive it from the global one: the global
    DSD's dimensions and attributes, in its order and with its concepts, owned by the office,
    with national codelists for SERIES and REF_AREA (the others stay the global codelists, which
    the message refers to without carrying), and a dataflow."""
    global_message = sdmx.read_sdmx(
        resources.files("voicescount.registry.data").joinpath("sdg-global-structures.xml")
    )
    global_dsd = global_message.structure["SDG"]
    maintainer = _agency(agency)
    series = v21.Codelist(
        id="CL_SERIES", version=version, maintainer=maintainer, is_final=True,
        name={"en": "Kenya SDG series"},
    )  # fmt: skip
    for code, name in NATIONAL_SERIES.items():
        series.append(common.Code(id=code, name={"en": name}))
    areas = v21.Codelist(
        id="CL_AREA", version=version, maintainer=maintainer, is_final=True,
        name={"en": "Kenya and its counties"},
    )  # fmt: skip
    country = common.Code(id="KE", name={"en": NATIONAL_AREAS["KE"]})
    areas.append(country)
    for code, name in NATIONAL_AREAS.items():
        if code != "KE":
            county = common.Code(id=code, name={"en": name}, parent=country)
            country.child.append(county)
            areas.append(county)
    national = {"SERIES": series, "REF_AREA": areas}
    concepts = v21.ConceptScheme(
        id=GLOBAL_CONCEPTS[1],
        version=GLOBAL_CONCEPTS[2],
        maintainer=_agency(GLOBAL_CONCEPTS[0]),
        is_external_reference=True,
    )

    def concept(component: Any) -> common.Concept:
        found = common.Concept(id=component.concept_identity.id)
        concepts.append(found)
        return found

    def representation(component: Any) -> common.Representation | None:
        given = component.local_representation
        if given is None or given.enumerated is None:
            return given
        codelist = given.enumerated
        return common.Representation(
            enumerated=national.get(component.id)
            or _stub_codelist(codelist.maintainer.id, codelist.id, codelist.version)
        )

    dsd = v21.DataStructureDefinition(
        id="SDG", version=version, maintainer=maintainer, is_final=True,
        name={"en": "Kenya national SDG indicators"},
    )  # fmt: skip
    for position, dimension in enumerate(global_dsd.dimensions, start=1):
        dsd.dimensions.getdefault(
            dimension.id,
            cls=type(dimension),
            concept_identity=concept(dimension),
            local_representation=representation(dimension),
            order=position,
        )
    measure = global_dsd.measures[0]
    dsd.measures.getdefault(measure.id, cls=v21.PrimaryMeasure, concept_identity=concept(measure))
    for attribute in global_dsd.attributes:
        related = attribute.related_to
        if isinstance(related, v21.DimensionRelationship):
            related = v21.DimensionRelationship(
                dimensions=[dsd.dimensions.get(d.id) for d in related.dimensions]
            )
        else:
            related = v21.PrimaryMeasureRelationship()
        dsd.attributes.getdefault(
            attribute.id,
            cls=v21.DataAttribute,
            concept_identity=concept(attribute),
            local_representation=representation(attribute),
            related_to=related,
            usage_status=attribute.usage_status,
        )
    flow = v21.DataflowDefinition(
        id=flow_id, version=version, maintainer=maintainer, is_final=True,
        name={"en": "Kenya SDG indicators, with citizen data"}, structure=dsd,
    )  # fmt: skip
    message = StructureMessage()
    for obj in (series, areas, dsd, flow):
        message.add(obj)
    return sdmx.to_xml(message)
