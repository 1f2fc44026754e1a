"""Small structure records for the artefact types the packaged global structures lack.

Texts carry what breaks careless writers: ``&``, ``<``, quotes, Devanagari (Nepali and Hindi)
names, annotation URLs with query strings. Text types use sdmx1's spelling (``double``) so that
records read back by sdmx1 compare equal; voices.py's spelling (``String``) is tested separately.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from voicescount.sdmx.structure_writers import StructureEntry
from voicescount.sdmx.structures import ArtefactRecord, ComponentRecord, ItemRecord
from voicescount.types import ArtefactType

AGENCY = "VOICES"
V = "1.0.0"
CL = f"{AGENCY}:CL_GROUP({V})"
CS = f"{AGENCY}:CS_COMMUNITY({V})"
DSD = f"{AGENCY}:DSD_COMMUNITY({V})"
DF = f"{AGENCY}:DF_COMMUNITY({V})"
PA = f"{AGENCY}:PA_KE_COMMUNITY({V})"

TRICKY_NAME = "Groups & <sub-groups> \"quoted\" 'single'"
NEPALI = "लक्षित समूहहरू"
HINDI = "लक्षित समूह"


def codelist() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.CODELIST,
        agency=AGENCY,
        id="CL_GROUP",
        version=V,
        names={"en": TRICKY_NAME, "ne": NEPALI, "hi": HINDI},
        descriptions={"en": 'Who a number is about: <all> & their "sub-groups"'},
        annotations=[
            {
                "id": "SOURCE",
                "title": "Source & method",
                "type": "NOTE",
                "url": "https://example.org/groups?a=1&b=<2>",
                "text": {"en": "a < b & c", "hi": "टिप्पणी"},
            },
            {"type": "ORDER", "text": {"en": "1"}},
        ],
        items=[
            ItemRecord("ALL", names={"en": "All people"}),
            ItemRecord(
                "WOMEN",
                parent="ALL",
                names={"en": "Women", "ne": "महिला", "hi": "महिलाएं"},
                descriptions={"en": "Women & girls"},
                annotations=[{"id": "W", "url": "https://example.org/w?x=1&y=2"}],
            ),
            ItemRecord("WOMEN_RURAL", parent="WOMEN", names={"en": "Rural women"}),
            ItemRecord("MEN", parent="ALL", names={"en": "Men"}),
        ],
    )


def concept_scheme() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.CONCEPTSCHEME,
        agency=AGENCY,
        id="CS_COMMUNITY",
        version=V,
        names={"en": "Community concepts"},
        items=[
            ItemRecord("FREQ", names={"en": "Frequency"}),
            ItemRecord("GROUP", names={"en": "Group"}, details={"codelist": CL}),
            ItemRecord("TIME_PERIOD", names={"en": "Time period"}),
            ItemRecord("OBS_VALUE", names={"en": "Value"}, details={"text_type": "double"}),
            ItemRecord("NOTE", names={"en": "Note"}, details={"text_type": "string"}),
            ItemRecord("OBS_STATUS", names={"en": "Observation status"}),
            ItemRecord("SOURCE", names={"en": "Source"}),
        ],
    )


def data_structure() -> ArtefactRecord:
    def concept(concept_id: str) -> str:
        return f"{CS}.{concept_id}"

    return ArtefactRecord(
        type=ArtefactType.DATASTRUCTURE,
        agency=AGENCY,
        id="DSD_COMMUNITY",
        version=V,
        names={"en": "Community data", "ne": "सामुदायिक तथ्याङ्क"},
        components=[
            ComponentRecord("FREQ", "dimension", 1, concept("FREQ"), text_type="string"),
            ComponentRecord("GROUP", "dimension", 2, concept("GROUP"), codelist=CL),
            ComponentRecord(
                "TIME_PERIOD",
                "time_dimension",
                3,
                concept("TIME_PERIOD"),
                text_type="observationalTimePeriod",
            ),
            ComponentRecord(
                "NOTE",
                "attribute",
                1,
                concept("NOTE"),
                text_type="string",
                assignment_status="Conditional",
                attachment={"dimensions": ["FREQ", "GROUP"]},
            ),
            ComponentRecord(
                "OBS_STATUS",
                "attribute",
                2,
                concept("OBS_STATUS"),
                codelist=CL,
                assignment_status="Mandatory",
                attachment={"level": "observation"},
            ),
            ComponentRecord(
                "SOURCE",
                "attribute",
                3,
                concept("SOURCE"),
                text_type="string",
                assignment_status="Conditional",
                attachment={"level": "dataset"},
            ),
            ComponentRecord("OBS_VALUE", "measure", 1, concept("OBS_VALUE"), text_type="double"),
        ],
    )


def dataflow() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.DATAFLOW,
        agency=AGENCY,
        id="DF_COMMUNITY",
        version=V,
        names={"en": "Community data", "hi": "सामुदायिक डेटा"},
        descriptions={"en": "Published releases of coalitions"},
        details={"structure": DSD},
    )


def category_scheme() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.CATEGORYSCHEME,
        agency=AGENCY,
        id="CAT_SDG",
        version=V,
        names={"en": "SDG goals, targets and indicators"},
        items=[
            ItemRecord("G5", names={"en": "Goal 5: Gender equality"}),
            ItemRecord("T5_3", parent="G5", names={"en": "Target 5.3"}),
            ItemRecord("I5_3_1", parent="T5_3", names={"en": "Indicator 5.3.1"}),
            ItemRecord("T5_5", parent="G5", names={"en": "Target 5.5"}),
            ItemRecord("G1", names={"en": "Goal 1: No poverty"}),
        ],
    )


def categorisation() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.CATEGORISATION,
        agency=AGENCY,
        id="CAT_DF_COMMUNITY",
        version=V,
        names={"en": "Community data under target 5.3"},
        details={
            "category": f"{AGENCY}:CAT_SDG({V}).G5.T5_3",
            "artefact": {"type": "dataflow", "ref": DF},
        },
    )


def data_provider_scheme() -> ArtefactRecord:
    # SDMX fixes id and version of organisation schemes; SDMX-ML 2.1 also fixes isFinal=false.
    return ArtefactRecord(
        type=ArtefactType.DATAPROVIDERSCHEME,
        agency=AGENCY,
        id="DATA_PROVIDERS",
        version="1.0",
        is_final=False,
        names={"en": "Coalitions"},
        items=[
            ItemRecord("KE_COALITION", names={"en": "Kenya coalition"}),
            ItemRecord("NP_COALITION", names={"en": "Nepal coalition", "ne": "नेपाल गठबन्धन"}),
        ],
    )


def agency_scheme() -> ArtefactRecord:
    # sdmx1 adds the scheme's own maintainer to the agencies it reads, so it is listed.
    return ArtefactRecord(
        type=ArtefactType.AGENCYSCHEME,
        agency=AGENCY,
        id="AGENCIES",
        version="1.0",
        is_final=False,
        names={"en": "Agencies"},
        items=[
            ItemRecord(AGENCY, names={"en": "voicescount"}),
            ItemRecord("KNBS", names={"en": "Kenya National Bureau of Statistics"}),
        ],
    )


def provision_agreement() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.PROVISIONAGREEMENT,
        agency=AGENCY,
        id="PA_KE_COMMUNITY",
        version=V,
        names={"en": "Kenya coalition provides community data"},
        details={"dataflow": DF, "data_provider": f"{AGENCY}:DATA_PROVIDERS(1.0).KE_COALITION"},
    )


def cube_constraint() -> ArtefactRecord:
    return ArtefactRecord(
        type=ArtefactType.CONTENTCONSTRAINT,
        agency=AGENCY,
        id="CC_COMMUNITY_CUBE",
        version=V,
        names={"en": "Groups with data"},
        details={
            "role": "actual",
            "attachment": [{"type": "dataflow", "ref": DF}],
            "cube_regions": [
                {
                    "included": True,
                    "members": {
                        "FREQ": {"included": True, "values": ["A"]},
                        "GROUP": {"included": True, "values": ["WOMEN", "MEN"]},
                    },
                }
            ],
            "key_sets": [],
        },
    )


def key_set_constraint() -> ArtefactRecord:
    # Allowed, not Actual: pysdmx reads Actual constraints as availability constraints, which
    # cannot hold key sets.
    return ArtefactRecord(
        type=ArtefactType.CONTENTCONSTRAINT,
        agency=AGENCY,
        id="CC_COMMUNITY_KEYS",
        version=V,
        names={"en": "Allowed series"},
        details={
            "role": "allowable",
            "attachment": [{"type": "dataflow", "ref": DF}],
            "cube_regions": [],
            "key_sets": [
                {
                    "included": True,
                    "keys": [{"FREQ": "A", "GROUP": "WOMEN"}, {"FREQ": "A", "GROUP": "MEN"}],
                }
            ],
        },
    )


def provider_constraint() -> ArtefactRecord:
    """Attached to a provision agreement: valid everywhere, but sdmx1 cannot resolve its keys."""
    return ArtefactRecord(
        type=ArtefactType.CONTENTCONSTRAINT,
        agency=AGENCY,
        id="CC_KE_COALITION",
        version=V,
        names={"en": "What the Kenya coalition may report"},
        details={
            "role": "allowable",
            "attachment": [{"type": "provisionagreement", "ref": PA}],
            "cube_regions": [
                {"included": True, "members": {"GROUP": {"included": False, "values": ["MEN"]}}}
            ],
            "key_sets": [],
        },
    )


def all_samples() -> list[ArtefactRecord]:
    """One or more of every artefact type; all of them round-trip through SDMX-ML 2.1 in sdmx1."""
    return [
        codelist(),
        concept_scheme(),
        data_structure(),
        dataflow(),
        category_scheme(),
        categorisation(),
        data_provider_scheme(),
        agency_scheme(),
        provision_agreement(),
        cube_constraint(),
        key_set_constraint(),
    ]


def entries(records: Iterable[ArtefactRecord], **kwargs: Any) -> list[StructureEntry]:
    return [StructureEntry(record, **kwargs) for record in records]


def hashes(records: Iterable[ArtefactRecord]) -> dict[tuple[str, str, str, str], str]:
    return {record.key: record.content_hash() for record in records}
