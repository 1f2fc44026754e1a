"""Community data beside official data, with one sdmx1 client (docs/nso.md, "Joining with
official SDG data").

Kenya's national SDG data (a committed, derived subset of KE1.xml, see ``data/README.md``) are
structure-specific SDMX-ML 2.1 for the national DSD ``KE1:SDG(1.0)``, a copy of the global SDG
DSD. sdmx1 reads such a message only with a DSD; voicescount's DSD keeps the global dimensions in
the same order with the SDG attributes, so the DSD the same client fetched from voicescount reads
it. A Kenyan coalition's slum survey (EN_LND_SLUM, 2019) is published in the test; both become
``to_pandas`` frames and join on the shared SDG dimensions. REF_AREA differs: Kenya's national
codes (``KE``, ``KE_NBO``) against M49 and ISO 3166-2 here (``404``, ``KE-30``), mapped
explicitly; REPORTING_TYPE differs by design (G for the national platform's global reporting, N
for community data) and is not a join key.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
import requests
import sdmx
from lxml import etree
from pysdmx.io import get_datasets
from pysdmx.model.dataset import ActionType
from scripts.derive_kenya_fixture import KEEP, derive
from sdmx.model import v21

from tests.conftest import BACKENDS
from tests.interop.conftest import (
    DIMENSIONS,
    FLOW,
    KENYA_SLUMS,
    KENYA_SLUMS_PROVIDER,
    DemoServer,
    full_key,
    kenya_slums_pilot,
    serve_demo,
)
from voicescount.types import Role

pytestmark = pytest.mark.interop

FIXTURE = Path(__file__).with_name("data") / "ke1-official-subset.xml"
#: Kenya's national area codes → the codes of voicescount's CL_AREA (M49, ISO 3166-2).
AREAS = {"KE": "404", "KE_NBO": "KE-30"}
#: The SDG dimensions both sides share meaning for (not REPORTING_TYPE), and the period.
JOIN = [d for d in DIMENSIONS if d != "REPORTING_TYPE"] + ["TIME_PERIOD"]
#: What each side says about its figures, kept beside them.
OFFICIAL = ["value", "REPORTING_TYPE", "UNIT_MEASURE", "OBS_STATUS", "TIME_DETAIL"]
COMMUNITY = [
    "value",
    "REPORTING_TYPE",
    "UNIT_MEASURE",
    "UNWEIGHTED_N",
    "REVIEW_DECISION",
    "CITATION_REF",
]


@pytest.fixture(scope="module", params=BACKENDS)
def official_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """A server of its own (this module publishes and withdraws): the registry, no demo."""
    backend: str = request.param
    tmp = tmp_path_factory.mktemp(f"official-{backend}")
    with serve_demo(backend, tmp, request, demo=False) as server:
        yield server


@pytest.fixture(scope="module")
def client(official_server: DemoServer) -> Iterator[sdmx.Client]:
    sdmx.add_source(
        {
            "id": "VOICES",
            "url": official_server.v1,
            "name": "voicescount",
            "supports": {
                "availableconstraint": True,
                "preview": True,
                "structure-specific data": True,
            },
        },
        override=True,
    )
    c = sdmx.Client("VOICES")
    yield c
    c.session.close()


@pytest.fixture(scope="module")
def release(official_server: DemoServer) -> str:
    result = official_server.publish(kenya_slums_pilot())
    assert result.state == "published" and result.observations == len(KENYA_SLUMS)
    return f"{result.dataset}-v{result.version}"


@pytest.fixture(scope="module")
def dsd(client: sdmx.Client) -> v21.DataStructureDefinition:
    return client.datastructure("DSD_SDG_COMMUNITY").structure["DSD_SDG_COMMUNITY"]


def official_frame(dsd: v21.DataStructureDefinition) -> pd.DataFrame:
    message = sdmx.read_sdmx(io.BytesIO(FIXTURE.read_bytes()), structure=dsd)
    return sdmx.to_pandas(message, attributes="dsgo").reset_index()


def test_sdmx1_reads_the_official_message_with_our_dsd(dsd: v21.DataStructureDefinition) -> None:
    official = official_frame(dsd)
    assert {
        (r["SERIES"], r["REF_AREA"], r["TIME_PERIOD"]): r["value"]
        for r in official.to_dict("records")
    } == {
        ("EN_LND_SLUM", "KE", "2014"): 7.9,
        ("EN_LND_SLUM", "KE", "2019"): 6.9,
        ("SP_TRN_PUBL", "KE_NBO", "2019"): 65.7,
        ("VC_DSR_MTMP", "KE", "2015"): 3151.0,
        ("VC_DSR_MTMP", "KE", "2019"): 2208.0,
    }
    assert set(official["REPORTING_TYPE"]) == {"G"}
    assert set(official["TIME_DETAIL"]) >= {"2019"}


def test_official_and_community_figures_side_by_side(
    client: sdmx.Client, dsd: v21.DataStructureDefinition, release: str
) -> None:
    official = official_frame(dsd)
    official["REF_AREA"] = official["REF_AREA"].map(AREAS).fillna(official["REF_AREA"])
    message = client.data(FLOW, key=full_key(SERIES="EN_LND_SLUM"))
    community = sdmx.to_pandas(message, attributes="dsgo").reset_index()
    assert {
        r["REF_AREA"]: (r["value"], r["UNWEIGHTED_N"]) for r in community.to_dict("records")
    } == KENYA_SLUMS

    official, community = official[JOIN + OFFICIAL], community[JOIN + COMMUNITY]
    joined = official.merge(community, on=JOIN, suffixes=("_official", "_community"))
    assert len(joined) == 1
    (row,) = joined.to_dict("records")
    assert (row["SERIES"], row["REF_AREA"], row["TIME_PERIOD"]) == ("EN_LND_SLUM", "404", "2019")
    assert (row["value_official"], row["value_community"]) == (6.9, 31.2)
    # What each side says about itself travels with it.
    assert (row["REPORTING_TYPE_official"], row["REPORTING_TYPE_community"]) == ("G", "N")
    assert (row["TIME_DETAIL"], row["OBS_STATUS"]) == ("2019", "A")
    assert (row["REVIEW_DECISION"], row["UNWEIGHTED_N"]) == ("COMPLEMENTARY", "1450")
    assert row["CITATION_REF"].endswith(f"/api/v1/releases/{release}")
    assert row["UNIT_MEASURE_official"] == row["UNIT_MEASURE_community"] == "PT"
    # Nairobi: the official series is another indicator (and URBANISATION=CITY), so an outer
    # join keeps both rows apart rather than pairing unlike things.
    outer = official.merge(community, on=JOIN, how="outer", suffixes=("_official", "_community"))
    nairobi = outer[outer["REF_AREA"] == "KE-30"]
    assert set(nairobi["SERIES"]) == {"SP_TRN_PUBL", "EN_LND_SLUM"}
    assert nairobi["value_official"].notna().sum() == nairobi["value_community"].notna().sum() == 1


def test_a_withdrawal_reaches_an_incremental_load_as_a_deletion(
    official_server: DemoServer, client: sdmx.Client, release: str
) -> None:
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    token = official_server.key("NSO_KE", Role.APPROVER)
    withdrawn = httpx.post(
        f"{official_server.url}/api/v1/releases/{release}/withdraw",
        json={"reason": "The coalition withdrew consent (interop test)."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    # sdmx1 2.28 does not read a data set's action: it sees the deleted observations as
    # series with no values; the message itself says action="Delete".
    changes = client.data(FLOW, key="all", params={"updatedAfter": since})
    (dataset,) = changes.data
    assert {key.values["REF_AREA"].value for key in dataset.series} == set(KENYA_SLUMS)
    assert all(pd.isna(obs.value) for obs in dataset.obs)
    root = etree.fromstring(changes.response.content)
    assert [d.get("action") for d in root.findall("{*}DataSet")] == ["Delete"]
    # pysdmx reads the action; SDMX-CSV 2.0 carries it on every row.
    (deleted,) = get_datasets(io.BytesIO(changes.response.content))
    assert deleted.action == ActionType.Delete and len(deleted.data) == len(KENYA_SLUMS)
    csv = httpx.get(
        f"{official_server.v2}/data/dataflow/VOICES/{FLOW}",
        params={"updatedAfter": since},
        headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"},
    )
    table = pd.read_csv(io.StringIO(csv.text), dtype=str)
    assert set(table["ACTION"]) == {"D"} and set(table["REF_AREA"]) == set(KENYA_SLUMS)
    # The current data no longer hold the release: no results (404 on SDMX-REST 1.5).
    with pytest.raises(requests.HTTPError) as raised:
        client.data(FLOW, key="all", params={"provider": KENYA_SLUMS_PROVIDER})
    assert raised.value.response.status_code == 404


def test_the_fixture_script_keeps_the_chosen_series_unchanged(tmp_path: Path) -> None:
    """scripts/derive_kenya_fixture.py on a message like KE1.xml (the fixture plus a series
    that is not kept): the kept series come out as they went in, the other is gone."""
    text = FIXTURE.read_text(encoding="utf-8")
    extra = (
        '  <Series FREQ="A" REPORTING_TYPE="G" SERIES="EN_URB_OPENSP" REF_AREA="KE_MBA" '
        'UNIT_MEASURE="PT"><Obs TIME_PERIOD="2020" OBS_VALUE="1.5"/></Series>\n'
    )
    source = tmp_path / "KE1.xml"
    source.write_text(text.replace("</message:DataSet>", extra + "</message:DataSet>"))
    target = tmp_path / "subset.xml"
    assert derive(source, target) == 5
    root = etree.parse(str(target)).getroot()
    kept = root.findall("{*}DataSet/Series")
    assert {(s.get("SERIES"), s.get("REF_AREA")) for s in kept} == KEEP
    original = etree.parse(str(FIXTURE)).getroot().findall("{*}DataSet/Series")
    assert [etree.tostring(s) for s in kept] == [etree.tostring(s) for s in original]
    assert "Derived by scripts/derive_kenya_fixture.py" in target.read_text(encoding="utf-8")
