"""pysdmx (BIS), unmodified, against the live server: ``pysdmx.api.qb.RestService`` on the
SDMX-REST 1.5 tree (``ApiVersion.V1_5_0``) and the 2.x tree (``ApiVersion.V2_0_0``), with every
data and structure format pysdmx reads, parsed with ``pysdmx.io`` to the published values.

pysdmx reads SDMX-ML 2.1/3.0, SDMX-CSV and SDMX-JSON *structure* messages; it cannot read
SDMX-JSON data (its reader says so), so JSON data is only fetched and schema-checked here.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pysdmx.api.qb import (
    ApiVersion,
    AvailabilityFormat,
    AvailabilityQuery,
    DataContext,
    DataFormat,
    DataQuery,
    RestService,
    StructureFormat,
    StructureQuery,
    StructureReference,
    StructureType,
)
from pysdmx.errors import NotFound
from pysdmx.io import get_datasets, read_sdmx

from tests.interop.conftest import (
    ALL_OBSERVATIONS,
    DEMO_PROVIDERS,
    DIMENSIONS,
    FLOW,
    PROVIDERS_WITH_DATA,
    VIET_NAM,
    VIET_NAM_SERIES,
    DemoServer,
    full_key,
)

pytestmark = pytest.mark.interop

V1, V2 = ApiVersion.V1_5_0, ApiVersion.V2_0_0
#: Structure formats pysdmx reads, per tree.
STRUCTURE_FORMATS = [
    (V1, StructureFormat.SDMX_ML_2_1),
    (V1, StructureFormat.SDMX_JSON_2_0_0),
    (V2, StructureFormat.SDMX_ML_3_0),
    (V2, StructureFormat.SDMX_JSON_2_0_0),
    (V2, StructureFormat.SDMX_ML_2_1),
]
#: Data formats pysdmx reads, per tree.
DATA_FORMATS = [
    (V1, DataFormat.SDMX_ML_2_1_GEN),
    (V1, DataFormat.SDMX_ML_2_1_STR),
    (V1, DataFormat.SDMX_CSV_1_0_0),
    (V2, DataFormat.SDMX_ML_3_0),
    (V2, DataFormat.SDMX_CSV_2_0_0),
    (V2, DataFormat.SDMX_ML_2_1_STR),
]


def ids(value: Any) -> str:
    return value.name if hasattr(value, "name") else str(value)


def service(server: DemoServer, api: ApiVersion, **formats: Any) -> RestService:
    url = server.v1 if api is V1 else server.v2
    return RestService(url, api, timeout=30.0, **formats)


def version(api: ApiVersion) -> str:
    return "latest" if api is V1 else "*"


def rows(body: bytes) -> list[dict[str, Any]]:
    """Every observation of every data set, as dicts of text."""
    return [
        {
            k: (None if v is None or str(v) in ("", "nan", "<NA>") else str(v))
            for k, v in row.items()
        }
        for dataset in get_datasets(io.BytesIO(body))
        for row in dataset.data.to_dict("records")
    ]


# ------------------------------------------------------------------------------------------
# Structures


#: references=all answers are large (every codelist of the DSD): one format per family.
REFERENCE_FORMATS = [STRUCTURE_FORMATS[0], STRUCTURE_FORMATS[2], STRUCTURE_FORMATS[3]]


@pytest.mark.parametrize(("api", "fmt"), REFERENCE_FORMATS, ids=ids)
def test_a_dataflow_with_its_references(
    demo_server: DemoServer, api: ApiVersion, fmt: StructureFormat
) -> None:
    query = StructureQuery(
        artefact_type=StructureType.DATAFLOW,
        agency_id="VOICES",
        resource_id=FLOW,
        references=StructureReference.ALL,
    )
    body = service(demo_server, api, structure_format=fmt).structure(query)
    message = read_sdmx(io.BytesIO(body))
    (flow,) = message.get_dataflows()
    assert flow.id == FLOW and flow.agency == "VOICES"
    (dsd,) = message.get_data_structure_definitions()
    assert dsd.id == "DSD_SDG_COMMUNITY"
    assert [d.id for d in dsd.components.dimensions if d.id != "TIME_PERIOD"] == list(DIMENSIONS)
    assert {"PRODUCER_TYPE", "REVIEW_DECISION", "UNWEIGHTED_N", "CITATION_REF"} <= {
        a.id for a in dsd.components.attributes
    }
    codelists = {c.id for c in message.get_codelists()}
    assert {"CL_SERIES", "CL_AREA", "CL_SEX", "CL_PRODUCER_TYPE", "CL_CONF_STATUS"} <= codelists
    assert {"SDG_CONCEPTS", "CS_COMMUNITY"} <= {c.id for c in message.get_concept_schemes()}
    agreements = {p.id for p in message.get_provision_agreements()}
    assert agreements == {f"{p}_{FLOW}" for p in PROVIDERS_WITH_DATA}


@pytest.mark.parametrize(("api", "fmt"), STRUCTURE_FORMATS, ids=ids)
def test_a_global_codelist(demo_server: DemoServer, api: ApiVersion, fmt: StructureFormat) -> None:
    query = StructureQuery(
        artefact_type=StructureType.CODELIST, agency_id="IAEG-SDGs", resource_id="CL_SEX"
    )
    body = service(demo_server, api, structure_format=fmt).structure(query)
    (codelist,) = read_sdmx(io.BytesIO(body)).get_codelists()
    assert codelist.agency == "IAEG-SDGs"
    assert {"_T", "F", "M"} <= {code.id for code in codelist}
    assert {code.id: code.name for code in codelist}["F"] == "Female"


@pytest.mark.parametrize(("api", "fmt"), STRUCTURE_FORMATS, ids=ids)
def test_the_data_providers_are_the_coalitions(
    demo_server: DemoServer, api: ApiVersion, fmt: StructureFormat
) -> None:
    query = StructureQuery(artefact_type=StructureType.DATA_PROVIDER_SCHEME, agency_id="VOICES")
    body = service(demo_server, api, structure_format=fmt).structure(query)
    (scheme,) = read_sdmx(io.BytesIO(body)).get_data_provider_schemes()
    providers = {provider.id: provider.name for provider in scheme}
    assert tuple(sorted(providers)) == DEMO_PROVIDERS
    assert providers["LNOB_VN"] == "LNOB Viet Nam coalition (demo)"


# ------------------------------------------------------------------------------------------
# Data


def key(**codes: str) -> str:
    # pysdmx sends keys as given; both trees take "*" for "any".
    return full_key("*", **codes)


@pytest.mark.parametrize(("api", "fmt"), DATA_FORMATS, ids=ids)
def test_data_by_key_in_every_format(
    demo_server: DemoServer, api: ApiVersion, fmt: DataFormat
) -> None:
    query = DataQuery(
        context=DataContext.DATAFLOW,
        agency_id="VOICES",
        resource_id=FLOW,
        version=version(api),
        key=key(SERIES=VIET_NAM_SERIES, REF_AREA="704"),
    )
    found = rows(service(demo_server, api, data_format=fmt).data(query))
    assert demo_server.responses[-1].content_type.startswith(fmt.value)
    got = {r["SEX"]: (float(r["OBS_VALUE"]), r["UNWEIGHTED_N"]) for r in found}
    assert got == VIET_NAM
    assert {(r["TIME_PERIOD"], r["REVIEW_DECISION"], r["CONF_STATUS"]) for r in found} == {
        ("2023", "COMPLEMENTARY", "F")
    }


def test_data_of_one_provider_through_its_provision_agreement(demo_server: DemoServer) -> None:
    # pysdmx's DataQuery has no providerRef for SDMX-REST 1.5; on 2.x a provider's data is the
    # provision-agreement context (ours are named PROVIDER_FLOW).
    query = DataQuery(
        context=DataContext.PROVISION_AGREEMENT,
        agency_id="VOICES",
        resource_id=f"LNOB_VN_{FLOW}",
    )
    body = service(demo_server, V2, data_format=DataFormat.SDMX_CSV_2_0_0).data(query)
    found = rows(body)
    assert {r["SERIES"] for r in found} == {VIET_NAM_SERIES}
    assert len(found) == len(VIET_NAM)


@pytest.mark.parametrize("api", [V1, V2], ids=ids)
def test_updated_after_and_last_n(demo_server: DemoServer, api: ApiVersion) -> None:
    rest = service(demo_server, api, data_format=DataFormat.SDMX_ML_2_1_STR)

    def query(**options: Any) -> DataQuery:
        return DataQuery(agency_id="VOICES", resource_id=FLOW, version=version(api), **options)

    yesterday = datetime.now(UTC) - timedelta(days=1)
    assert len(rows(rest.data(query(updated_after=yesterday)))) == ALL_OBSERVATIONS
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    if api is V1:
        with pytest.raises(NotFound):  # SDMX-REST 1.5: 404 for no results
            rest.data(query(updated_after=tomorrow))
    else:
        assert rest.data(query(updated_after=tomorrow)) == b""  # 2.x: 204 No Content
    last = rows(rest.data(query(last_n_obs=1, key=key(SERIES=VIET_NAM_SERIES))))
    assert len(last) == len(VIET_NAM)


@pytest.mark.parametrize(
    ("api", "fmt"),
    [(V1, AvailabilityFormat.SDMX_ML_2_1), (V2, AvailabilityFormat.SDMX_ML_3_0)],
    ids=ids,
)
def test_availability(demo_server: DemoServer, api: ApiVersion, fmt: AvailabilityFormat) -> None:
    query = AvailabilityQuery(
        agency_id="VOICES", resource_id=FLOW, key=key(REF_AREA="704"), component_id="SEX"
    )
    body = service(demo_server, api, avail_format=fmt).availability(query)
    (constraint,) = read_sdmx(io.BytesIO(body)).get_availability_constraints()
    members = {kv.id: {v.value for v in kv.values} for kv in constraint.cube_region.key_values}
    assert members["SEX"] == set(VIET_NAM)
    if api is V2:  # pysdmx sends the component only on 2.x
        assert set(members) == {"SEX"}


def test_sdmx_json_data_is_served_to_pysdmx(demo_server: DemoServer) -> None:
    """pysdmx fetches SDMX-JSON data 2.0 (its RestService default) but cannot read it; the body
    is checked against the official JSON schema after the test, like every response here."""
    query = DataQuery(
        agency_id="VOICES", resource_id=FLOW, version="*", key=key(SERIES=VIET_NAM_SERIES)
    )
    body = service(demo_server, V2).data(query)
    assert body.startswith(b'{"meta":')
    assert demo_server.responses[-1].content_type == "application/vnd.sdmx.data+json;version=2.0.0"
