"""A statistics office's own structure, end to end against a live server: the office imports
its national SDG DSD, a coalition reports against its dataflow with national codes, the office
publishes, and sdmx1 and pysdmx, unmodified, read the national structure and the data in it, as
they would from the office's own registry. Every SDMX answer is checked against the official
schemas (structure-specific ones against a schema derived from the national DSD)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sdmx
import sdmx.reader.xml.v30  # before any 2.1 structure-specific read (sdmx1 quirk)
from lxml import etree
from pysdmx.api.qb import ApiVersion, DataFormat, DataQuery, RestService
from pysdmx.io import get_datasets

from tests.conftest import AGENCY, BACKENDS
from tests.interop.conftest import DemoServer, serve_demo
from tests.interop.national import (
    FLOW_ID,
    OFFICE,
    PUBLISHED,
    import_structure,
    publish_national_release,
    set_up_office,
)
from tests.registry.national import NATIONAL_AREAS
from tests.sdmx.writers.support import assert_valid, message_schema, structure_specific_schema
from voicescount.publishing import feeds

pytestmark = pytest.mark.interop


@dataclass
class NationalServer:
    server: DemoServer
    dataset: str


@pytest.fixture(scope="module", params=BACKENDS)
def national(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NationalServer]:
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"national-{backend}")
    with serve_demo(backend, tmp, request, demo=False) as server:
        import_structure(server, set_up_office(server))
        yield NationalServer(server, publish_national_release(server))


def _structure(national: NationalServer) -> feeds.DataStructure:
    with national.server.store.session() as session:
        query = feeds.DataQuery(flow_agency=OFFICE, flow_id=FLOW_ID, flow_version="1.0")
        return feeds.data_structure(session, feeds.resolve_flow(session, query, AGENCY))


def _check_schemas(national: NationalServer, start: int) -> None:
    """Every SDMX-ML data answer since ``start`` is valid: generic ones against the official
    XSD, structure-specific ones against the schema derived from the national DSD."""
    structure = _structure(national)
    checked = 0
    for recorded in national.server.responses[start:]:
        if recorded.status != 200 or "xml" not in recorded.content_type:
            continue
        root = etree.fromstring(recorded.body)
        if "structurespecific" in recorded.content_type:
            schema = structure_specific_schema(
                root.nsmap["ns1"], flat=False, version="2.1", structure=structure
            )
        else:
            schema = message_schema("2.1")
        assert_valid(schema, recorded.body)
        checked += 1
    assert checked


def test_sdmx1_reads_the_national_structure_and_data(national: NationalServer) -> None:
    start = len(national.server.responses)
    sdmx.add_source(
        {
            "id": OFFICE,
            "url": national.server.v1,
            "name": "voicescount, read as the statistics office's own registry",
            "supports": {"structure-specific data": True},
        },
        override=True,
    )
    client = sdmx.Client(OFFICE)
    try:
        flows = client.dataflow(FLOW_ID)
        flow = flows.dataflow[FLOW_ID]
        dsd = flow.structure
        assert dsd.id == "SDG" and dsd.maintainer.id == OFFICE
        structure = client.datastructure("SDG", params={"references": "children"})
        areas = structure.codelist["CL_AREA"]
        assert {code.id: str(code.name) for code in areas} == NATIONAL_AREAS
        message = client.data(
            FLOW_ID, key={"SERIES": "_L_KE_110101_01"}, dsd=structure.structure["SDG"]
        )
        frame = sdmx.to_pandas(message).reset_index()
        got = {(r["SERIES"], r["REF_AREA"]): float(r["value"]) for r in frame.to_dict("records")}
        assert got == {k: v for k, v in PUBLISHED.items() if k[0] == "_L_KE_110101_01"}
    finally:
        client.session.close()
    _check_schemas(national, start)


@pytest.mark.parametrize(
    ("api", "fmt"),
    [
        (ApiVersion.V1_5_0, DataFormat.SDMX_ML_2_1_GEN),
        (ApiVersion.V1_5_0, DataFormat.SDMX_CSV_1_0_0),
        (ApiVersion.V2_0_0, DataFormat.SDMX_CSV_2_0_0),
    ],
    ids=lambda value: value.name,
)
def test_pysdmx_reads_the_national_data(
    national: NationalServer, api: ApiVersion, fmt: DataFormat
) -> None:
    url = national.server.v1 if api is ApiVersion.V1_5_0 else national.server.v2
    service = RestService(url, api, timeout=30.0, data_format=fmt)
    query = DataQuery(
        agency_id=OFFICE,
        resource_id=FLOW_ID,
        version="1.0",
    )
    body = service.data(query)
    found = [
        row for dataset in get_datasets(io.BytesIO(body)) for row in dataset.data.to_dict("records")
    ]
    got = {(str(r["SERIES"]), str(r["REF_AREA"])): float(r["OBS_VALUE"]) for r in found}
    assert got == PUBLISHED
    # The national DSD defines no community attribute: none is sent.
    assert all("PRODUCER_TYPE" not in row and "REVIEW_DECISION" not in row for row in found)
