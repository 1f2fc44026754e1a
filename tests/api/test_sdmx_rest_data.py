"""Data queries on both SDMX-REST trees over published releases: keys, providers, periods,
first/last N, flat observations, detail, history, point in time and changes (deletions after a
withdrawal and a supersession), and what never shows: unpublished and withdrawn data.

GenericData is read with sdmx1 (it needs no DSD), SDMX-CSV with the csv module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import httpx
import pytest
from lxml import etree

from tests.api import sdmx_helpers as h
from tests.api.sdmx_helpers import DELTA_BULK, Row

GENERIC = {"Accept": "application/vnd.sdmx.genericdata+xml;version=2.1"}
GEN = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"

#: What alpha publishes now: its main dataset and the second version of the revised one.
ALPHA_NOW = [*h.ALPHA_MAIN, *h.ALPHA_REVISED_V2]


@pytest.fixture
def world(sdmx_world: h.World) -> h.World:
    return sdmx_world


Cell = tuple[str, str, str, str, float | None]


def cells(rows: Iterable[Row]) -> set[Cell]:
    return {(r.series, r.area, r.sex, str(r.year), r.value) for r in rows}


def seen(observations: Iterable[h.Obs]) -> set[Cell]:
    return {
        (o.key["SERIES"], o.key["REF_AREA"], o.key["SEX"], o.period, o.value) for o in observations
    }


def v1(world: h.World, path: str, **params: str) -> httpx.Response:
    return world.client.get(f"/sdmx/v1/data/{path}", params=params)


def v1_obs(world: h.World, path: str, **params: str) -> list[h.Obs]:
    response = v1(world, path, **params)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/vnd.sdmx.genericdata+xml;version=2.1"
    return h.read_generic(response.content)


def v2(world: h.World, path: str, headers: dict[str, str] | None = None, **params: str):
    return world.client.get(f"/sdmx/v2/data/{path}", params=params, headers=headers or GENERIC)


def v2_obs(world: h.World, path: str, **params: str) -> list[h.Obs]:
    response = v2(world, path, **params)
    assert response.status_code == 200, response.text[:500]
    return h.read_generic(response.content)


def no_result_v1(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text[:300]
    assert h.sdmx_error(response).code == 100


def iso(moment: datetime) -> str:
    return moment.isoformat()


def release_set(world: h.World, *names: str) -> set[str]:
    return {world.releases[name] for name in names}


# ------------------------------------------------------------------------------------------
# SDMX-REST 1.5: /data/{flowRef}/{key}/{providerRef}


def test_a_providers_current_data(world: h.World) -> None:
    alpha = world.org("alpha")
    observations = v1_obs(world, f"{h.FLOW}/all/{alpha}")
    assert seen(observations) == cells(ALPHA_NOW)
    assert {o.dataset for o in observations} == release_set(world, "alpha_main", "alpha_revised_v2")
    assert {o.action for o in observations} == {"Information"}
    for observation in observations:
        attributes = observation.attributes
        assert attributes["CITATION_REF"].endswith(f"/api/v1/releases/{observation.dataset}")
        assert attributes["REVIEW_DECISION"] == "COMPLEMENTARY"
        assert attributes["UNWEIGHTED_N"] == "100"
        assert attributes["REVIEW_ORG"] == f"{world.office.approver.org} coalition"


@pytest.mark.parametrize(
    "flow_ref",
    [
        h.FLOW,
        f"VOICES,{h.FLOW}",
        f"VOICES,{h.FLOW},1.0.0",
        f"VOICES,{h.FLOW},latest",
        f"all,{h.FLOW},LATEST",
    ],
)
def test_every_form_of_flow_ref(world: h.World, flow_ref: str) -> None:
    alpha = world.org("alpha")
    assert seen(v1_obs(world, f"{flow_ref}/all/VOICES,{alpha}")) == cells(ALPHA_NOW)


def test_provider_ref_filters_by_coalition(world: h.World) -> None:
    alpha, beta = world.org("alpha"), world.org("beta")
    assert seen(v1_obs(world, f"{h.FLOW}/all/{beta}")) == cells(h.BETA_MAIN)
    both = v1_obs(world, f"{h.FLOW}/all/{alpha}+VOICES,{beta}")
    assert seen(both) == cells([*ALPHA_NOW, *h.BETA_MAIN])
    # Without a provider (or with "all"): every coalition's current data, and only that.
    for path in (h.FLOW, f"{h.FLOW}/all", f"{h.FLOW}/all/all"):
        everything = v1_obs(world, path)
        assert seen(everything) == cells([*ALPHA_NOW, *h.BETA_MAIN, *DELTA_BULK])
    assert {o.dataset for o in everything} == release_set(
        world, "alpha_main", "alpha_revised_v2", "beta_main", "delta_bulk"
    )


def test_keys_select_series(world: h.World) -> None:
    females = v1_obs(world, f"{h.FLOW}/{h.key(SERIES=h.MARRIAGE, REF_AREA='KE-28+KE-30', SEX='F')}")
    assert seen(females) == cells(
        r for r in h.ALPHA_MAIN if r.sex == "F" and r.area in ("KE-28", "KE-30")
    )
    full = "A.N.SP_DYN_MRBF18.KE-01.F._T._T._T._T._T._T._T._T._T._T"
    assert seen(v1_obs(world, f"{h.FLOW}/{full}")) == cells(h.ALPHA_REVISED_V2)
    across = v1_obs(world, f"{h.FLOW}/{h.key(REF_AREA='KE-01')}")
    assert {o.key["SERIES"] for o in across} == {h.MARRIAGE, h.POVERTY, h.STUNTING}
    goal1 = v1_obs(world, f"VOICES,{h.FLOW}_G01/all")
    assert seen(goal1) == cells(h.BETA_MAIN)  # the flow of goal 1 carries poverty only


def test_unpublished_and_withdrawn_data_never_show(world: h.World) -> None:
    gamma = world.org("gamma")
    no_result_v1(v1(world, f"{h.FLOW}/all/{gamma}"))  # submitted, never published
    no_result_v1(v1(world, f"{h.FLOW}/{h.key(REF_AREA='KE-20')}"))
    no_result_v1(v1(world, f"{h.FLOW}/{h.key(REF_AREA='KE-10')}"))  # withdrawn
    for params in ({"includeHistory": "true"}, {"asOf": iso(world.moments["released"])}):
        history = v1_obs(world, f"{h.FLOW}/{h.key(SERIES=h.POVERTY)}", **params)
        assert seen(history) == cells(h.BETA_MAIN), params
    assert v2(world, f"dataflow/VOICES/{h.FLOW}/*/{h.key(REF_AREA='KE-20')}").status_code == 204
    assert v2(world, f"provisionagreement/VOICES/{gamma}_{h.FLOW}/*/*").status_code == 204


def test_periods(world: h.World) -> None:
    path = f"{h.FLOW}/{h.key(REF_AREA='KE-28', SEX='F')}/{world.org('alpha')}"

    def years(**params: str) -> list[str]:
        return sorted(o.period for o in v1_obs(world, path, **params))

    assert years() == [str(y) for y in range(2019, 2025)]
    assert years(startPeriod="2021", endPeriod="2022") == ["2021", "2022"]
    # Periods of other frequencies: a year is in range if it overlaps it.
    assert years(startPeriod="2023-07") == ["2023", "2024"]
    assert years(endPeriod="2020-Q1") == ["2019", "2020"]
    assert years(startPeriod="2022-06-30", endPeriod="2022-07-01") == ["2022"]
    no_result_v1(v1(world, path, startPeriod="2030"))


def test_first_and_last_observations(world: h.World) -> None:
    path = f"{h.FLOW}/{h.key(SERIES=h.MARRIAGE, SEX='F')}/{world.org('alpha')}"

    def by_series(**params: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for o in v1_obs(world, path, **params):
            found.setdefault(o.key["REF_AREA"], []).append(o.period)
        return {area: sorted(periods) for area, periods in found.items()}

    assert by_series(firstNObservations="2") == {
        "KE-28": ["2019", "2020"],
        "KE-30": ["2019", "2020"],
        "KE-01": ["2022", "2023"],
    }
    assert by_series(lastNObservations="1") == {
        "KE-28": ["2024"],
        "KE-30": ["2024"],
        "KE-01": ["2023"],
    }
    # Within a period range, counted from its end.
    assert by_series(lastNObservations="2", endPeriod="2022") == {
        "KE-28": ["2021", "2022"],
        "KE-30": ["2021", "2022"],
        "KE-01": ["2022"],
    }


def test_flat_observations(world: h.World) -> None:
    path = f"{h.FLOW}/all/{world.org('alpha')}"
    response = v1(world, path, dimensionAtObservation="AllDimensions")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    structure = root.find(f"{{{h.MES_21}}}Header/{{{h.MES_21}}}Structure")
    assert structure is not None and structure.get("dimensionAtObservation") == "AllDimensions"
    assert not root.findall(f".//{{{GEN}}}Series")
    assert len(root.findall(f".//{{{GEN}}}Obs/{{{GEN}}}ObsKey")) == len(ALPHA_NOW)
    flat = h.read_generic(response.content)
    assert seen(flat) == cells(ALPHA_NOW)
    assert all(o.attributes["UNIT_MEASURE"] == "PT" for o in flat)
    assert seen(v1_obs(world, path, dimensionAtObservation="allDimensions")) == cells(ALPHA_NOW)


def test_detail(world: h.World) -> None:
    path = f"{h.FLOW}/{h.key(SERIES=h.MARRIAGE, SEX='F')}/{world.org('alpha')}"

    def parts(detail: str) -> dict[str, int]:
        response = v1(world, path, detail=detail)
        assert response.status_code == 200, response.text
        root = etree.fromstring(response.content)
        return {
            name: len(root.findall(f".//{{{GEN}}}{name}"))
            for name in ("Series", "Obs", "ObsValue", "Attributes")
        }

    observations = 6 + 6 + 2
    assert parts("full") == {
        "Series": 3,
        "Obs": observations,
        "ObsValue": observations,
        "Attributes": 3 + observations,
    }
    assert parts("dataonly") == {
        "Series": 3,
        "Obs": observations,
        "ObsValue": observations,
        "Attributes": 0,
    }
    assert parts("serieskeysonly") == {"Series": 3, "Obs": 0, "ObsValue": 0, "Attributes": 0}
    assert parts("nodata") == {"Series": 3, "Obs": 0, "ObsValue": 0, "Attributes": 3}
    assert parts("DataOnly") == parts("dataonly")
    values = v1_obs(world, path, detail="dataonly")
    assert seen(values) == cells(r for r in ALPHA_NOW if r.sex == "F")
    assert all(not o.attributes for o in values)


def test_updated_after_reports_deletions_and_replacements(world: h.World) -> None:
    response = v1(world, h.FLOW, updatedAfter=iso(world.moments["released"]))
    assert response.status_code == 200
    datasets = {d["setID"]: d for d in h.generic_datasets(response.content)}
    revised_v1, revised_v2, withdrawn = (
        world.releases[n] for n in ("alpha_revised", "alpha_revised_v2", "beta_withdrawn")
    )
    assert set(datasets) == {revised_v1, revised_v2, withdrawn}
    assert datasets[revised_v1]["action"] == "Delete"  # superseded
    assert datasets[withdrawn]["action"] == "Delete"  # withdrawn
    assert datasets[revised_v2]["action"] == "Replace"
    assert "validToDate" in datasets[revised_v1] and "validToDate" in datasets[withdrawn]
    observations = h.read_generic(response.content)
    deleted = {
        (o.dataset, o.key["REF_AREA"], o.period, o.value)
        for o in observations
        if o.action == "Delete"
    }
    assert deleted == {(revised_v1, "KE-01", "2022", None), (withdrawn, "KE-10", "2021", None)}
    replaced = [o for o in observations if o.action == "Replace"]
    assert seen(replaced) == cells(h.ALPHA_REVISED_V2)
    # Deletions come first, so a client applying the message in order ends with 2022 = 12.
    actions = [d["action"] for d in h.generic_datasets(response.content)]
    assert actions.index("Replace") > max(i for i, a in enumerate(actions) if a == "Delete")


def test_updated_after_variants(world: h.World) -> None:
    alpha = world.org("alpha")
    # Before anything was published: everything current, as replacements, and no deletions.
    since_start = v1_obs(world, f"{h.FLOW}/all/{alpha}", updatedAfter=iso(world.moments["start"]))
    assert seen(since_start) == cells(ALPHA_NOW)
    assert {o.action for o in since_start} == {"Replace"}
    # Nothing changed since: no results.
    no_result_v1(v1(world, h.FLOW, updatedAfter=iso(world.moments["changed"])))
    # A naive timestamp is taken as UTC.
    naive = world.moments["released"].replace(tzinfo=None).isoformat()
    assert {o.dataset for o in v1_obs(world, h.FLOW, updatedAfter=naive)} == release_set(
        world, "alpha_revised", "alpha_revised_v2", "beta_withdrawn"
    )
    with_period = v1_obs(
        world,
        f"{h.FLOW}/all/{alpha}",
        updatedAfter=iso(world.moments["released"]),
        startPeriod="2023",
    )
    assert seen(with_period) == {(h.MARRIAGE, "KE-01", "F", "2023", 13.0)}


def test_history_and_point_in_time(world: h.World) -> None:
    alpha = world.org("alpha")
    revised = f"{h.FLOW}/{h.key(REF_AREA='KE-01', SERIES=h.MARRIAGE)}/{alpha}"
    history = v1(world, revised, includeHistory="true")
    assert history.status_code == 200
    datasets = {d["setID"]: d for d in h.generic_datasets(history.content)}
    old, new = world.releases["alpha_revised"], world.releases["alpha_revised_v2"]
    assert set(datasets) == {old, new}
    assert "validToDate" in datasets[old] and "validToDate" not in datasets[new]
    assert (
        datasets[old]["validFromDate"]
        <= datasets[old]["validToDate"]
        <= datasets[new]["validFromDate"]
    )
    by_release = {(o.dataset, o.period, o.value) for o in h.read_generic(history.content)}
    assert by_release == {(old, "2022", 10.0), (new, "2022", 12.0), (new, "2023", 13.0)}
    then = v1_obs(world, revised, asOf=iso(world.moments["released"]))
    assert {(o.dataset, o.period, o.value) for o in then} == {(old, "2022", 10.0)}
    no_result_v1(v1(world, revised, asOf=iso(world.moments["start"])))
    now = v1_obs(world, revised, asOf=iso(world.moments["changed"]))
    assert {(o.dataset, o.period, o.value) for o in now} == {
        (new, "2022", 12.0),
        (new, "2023", 13.0),
    }


def test_sdmx_csv_10(world: h.World) -> None:
    path = f"{h.FLOW}/{h.key(SERIES=h.MARRIAGE)}/{world.org('alpha')}"
    response = world.client.get(f"/sdmx/v1/data/{path}", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    rows = h.read_csv(response.content)
    assert list(rows[0])[:4] == ["DATAFLOW", "FREQ", "REPORTING_TYPE", "SERIES"]
    assert {r["DATAFLOW"] for r in rows} == {"VOICES:DF_SDG_COMMUNITY(1.0.0)"}
    assert {
        (r["SERIES"], r["REF_AREA"], r["SEX"], r["TIME_PERIOD"], float(r["OBS_VALUE"]))
        for r in rows
    } == cells(ALPHA_NOW)
    assert {r["UNIT_MEASURE"] for r in rows} == {"PT"}
    assert {r["CITATION_REF"].rsplit("/", 1)[1] for r in rows} == release_set(
        world, "alpha_main", "alpha_revised_v2"
    )


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        (f"{h.FLOW}/all", {"firstNObservations": "abc"}, 400, 140),
        (f"{h.FLOW}/all", {"lastNObservations": "0"}, 400, 140),
        (f"{h.FLOW}/A.N", {}, 400, 140),  # a key with 2 of the 15 parts
        ("VOICES,DF_SDG_COMMUNITY,1.0.0,extra/all", {}, 400, 140),
        (",/all", {}, 400, 140),
        (f"{h.FLOW}/all", {"startPeriod": "last year"}, 400, 140),
        (f"{h.FLOW}/all", {"updatedAfter": "yesterday"}, 400, 140),
        (f"{h.FLOW}/all", {"detail": "everything"}, 400, 140),
        (f"{h.FLOW}/all", {"includeHistory": "maybe"}, 400, 140),
        ("DF_NOPE/all", {}, 404, 100),
        (f"VOICES,{h.FLOW},9.9.9/all", {}, 404, 100),
        (f"{h.FLOW}/all", {"dimensionAtObservation": "SEX"}, 501, 501),
    ],
)
def test_bad_data_queries(world: h.World, path: str, params: dict, status: int, code: int) -> None:
    response = v1(world, path, **params)
    assert response.status_code == status, response.text[:300]
    error = h.sdmx_error(response)
    assert error.code == code and error.root == "mes:Error"


# ------------------------------------------------------------------------------------------
# SDMX-REST 2.x: /data/{context}/{agencyID}/{resourceID}/{version}/{key}


def test_v2_dataflow_context(world: h.World) -> None:
    marriage = f"*.*.{h.MARRIAGE}.*.*.*.*.*.*.*.*.*.*.*.*"
    for version in ("1.0.0", "*", "~", "+", "latest"):
        found = v2_obs(world, f"dataflow/VOICES/{h.FLOW}/{version}/{marriage}")
        assert seen(found) == cells(ALPHA_NOW), version
    assert seen(v2_obs(world, f"dataflow/*/{h.FLOW}/*/{h.key(SERIES=h.POVERTY)}")) == cells(
        h.BETA_MAIN
    )
    # Several whole keys, comma-separated; "+" within a position as sdmx1 sends it.
    two = ",".join(
        f"A.N.{h.MARRIAGE}.{area}.F._T._T._T._T._T._T._T._T._T._T" for area in ("KE-28", "KE-01")
    )
    assert seen(v2_obs(world, f"dataflow/VOICES/{h.FLOW}/*/{two}")) == cells(
        r for r in ALPHA_NOW if r.sex == "F" and r.area in ("KE-28", "KE-01")
    )
    either = h.key(SERIES=h.MARRIAGE, REF_AREA="KE-28+KE-01", SEX="F")
    assert seen(v2_obs(world, f"dataflow/VOICES/{h.FLOW}/*/{either}")) == cells(
        r for r in ALPHA_NOW if r.sex == "F" and r.area in ("KE-28", "KE-01")
    )
    # Trailing parts left out: the whole flow.
    everything = v2_obs(world, f"dataflow/VOICES/{h.FLOW}")
    assert seen(everything) == cells([*ALPHA_NOW, *h.BETA_MAIN, *DELTA_BULK])


def test_v2_component_filters(world: h.World) -> None:
    flow = f"dataflow/VOICES/{h.FLOW}/*/{h.key(SERIES=h.MARRIAGE)}"
    women = v2_obs(world, flow, **{"c[SEX]": "F"})
    assert seen(women) == cells(r for r in ALPHA_NOW if r.sex == "F")
    both = v2_obs(world, flow, **{"c[SEX]": "F,M", "c[REF_AREA]": "KE-28"})
    assert seen(both) == cells(r for r in ALPHA_NOW if r.area == "KE-28")
    window = v2_obs(world, flow, **{"c[TIME_PERIOD]": "ge:2020+le:2023", "c[SEX]": "M"})
    assert sorted(o.period for o in window) == ["2020", "2021", "2022", "2023"]
    exact = v2_obs(world, flow, **{"c[TIME_PERIOD]": "2022", "c[REF_AREA]": "KE-01"})
    assert seen(exact) == {(h.MARRIAGE, "KE-01", "F", "2022", 12.0)}
    # Encoded brackets, as the spec's tips suggest for strict proxies.
    encoded = world.client.get(f"/sdmx/v2/data/{flow}?c%5BSEX%5D=M", headers=GENERIC)
    assert seen(h.read_generic(encoded.content)) == cells(r for r in ALPHA_NOW if r.sex == "M")
    # A filter that leaves nothing: 204, no body.
    empty = v2(world, flow, **{"c[SEX]": "_T"})
    assert empty.status_code == 204 and empty.content == b""


def test_v2_attributes_and_measures(world: h.World) -> None:
    flow = f"dataflow/VOICES/{h.FLOW}/*/{h.key(SERIES=h.MARRIAGE, REF_AREA='KE-30')}"

    def parts(**params: str) -> tuple[int, int, int]:
        response = v2(world, flow, **params)
        assert response.status_code == 200, response.text
        root = etree.fromstring(response.content)
        return tuple(  # type: ignore[return-value]
            len(root.findall(f".//{{{GEN}}}{name}")) for name in ("Obs", "ObsValue", "Attributes")
        )

    assert parts() == (6, 6, 7)
    assert parts(attributes="none") == (6, 6, 0)
    assert parts(measures="none") == (0, 0, 1)
    assert parts(attributes="none", measures="none") == (0, 0, 0)
    assert parts(attributes="all", measures="all") == parts()


def test_v2_provision_agreement_context(world: h.World) -> None:
    alpha, beta = world.org("alpha"), world.org("beta")
    mine = v2_obs(world, f"provisionagreement/VOICES/{alpha}_{h.FLOW}/*/*")
    assert seen(mine) == cells(ALPHA_NOW)
    goal1 = v2_obs(world, f"provisionagreement/VOICES/{beta}_{h.FLOW}_G01/1.0.0")
    assert seen(goal1) == cells(h.BETA_MAIN)
    # Agreements are named PROVIDER_FLOW, as the provisionagreement resource lists them.
    listed = world.client.get("/sdmx/v1/provisionagreement/VOICES/all/latest")
    agreements = h.kinds(listed.content)["ProvisionAgreement"]
    assert f"{alpha}_{h.FLOW}" in agreements and f"{beta}_{h.FLOW}_G01" in agreements
    unknown = v2(world, "provisionagreement/VOICES/NOBODY_DF_ELSEWHERE/*/*")
    assert unknown.status_code == 404 and h.sdmx_error(unknown).code == 100


def test_v2_changes_history_and_time_travel(world: h.World) -> None:
    alpha = world.org("alpha")
    revised = f"provisionagreement/VOICES/{alpha}_{h.FLOW}/*/{h.key(REF_AREA='KE-01')}"
    old, new = world.releases["alpha_revised"], world.releases["alpha_revised_v2"]
    changes = v2_obs(world, revised, updatedAfter=iso(world.moments["released"]))
    assert {(o.dataset, o.action, o.period, o.value) for o in changes} == {
        (old, "Delete", "2022", None),
        (new, "Replace", "2022", 12.0),
        (new, "Replace", "2023", 13.0),
    }
    history = v2_obs(world, revised, includeHistory="true")
    assert {o.dataset for o in history} == {old, new}
    then = v2_obs(world, revised, asOf=iso(world.moments["released"]))
    assert {(o.dataset, o.value) for o in then} == {(old, 10.0)}
    assert v2(world, revised, updatedAfter=iso(world.moments["changed"])).status_code == 204
    first = v2_obs(world, f"provisionagreement/VOICES/{alpha}_{h.FLOW}/*/*", firstNObservations="1")
    assert sorted(o.period for o in first) == ["2019", "2019", "2019", "2022"]
    last = v2_obs(world, f"provisionagreement/VOICES/{alpha}_{h.FLOW}/*/*", lastNObservations="1")
    assert sorted(o.period for o in last) == ["2023", "2024", "2024", "2024"]


def test_v2_sdmx_csv_20_and_json(world: h.World) -> None:
    flow = f"dataflow/VOICES/{h.FLOW}/*/{h.key(SERIES=h.POVERTY)}"
    response = v2(world, flow, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    rows = h.read_csv(response.content)
    assert list(rows[0])[:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert {(r["STRUCTURE"], r["STRUCTURE_ID"], r["ACTION"]) for r in rows} == {
        ("dataflow", "VOICES:DF_SDG_COMMUNITY(1.0.0)", "I")
    }
    assert {
        (r["SERIES"], r["REF_AREA"], r["SEX"], r["TIME_PERIOD"], float(r["OBS_VALUE"]))
        for r in rows
    } == cells(h.BETA_MAIN)
    default = world.client.get(f"/sdmx/v2/data/{flow}")
    assert default.headers["content-type"] == "application/vnd.sdmx.data+json;version=2.0.0"
    body = default.json()
    (dataset,) = body["data"]["dataSets"]
    values = sorted(
        observation[0]
        for series in dataset["series"].values()
        for observation in series["observations"].values()
    )
    assert values == sorted(r.value for r in h.BETA_MAIN)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (f"dataflow/VOICES/{h.FLOW}/*/A.N", {}, 400),
        (f"dataflow/VOICES/{h.FLOW}/*/*", {"firstNObservations": "abc"}, 400),
        (f"dataflow/VOICES/{h.FLOW}/*/*", {"attributes": "sometimes"}, 501),
        (f"nocontext/VOICES/{h.FLOW}/*/*", {}, 400),
        (f"dataflow/VOICES/{h.FLOW}/*/*", {"c[NOPE]": "x"}, 422),  # no such component
        (f"dataflow/VOICES/{h.FLOW}/*/*", {"c[OBS_STATUS]": "A"}, 501),  # not a dimension
        (f"dataflow/VOICES/{h.FLOW}/*/*", {"c[SEX]": "co:F"}, 501),
        ("datastructure/VOICES/DSD_SDG_COMMUNITY/*/*", {}, 501),
        ("dataflow/VOICES/DF_NOPE/*/*", {}, 404),
    ],
)
def test_v2_bad_data_queries(world: h.World, path: str, params: dict, status: int) -> None:
    response = v2(world, path, **params)
    assert response.status_code == status, response.text[:300]
    assert h.sdmx_error(response).root == "mes:Error"
    as_json = world.client.get(f"/sdmx/v2/data/{path}", params=params)
    assert as_json.status_code == status
    assert h.json_error(as_json)["code"] == status
