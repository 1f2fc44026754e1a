"""sdmx1 (``import sdmx``), unmodified, against the live server: the source registration of
docs/nso.md, structures, data by string and dict key, provider, periods, previews, availability,
``to_pandas`` to the values the demo published, and a v3 source on the SDMX-REST 2.x tree."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import requests
import sdmx
import sdmx.reader.xml.v30  # before any 2.1 structure-specific read (sdmx1 2.28 quirk)
from sdmx.model import v21

from tests.interop.conftest import (
    ALL_OBSERVATIONS,
    BASE_URL,
    COMMUNITY_ATTRIBUTES,
    DIMENSIONS,
    FLOW,
    INDIA,
    NEPAL_OBSERVATIONS,
    PROVIDERS_WITH_DATA,
    VIET_NAM,
    VIET_NAM_SERIES,
    DemoServer,
    demo_rows,
    full_key,
)

pytestmark = pytest.mark.interop

SUPPORTS = {"availableconstraint": True, "preview": True, "structure-specific data": True}
ML30_STRUCTURE = {"Accept": "application/vnd.sdmx.structure+xml;version=3.0.0"}
ML30_DATA = {"Accept": "application/vnd.sdmx.data+xml;version=3.0.0"}


@pytest.fixture(scope="module")
def client(demo_server: DemoServer) -> Iterator[sdmx.Client]:
    """The registration docs/nso.md gives, pointing at this server."""
    sdmx.add_source(
        {
            "id": "VOICES",
            "url": demo_server.v1,
            "name": "voicescount: community-generated SDG data",
            "supports": SUPPORTS,
        },
        override=True,
    )
    c = sdmx.Client("VOICES")
    yield c
    c.session.close()


@pytest.fixture(scope="module")
def dsd(client: sdmx.Client) -> v21.DataStructureDefinition:
    return client.datastructure("DSD_SDG_COMMUNITY").structure["DSD_SDG_COMMUNITY"]


def frames(message: Any) -> list[pd.DataFrame]:
    """``sdmx.to_pandas`` of every data set (one per release), as flat frames."""
    result = sdmx.to_pandas(message, attributes="dsgo")
    result = result if isinstance(result, list) else [result]
    return [frame.reset_index() for frame in result]


def values(message: Any, *columns: str) -> dict[tuple[str, ...], float]:
    return {
        tuple(str(row[c]) for c in columns): float(row["value"])
        for frame in frames(message)
        for row in frame.to_dict("records")
    }


def test_the_demo_files_hold_what_the_tests_expect() -> None:
    india = {
        r["SERIES"]: (float(r["OBS_VALUE"]), r["UNWEIGHTED_N"] or None) for r in demo_rows("india")
    }
    assert india == INDIA
    viet_nam = {r["SEX"]: (float(r["OBS_VALUE"]), r["UNWEIGHTED_N"]) for r in demo_rows("viet-nam")}
    assert viet_nam == VIET_NAM
    assert {r["SERIES"] for r in demo_rows("viet-nam")} == {VIET_NAM_SERIES}
    assert len(demo_rows("nepal")) == NEPAL_OBSERVATIONS


# ------------------------------------------------------------------------------------------
# Structures


def test_the_dataflow_list_names_every_flow(client: sdmx.Client) -> None:
    message = client.dataflow()
    assert message.response.request.url.endswith("/dataflow/VOICES/all/latest")
    expected = {FLOW} | {f"{FLOW}_G{goal:02d}" for goal in range(1, 18)}
    assert set(message.dataflow) == expected
    flow = message.dataflow[FLOW]
    assert flow.maintainer.id == "VOICES"
    assert str(flow.name) == "SDG indicators: community-generated data (all goals)"
    assert str(message.dataflow[f"{FLOW}_G05"].name).startswith("Goal 5 (")


def test_a_dataflow_comes_with_everything_it_references(client: sdmx.Client) -> None:
    message = client.dataflow(FLOW)
    assert (
        message.response.headers["content-type"] == "application/vnd.sdmx.structure+xml;version=2.1"
    )
    assert message.response.request.url.endswith(f"/dataflow/VOICES/{FLOW}/latest?references=all")
    flow = message.dataflow[FLOW]
    dsd = message.structure["DSD_SDG_COMMUNITY"]
    assert flow.structure is dsd
    assert [d.id for d in dsd.dimensions] == [*DIMENSIONS, "TIME_PERIOD"]
    assert {"SDG_CONCEPTS", "CS_COMMUNITY"} <= set(message.concept_scheme)
    assert set(COMMUNITY_ATTRIBUTES) <= {c.id for c in message.concept_scheme["CS_COMMUNITY"]}
    codelists = message.codelist
    assert {"CL_SERIES", "CL_AREA", "CL_SEX", "CL_PRODUCER_TYPE", "CL_REVIEW_DECISION"} <= set(
        codelists
    )
    # The community series the demo coalitions defined are codes of CL_SERIES, as are the
    # global ones; sub-national areas sit under their country in CL_AREA.
    assert {"LNOB_IN_KUTCHA_HH", VIET_NAM_SERIES, "EN_LND_SLUM"} <= {
        c.id for c in codelists["CL_SERIES"]
    }
    assert codelists["CL_AREA"]["NP-P2"].parent is not None
    assert {c.id for c in codelists["CL_REVIEW_DECISION"]} == {
        "OFFICIAL",
        "COMPLEMENTARY",
        "CONTEXTUAL",
    }
    # The coalitions that published are data providers with a provision agreement for the flow.
    assert set(message.provisionagreement) == {f"{p}_{FLOW}" for p in PROVIDERS_WITH_DATA}


def test_the_dsd_keeps_the_global_dimensions_and_adds_the_community_attributes(
    dsd: v21.DataStructureDefinition,
) -> None:
    assert dsd.maintainer.id == "VOICES"
    assert [d.id for d in dsd.dimensions if d.id != "TIME_PERIOD"] == list(DIMENSIONS)
    attributes = {a.id: a for a in dsd.attributes}
    assert set(COMMUNITY_ATTRIBUTES) <= set(attributes)
    assert {"OBS_STATUS", "UNIT_MEASURE", "COMMENT_OBS"} <= set(attributes)
    assert attributes["PRODUCER_TYPE"].local_representation.enumerated.id == "CL_PRODUCER_TYPE"
    assert attributes["CONF_STATUS"].local_representation.enumerated.id == "CL_CONF_STATUS"


def test_a_global_codelist_by_its_own_agency(client: sdmx.Client) -> None:
    message = client.codelist("CL_SEX", agency_id="IAEG-SDGs")
    assert message.response.request.url.endswith("/codelist/IAEG-SDGs/CL_SEX/latest")
    codelist = message.codelist["CL_SEX"]
    assert codelist.maintainer.id == "IAEG-SDGs"
    assert {"_T", "F", "M"} <= {c.id for c in codelist}
    assert str(codelist["F"].name) == "Female"


# ------------------------------------------------------------------------------------------
# Data


def test_data_by_string_key_gives_what_india_published(client: sdmx.Client) -> None:
    key = full_key(SERIES="LNOB_IN_KUTCHA_HH+LNOB_IN_WORK_DAYS", REF_AREA="356")
    message = client.data(FLOW, key=key)
    assert message.response.headers["content-type"].startswith(
        "application/vnd.sdmx.genericdata+xml"
    )
    (frame,) = frames(message)
    by_series = {row["SERIES"]: row for row in frame.to_dict("records")}
    assert set(by_series) == set(INDIA)
    for series, (value, respondents) in INDIA.items():
        row = by_series[series]
        assert row["value"] == value and row["TIME_PERIOD"] == "2023"
        assert (row["UNWEIGHTED_N"] or None) == respondents
        assert row["REVIEW_DECISION"] == "COMPLEMENTARY"
        assert row["REVIEW_ORG"] == "Statistics office of India (demo)"
        assert row["PRODUCER_TYPE"] == "CSO"
        assert row["CONF_STATUS"] == "F"
        assert row["CITATION_REF"].startswith(f"{BASE_URL}/api/v1/releases/")


def test_data_by_dict_key_with_the_dsd_reads_structure_specific_data(
    client: sdmx.Client, dsd: v21.DataStructureDefinition
) -> None:
    key = {"SERIES": VIET_NAM_SERIES, "SEX": ["_T", "M", "F"]}
    message = client.data(FLOW, key=key, dsd=dsd)
    assert message.response.request.url.endswith(
        f"/data/{FLOW}/..{VIET_NAM_SERIES}..F+M+_T.........."
    )
    assert message.response.headers["content-type"].startswith(
        "application/vnd.sdmx.structurespecificdata+xml"
    )
    (frame,) = frames(message)
    got = {row["SEX"]: (row["value"], row["UNWEIGHTED_N"]) for row in frame.to_dict("records")}
    assert got == VIET_NAM
    assert set(frame["REF_AREA"]) == {"704"}


def test_data_by_dict_key_without_a_dsd_fetches_it_first(client: sdmx.Client) -> None:
    # sdmx1 asks dataflow/VOICES/…?references=all to validate the key: the agency of our
    # structures is the source id users register, so this works unaided.
    message = client.data(FLOW, key={"SERIES": VIET_NAM_SERIES, "SEX": "_T"})
    assert values(message, "SEX", "TIME_PERIOD") == {("_T", "2023"): 40.0}


@pytest.mark.parametrize("provider", ["LNOB_VN", "VOICES,LNOB_VN"])
def test_data_of_one_provider(client: sdmx.Client, provider: str) -> None:
    # sdmx1 2.28 puts params["provider"] in the path after the key; "all" keeps the key's place
    # (with no key it would take it). Its provider= keyword is deprecated and dropped for data.
    message = client.data(FLOW, key="all", params={"provider": provider})
    assert message.response.request.url.endswith(f"/data/{FLOW}/all/{provider}")
    assert len(message.data) == 1
    got = values(message, "SERIES", "SEX")
    assert got == {(VIET_NAM_SERIES, sex): value for sex, (value, _) in VIET_NAM.items()}


def test_periods_narrow_the_data(client: sdmx.Client) -> None:
    in_2024 = client.data(FLOW, params={"startPeriod": "2024", "endPeriod": "2024"})
    assert len(values(in_2024, "SERIES", "REF_AREA")) == NEPAL_OBSERVATIONS
    assert {row for frame in frames(in_2024) for row in frame["TIME_PERIOD"]} == {"2024"}
    in_2023 = client.data(FLOW, params={"startPeriod": "2023-01", "endPeriod": "2023-12"})
    assert set(values(in_2023, "SERIES", "SEX")) == {
        *((series, "_T") for series in INDIA),
        *((VIET_NAM_SERIES, sex) for sex in VIET_NAM),
    }


def test_updated_after_gives_the_changes_since(client: sdmx.Client) -> None:
    before = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    message = client.data(FLOW, params={"updatedAfter": before})
    assert sum(len(frame) for frame in frames(message)) == ALL_OBSERVATIONS
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    with pytest.raises(requests.HTTPError) as raised:
        client.data(FLOW, params={"updatedAfter": later})
    assert raised.value.response.status_code == 404  # SDMX-REST 1.5: no results


def test_last_n_observations(client: sdmx.Client) -> None:
    key = full_key(SERIES=VIET_NAM_SERIES)
    message = client.data(FLOW, key=key, params={"lastNObservations": 1})
    assert len(values(message, "SEX")) == 3


def test_to_pandas_gives_exactly_what_the_demo_published(client: sdmx.Client) -> None:
    message = client.data(FLOW)
    assert len(message.data) == len(PROVIDERS_WITH_DATA)  # one data set per release
    table = pd.concat(frames(message), ignore_index=True)
    assert len(table) == ALL_OBSERVATIONS
    india = table[table["REF_AREA"] == "356"].set_index("SERIES")["value"].to_dict()
    assert india == {series: value for series, (value, _) in INDIA.items()}
    viet_nam = table[table["SERIES"] == VIET_NAM_SERIES].set_index("SEX")
    assert viet_nam["value"].to_dict() == {sex: value for sex, (value, _) in VIET_NAM.items()}
    assert viet_nam.loc["_T", "UNWEIGHTED_N"] == "400"
    nepal = table[table["SERIES"].str.startswith("LNOB_NP_")]
    file_values = sorted(float(row["Value"]) for row in demo_rows("nepal"))
    assert sorted(nepal["value"]) == file_values
    assert set(nepal["CUST_BREAKDOWN"]) == {"LNOB_WOMEN_GIRLS"}


def test_series_keys_and_preview(client: sdmx.Client) -> None:
    # sdmx1 previews only the first data set of a message; the goal-5 flow holds one release.
    keys = client.preview_data(f"{FLOW}_G05")
    assert len(keys) == NEPAL_OBSERVATIONS
    assert {k.values["SERIES"].value for k in keys} == {
        f"LNOB_NP_SCORECARD_5_{i}" for i in range(1, 7)
    }
    assert sdmx.to_pandas(keys).shape == (NEPAL_OBSERVATIONS, len(DIMENSIONS))
    filtered = client.preview_data(f"{FLOW}_G05", key={"REF_AREA": "NP-P6"})
    assert len(filtered) == 6
    # Every data set of a serieskeysonly answer, read directly: all 23 keys, no observations.
    message = client.data(FLOW, params={"detail": "serieskeysonly"})
    assert sum(len(ds.series) for ds in message.data) == ALL_OBSERVATIONS
    assert all(len(obs) == 0 for ds in message.data for obs in ds.series.values())


def test_availability_is_an_actual_content_constraint(client: sdmx.Client) -> None:
    message = client.availableconstraint(FLOW)
    (constraint,) = message.constraint.values()
    assert constraint.role.role == v21.ConstraintRoleType.actual
    region = constraint.data_content_region[0]
    members = {dim.id: {v.value for v in sel.values} for dim, sel in region.member.items()}
    assert members["REF_AREA"] == {"356", "704", "NP-P2", "NP-P5", "NP-P6"}
    assert members["TIME_PERIOD"] == {"2023", "2024"}
    assert len(members["SERIES"]) == 9
    narrowed = client.availableconstraint(FLOW, key=full_key(REF_AREA="704"))
    (constraint,) = narrowed.constraint.values()
    region = constraint.data_content_region[0]
    members = {dim.id: {v.value for v in sel.values} for dim, sel in region.member.items()}
    assert members["SERIES"] == {VIET_NAM_SERIES} and members["SEX"] == set(VIET_NAM)


# ------------------------------------------------------------------------------------------
# SDMX-REST 2.x tree, as an sdmx1 "3.0.0" source


@pytest.fixture(scope="module")
def client3(demo_server: DemoServer) -> Iterator[sdmx.Client]:
    # The 2.x tree answers SDMX-JSON by default (the spec's default); sdmx1 reads SDMX-ML 3.0.
    headers = {"dataflow": ML30_STRUCTURE, "datastructure": ML30_STRUCTURE, "data": ML30_DATA}
    sdmx.add_source(
        {
            "id": "VOICES",
            "url": demo_server.v2,
            "name": "voicescount (SDMX-REST 2)",
            "versions": ["3.0.0"],
            "headers": headers,
        },
        id="VOICES_V3",
        override=True,
    )
    c = sdmx.Client("VOICES_V3")
    yield c
    c.session.close()


@pytest.fixture(scope="module")
def dsd3(client3: sdmx.Client) -> v21.DataStructureDefinition:
    message = client3.datastructure("DSD_SDG_COMMUNITY", agency_id="VOICES")
    assert message.response.headers["content-type"] == ML30_STRUCTURE["Accept"]
    return message.structure["DSD_SDG_COMMUNITY"]


def test_v3_dataflows_and_structure(
    client3: sdmx.Client, dsd3: v21.DataStructureDefinition
) -> None:
    message = client3.dataflow()
    assert "/sdmx/v2/structure/dataflow/VOICES/*/+" in message.response.request.url
    assert message.response.headers["content-type"] == ML30_STRUCTURE["Accept"]
    assert len(message.dataflow) == 18
    assert [d.id for d in dsd3.dimensions if d.id != "TIME_PERIOD"] == list(DIMENSIONS)


def test_v3_data(client3: sdmx.Client, dsd3: v21.DataStructureDefinition) -> None:
    message = client3.data(FLOW, key=full_key("*", SERIES=VIET_NAM_SERIES), dsd=dsd3)
    assert f"/sdmx/v2/data/*/VOICES/{FLOW}/+/" in message.response.request.url
    assert message.response.headers["content-type"] == ML30_DATA["Accept"]
    (frame,) = frames(message)
    got = {row["SEX"]: (row["value"], row["UNWEIGHTED_N"]) for row in frame.to_dict("records")}
    assert got == VIET_NAM
