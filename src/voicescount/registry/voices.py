"""voicescount's own structures for community data, owned by the configured maintenance agency.

The DSD keeps the 15 dimensions and the time dimension of the global SDG DSD in the same order,
with the same concepts and codes, so an NSO can put community rows beside official ones; it swaps
three codelists for supersets (sub-national areas, target groups, community series) and adds the
observation attributes that say what a community number is: who produced it, how it was reviewed,
whether it is confidential, on how many respondents it rests, and which dataset version it cites.

Everything is built as structure records from the global artefacts already in the registry plus
the package data files, so the agency id can be configured per deployment.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from importlib import resources

from sqlmodel import Session, col, select

from voicescount.errors import StructureError
from voicescount.registry import repository
from voicescount.registry.sdg import read_framework
from voicescount.sdmx.structures import (
    ArtefactRecord,
    ComponentRecord,
    ItemRecord,
    short_ref,
)
from voicescount.storage.tables import CommunitySeries
from voicescount.types import ArtefactType

#: Final versions of our own structures are three-part (SDMX 3.0 semantic versioning).
VERSION = "1.0.0"

GLOBAL_AGENCY = "IAEG-SDGs"
GLOBAL_DSD = ("IAEG-SDGs", "SDG", "1.14")
GLOBAL_AREA = ("IAEG-SDGs", "CL_AREA", "1.14")
GLOBAL_CUST_BREAKDOWN = ("IAEG-SDGs", "CL_CUST_BREAKDOWN", "1.14")
GLOBAL_SERIES = ("IAEG-SDGs", "CL_SERIES", "1.14")

DSD_ID = "DSD_SDG_COMMUNITY"
CONCEPT_SCHEME_ID = "CS_COMMUNITY"
CATEGORY_SCHEME_ID = "SDG"
FLOW_ID = "DF_SDG_COMMUNITY"

#: Codes for the SDMX confidentiality status (the SDMX cross-domain CL_CONF_STATUS).
CONF_STATUS_CODES = [
    ("F", "Free", "Free for publication"),
    ("N", "Not for publication, restricted for internal use only", ""),
    ("C", "Confidential statistical information", ""),
    ("D", "Secondary confidentiality set by the sender, not for publication", ""),
    ("S", "Secondary confidentiality set and managed by the receiver, not for publication", ""),
    ("A", "Primary confidentiality due to small counts", ""),
    ("O", "Primary confidentiality due to dominance by one unit", ""),
    ("T", "Primary confidentiality due to dominance by two units", ""),
    ("G", "Primary confidentiality due to dominance by one or two units", ""),
    ("M", "Primary confidentiality due to data declared confidential on other grounds", ""),
]

PRODUCER_TYPE_CODES = [
    ("NSO", "National statistics office", "The national statistics office or agency"),
    ("OFFICIAL", "Other official producer", "A ministry, agency or other part of government"),
    ("CSO", "Civil-society organisation", "A non-governmental or civil-society organisation"),
    ("CBO", "Community-based organisation", "An organisation formed and run by a community"),
    ("COALITION", "Coalition of civil-society organisations", "A coalition or network of CSOs"),
    ("ACADEMIC", "Academic or research institution", "A university or research institute"),
    ("OTHER", "Other non-state producer", "Any other non-state producer"),
]

REVIEW_DECISION_CODES = [
    ("OFFICIAL", "Official", "Accepted by the statistics office for official reporting"),
    (
        "COMPLEMENTARY",
        "Complementary citizen data",
        "Reviewed by the statistics office; published as citizen data complementing official "
        "statistics",
    ),
    (
        "CONTEXTUAL",
        "Contextual evidence",
        "Reviewed by the statistics office; to be used as context or narrative evidence only",
    ),
]

QUALITY_OUTCOME_CODES = [
    ("MET", "Quality criteria met", "All gating criteria passed and the minimum score reached"),
    (
        "MET_WITH_CONDITIONS",
        "Quality criteria met with conditions",
        "Accepted subject to the conditions stated with the review decision",
    ),
    ("NOT_MET", "Quality criteria not met", "Minimum criteria not met; contextual use only"),
]

#: Concepts the community DSD adds: (id, name, description, codelist id or text type).
COMMUNITY_CONCEPTS = [
    (
        "PRODUCER_TYPE",
        "Producer type",
        "Kind of organisation that produced the data",
        "CL_PRODUCER_TYPE",
    ),
    (
        "REVIEW_DECISION",
        "Review decision",
        "What the reviewing statistics office decided about the dataset version",
        "CL_REVIEW_DECISION",
    ),
    (
        "REVIEW_ORG",
        "Reviewing organisation",
        "The statistics office (or other steward) that reviewed the dataset version",
        "String",
    ),
    (
        "QUALITY_OUTCOME",
        "Quality assessment outcome",
        "Outcome of the steward's quality rubric for the dataset version",
        "CL_QUALITY_OUTCOME",
    ),
    (
        "UNWEIGHTED_N",
        "Unweighted sample size",
        "Number of respondents or units the observation rests on, before weighting",
        "Integer",
    ),
    (
        "CONF_STATUS",
        "Confidentiality status",
        "SDMX confidentiality status of the observation (A: suppressed for small counts, "
        "D: suppressed so that other cells cannot be recovered)",
        "CL_CONF_STATUS",
    ),
    (
        "CITATION_REF",
        "Citation reference",
        "Persistent identifier or URL of the dataset version the observation comes from; "
        "resolves to its citation, method and provenance",
        "String",
    ),
]

#: Observation attributes the community DSD adds: (id, assignment status).
COMMUNITY_ATTRIBUTES = [
    ("PRODUCER_TYPE", "Mandatory"),
    ("REVIEW_DECISION", "Mandatory"),
    ("REVIEW_ORG", "Conditional"),
    ("QUALITY_OUTCOME", "Conditional"),
    ("UNWEIGHTED_N", "Conditional"),
    ("CONF_STATUS", "Mandatory"),
    ("CITATION_REF", "Mandatory"),
]


def _data_file(name: str) -> str:
    return resources.files("voicescount.registry.data").joinpath(name).read_text(encoding="utf-8")


def _global_record(
    session: Session, key: tuple[str, str, str], kind: ArtefactType
) -> ArtefactRecord:
    row = repository.get_artefact(session, kind.value, *key)
    if row is None:
        raise StructureError(
            f"The global {kind.value} {short_ref(*key)} must be loaded before voicescount's "
            "own structures; run 'voicescount registry load'.",
            artefact=f"{kind.value} {short_ref(*key)}",
        )
    return repository.record_of_row(session, row)


def _codelist(
    agency: str, cl_id: str, name: str, codes: list[ItemRecord], desc: str = ""
) -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.CODELIST,
        agency=agency,
        id=cl_id,
        version=VERSION,
        names={"en": name},
        descriptions={"en": desc} if desc else {},
        items=codes,
    )


def _simple_codes(rows: list[tuple[str, str, str]]) -> list[ItemRecord]:
    return [
        ItemRecord(id=code, names={"en": name}, descriptions={"en": desc} if desc else {})
        for code, name, desc in rows
    ]


def area_codelist(session: Session, agency: str) -> ArtefactRecord:
    """Global CL_AREA plus ISO 3166-2 subdivisions of the pilot countries, under their country."""
    base = _global_record(session, GLOBAL_AREA, ArtefactType.CODELIST)
    items = [replace(item) for item in base.items]
    known = {item.id for item in items}
    for row in csv.DictReader(_data_file("subdivisions.csv").splitlines()):
        if row["code"] in known:
            continue
        items.append(
            ItemRecord(
                id=row["code"],
                parent=row["parent"],
                names={"en": row["name"]},
                descriptions={"en": f"{row['type']} ({row['code']}, ISO 3166-2)"},
                annotations=[{"type": "ISO3166-2", "text": {"en": row["code"]}}],
            )
        )
    return _codelist(
        agency,
        "CL_AREA",
        "Reference areas: SDG areas and sub-national areas",
        items,
        f"Every code of {short_ref(*GLOBAL_AREA)}, plus the ISO 3166-2 subdivisions of Bangladesh, "
        "India, Kenya, Nepal and Viet Nam, each under its parent subdivision or M49 country.",
    )


def cust_breakdown_codelist(session: Session, agency: str) -> ArtefactRecord:
    """Every official CUST_BREAKDOWN code plus the target groups coalitions work with."""
    base = _global_record(session, GLOBAL_CUST_BREAKDOWN, ArtefactType.CODELIST)
    items = [replace(item) for item in base.items]
    for row in csv.DictReader(_data_file("target-groups.csv").splitlines()):
        items.append(
            ItemRecord(
                id=row["code"],
                parent=row["parent"] or None,
                names={"en": row["name_en"]},
                descriptions={"en": row["description_en"]},
            )
        )
    return _codelist(
        agency,
        "CL_CUST_BREAKDOWN",
        "Custom breakdown: SDG codes and target groups",
        items,
        f"Every code of {short_ref(*GLOBAL_CUST_BREAKDOWN)}, plus population groups at risk of "
        "being left behind (codes LNOB_*).",
    )


def series_codelist(session: Session, agency: str, version: str) -> ArtefactRecord:
    """Every global SDG series, then every series a coalition defined (each under its target)."""
    base = _global_record(session, GLOBAL_SERIES, ArtefactType.CODELIST)
    items = [replace(item) for item in base.items]
    for series in session.exec(select(CommunitySeries).order_by(col(CommunitySeries.code))):
        items.append(
            ItemRecord(
                id=series.code,
                names={"en": series.name},
                descriptions={"en": series.description} if series.description else {},
                annotations=[
                    {"type": "CommunitySeries", "text": {"en": "defined by a coalition"}},
                    {"type": "Target", "text": {"en": series.sdg_target}},
                    *(
                        [{"type": "Indicator", "text": {"en": ";".join(series.sdg_indicators)}}]
                        if series.sdg_indicators
                        else []
                    ),
                ],
            )
        )
    record = _codelist(
        agency,
        "CL_SERIES",
        "SDG series and community series",
        items,
        f"Every series of {short_ref(*GLOBAL_SERIES)}, then the series coalitions defined where no "
        "global series fits (annotated CommunitySeries, with the SDG target they inform).",
    )
    record.version = version
    return record


def concept_scheme(agency: str) -> ArtefactRecord:
    items = []
    for concept_id, name, description, representation in COMMUNITY_CONCEPTS:
        details = (
            {"codelist": short_ref(agency, representation, VERSION)}
            if representation.startswith("CL_")
            else {"text_type": representation}
        )
        items.append(
            ItemRecord(
                id=concept_id, names={"en": name}, descriptions={"en": description}, details=details
            )
        )
    return ArtefactRecord(
        type=ArtefactType.CONCEPTSCHEME,
        agency=agency,
        id=CONCEPT_SCHEME_ID,
        version=VERSION,
        names={"en": "Concepts for community-generated data"},
        items=items,
    )


def community_dsd(session: Session, agency: str, version: str) -> ArtefactRecord:
    base = _global_record(session, GLOBAL_DSD, ArtefactType.DATASTRUCTURE)
    swapped = {
        "SERIES": short_ref(agency, "CL_SERIES", version),
        "REF_AREA": short_ref(agency, "CL_AREA", VERSION),
        "CUST_BREAKDOWN": short_ref(agency, "CL_CUST_BREAKDOWN", VERSION),
    }
    components = [replace(c, codelist=swapped.get(c.id, c.codelist)) for c in base.components]
    position = max((c.position for c in components if c.role == "attribute"), default=0)
    scheme = short_ref(agency, CONCEPT_SCHEME_ID, VERSION)
    representations = {c[0]: c[3] for c in COMMUNITY_CONCEPTS}
    for attribute_id, status in COMMUNITY_ATTRIBUTES:
        position += 1
        representation = representations[attribute_id]
        coded = representation.startswith("CL_")
        components.append(
            ComponentRecord(
                id=attribute_id,
                role="attribute",
                position=position,
                concept=f"{scheme}.{attribute_id}",
                codelist=short_ref(agency, representation, VERSION) if coded else None,
                text_type=None if coded else representation,
                assignment_status=status,
                attachment={"level": "observation"},
            )
        )
    return ArtefactRecord(
        type=ArtefactType.DATASTRUCTURE,
        agency=agency,
        id=DSD_ID,
        version=version,
        names={"en": "SDG indicators: community-generated data"},
        descriptions={
            "en": f"The dimensions of {short_ref(*GLOBAL_DSD)} in the same order, with sub-national "
            "areas, target groups and community series, and attributes describing the producer, "
            "the statistics office's review, confidentiality, sample size and citation."
        },
        components=components,
    )


def category_scheme(agency: str) -> ArtefactRecord:
    """The SDG goals and their targets as a category scheme (IDs ``GOAL_5``, ``TARGET_5_3``)."""
    framework = read_framework()
    items = [
        ItemRecord(
            id=goal_category(goal["code"]),
            names={"en": f"Goal {goal['code']}: {goal['short_title']}"},
            descriptions={"en": goal["title"]},
        )
        for goal in framework["goals"]
    ]
    items += [
        ItemRecord(
            id=target_category(target["code"]),
            parent=goal_category(target["goal"]),
            names={"en": f"Target {target['code']}"},
            descriptions={"en": target["title"]},
        )
        for target in framework["targets"]
    ]
    return ArtefactRecord(
        type=ArtefactType.CATEGORYSCHEME,
        agency=agency,
        id=CATEGORY_SCHEME_ID,
        version=VERSION,
        names={"en": "Sustainable Development Goals and targets"},
        descriptions={
            "en": "The 17 goals and 169 targets of the global SDG indicator framework; voicescount's "
            "dataflows are categorised under the goals they carry data for."
        },
        items=items,
    )


def goal_category(goal: str) -> str:
    return f"GOAL_{goal}"


def target_category(target: str) -> str:
    return "TARGET_" + target.replace(".", "_")


def goal_flow(goal: str) -> str:
    return f"{FLOW_ID}_G{int(goal):02d}"


def dataflows(agency: str, version: str) -> list[ArtefactRecord]:
    """The flow of all community data, and one flow per SDG goal (data whose series inform it)."""
    dsd = short_ref(agency, DSD_ID, version)
    flows = [
        ArtefactRecord(
            type=ArtefactType.DATAFLOW,
            agency=agency,
            id=FLOW_ID,
            version=version,
            names={"en": "SDG indicators: community-generated data (all goals)"},
            descriptions={
                "en": "Every observation published by a statistics office from data submitted by "
                "civil-society coalitions, with the producer, the review decision, "
                "confidentiality, sample size and citation of each."
            },
            details={"structure": dsd},
        )
    ]
    for goal in read_framework()["goals"]:
        flows.append(
            ArtefactRecord(
                type=ArtefactType.DATAFLOW,
                agency=agency,
                id=goal_flow(goal["code"]),
                version=version,
                names={
                    "en": f"Goal {goal['code']} ({goal['short_title']}): community-generated data"
                },
                details={"structure": dsd},
            )
        )
    return flows


def categorisations(agency: str, version: str) -> list[ArtefactRecord]:
    scheme = short_ref(agency, CATEGORY_SCHEME_ID, VERSION)
    return [
        ArtefactRecord(
            type=ArtefactType.CATEGORISATION,
            agency=agency,
            id=f"CAT_{goal_flow(goal['code'])}",
            version=version,
            names={"en": f"Goal {goal['code']} flow under goal {goal['code']}"},
            details={
                "category": f"{scheme}.{goal_category(goal['code'])}",
                "artefact": {
                    "type": ArtefactType.DATAFLOW.value,
                    "ref": short_ref(agency, goal_flow(goal["code"]), version),
                },
            },
        )
        for goal in read_framework()["goals"]
    ]


def generation_version(generation: int) -> str:
    """Version of the artefacts that change when coalitions define series: 1.0.0, 1.1.0, …"""
    return f"1.{generation}.0"


def current_generation(session: Session, agency: str) -> int | None:
    """The newest generation of CL_SERIES in the store, or None before the first load."""
    rows = repository.find_artefacts(
        session,
        artefact_type=ArtefactType.CODELIST.value,
        agency=agency,
        artefact_id="CL_SERIES",
        latest=True,
    )
    if not rows:
        return None
    return int(rows[0].version.split(".")[1])


def build_records(session: Session, agency: str, generation: int = 0) -> list[ArtefactRecord]:
    """All of voicescount's own structures for ``agency``, in an order that resolves references.

    ``generation`` versions what changes when coalitions define community series (CL_SERIES,
    the DSD, the dataflows and their categorisations, at ``1.<generation>.0``); everything else
    stays at 1.0.0.
    """
    version = generation_version(generation)
    return [
        _codelist(
            agency, "CL_CONF_STATUS", "Confidentiality status", _simple_codes(CONF_STATUS_CODES)
        ),
        _codelist(agency, "CL_PRODUCER_TYPE", "Producer type", _simple_codes(PRODUCER_TYPE_CODES)),
        _codelist(
            agency, "CL_REVIEW_DECISION", "Review decision", _simple_codes(REVIEW_DECISION_CODES)
        ),
        _codelist(
            agency,
            "CL_QUALITY_OUTCOME",
            "Quality assessment outcome",
            _simple_codes(QUALITY_OUTCOME_CODES),
        ),
        area_codelist(session, agency),
        cust_breakdown_codelist(session, agency),
        series_codelist(session, agency, version),
        concept_scheme(agency),
        community_dsd(session, agency, version),
        category_scheme(agency),
        *dataflows(agency, version),
        *categorisations(agency, version),
    ]
