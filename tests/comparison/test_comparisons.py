"""GET /api/v1/comparisons: community figures published through review beside official ones,
with the gap, how each pair was matched, and both sources' provenance, as JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.comparison.conftest import World
from tests.publishing.conftest import Published, published  # noqa: F401


def _mine(world: World, body: dict[str, Any], release: str | None = None) -> list[dict]:
    """Rows of the world's release and sources (the store is shared with other tests)."""
    ids = {s["id"] for s in world.sources.values()}
    return [
        r
        for r in body["data"]
        if r["community"]["release"] == (release or world.release)
        and r["official"]["source"]["id"] in ids
    ]


def test_a_release_beside_every_source(world: World) -> None:
    body = world.compare(release=world.release)
    knbs, unsd = world.sources["knbs"]["id"], world.sources["unsd"]["id"]
    assert body["community_observations"] == 3 and body["unmatched"] == 0
    rows = {
        (r["area"], r["community"]["value"], r["official"]["source"]["id"]): r
        for r in _mine(world, body)
    }
    # Mombasa, women: Kenya's figure for women, same year; and 5.3.1's other series.
    mombasa = rows["KE-28", 23.5, knbs]
    assert (mombasa["official"]["value"], mombasa["official"]["area"]) == (22.9, "404")
    assert mombasa["official"]["period"] == "2023"  # not 2022's 21.0
    assert mombasa["gap"] == 0.6 and mombasa["ratio"] == 1.026201
    assert mombasa["match"] == {
        "series": "same",
        "area": "national",
        "period": "exact",
        "disaggregation": "exact",
    }
    assert mombasa["labels"] == ["national figure for comparison: Kenya (404)"]
    assert (mombasa["series"], mombasa["indicator"], mombasa["period"]) == (
        "SP_DYN_MRBF18",
        "5.3.1",
        "2023",
    )
    assert mombasa["dimensions"] == {"SEX": "F"} and mombasa["compared_with_total"] == []
    assert mombasa["area_name"] == "Mombasa"
    other_series = rows["KE-28", 23.5, unsd]
    assert other_series["official"]["series"] == "SP_DYN_MRBF15"
    assert other_series["official"]["value"] == 9.1 and other_series["gap"] == 14.4
    assert other_series["match"]["series"] == "same_indicator"
    assert other_series["labels"][0].startswith("same indicator, different series")
    # Mombasa, men: no official figure for men, and none in 2023 for everyone: the total of
    # 2021, said so twice; Kenya's figures for women are never used.
    men = rows["KE-28", 5.0, knbs]
    assert (men["official"]["value"], men["official"]["period"]) == (15.0, "2021")
    assert men["official"]["dimensions"] == {}
    assert men["gap"] == -10.0 and men["ratio"] == 0.333333
    assert men["match"] == {
        "series": "same",
        "area": "national",
        "period": "nearest_year",
        "disaggregation": "official_total",
    }
    assert men["compared_with_total"] == ["SEX"] and men["dimensions"] == {}
    assert men["labels"] == [
        "national figure for comparison: Kenya (404)",
        "nearest year: official figure for 2021",
        "compared with the official total (_T) for sex",
    ]
    assert ("KE-28", 5.0, unsd) not in rows  # UNSD has women only
    # Nairobi: the official county figure wins over the national one.
    nairobi = rows["KE-30", 18.25, knbs]
    assert (nairobi["official"]["area"], nairobi["official"]["value"]) == ("KE-30", 17.0)
    assert nairobi["match"]["area"] == "same" and nairobi["gap"] == 1.25
    assert nairobi["labels"] == ["same series, area, period and disaggregation"]
    assert rows["KE-30", 18.25, unsd]["official"]["area"] == "404"
    assert len(rows) == 5


def test_both_sources_are_labelled_with_their_provenance(world: World) -> None:
    body = world.compare(release=world.release)
    row = next(
        r for r in body["data"] if r["official"]["source"]["id"] == world.sources["knbs"]["id"]
    )
    community, source = row["community"], row["official"]["source"]
    assert community["release"] == world.release and community["dataset"] == world.dataset
    assert community["decision"] == "COMPLEMENTARY"
    assert community["caveat"].startswith("Citizen-generated data produced by")
    assert community["citation_url"].endswith(f"/api/v1/releases/{world.release}")
    assert community["provider"] == f"{world.coalition.org} name"
    assert community["unweighted_n"] in (120, 110, 140)
    knbs = world.sources["knbs"]
    assert source == {
        "id": knbs["id"],
        "name": knbs["name"],
        "agency": "KNBS",
        "dataset": knbs["dataset"],
        "structure": knbs["structure"],
        "loaded_at": knbs["loaded_at"],
        "sha256": knbs["sha256"],
    }
    assert {knbs["id"], world.sources["unsd"]["id"]} <= {s["id"] for s in body["sources"]}


def test_the_structure_specific_kenyan_figure_is_the_national_one(world: World) -> None:
    body = world.compare(release=world.slums)
    rows = {r["area"]: r for r in _mine(world, body, world.slums)}
    assert set(rows) == {"404", "KE-30"}
    for area, value in (("404", 31.2), ("KE-30", 58.6)):
        row = rows[area]
        assert row["community"]["value"] == value
        assert row["official"]["value"] == 6.9 and row["official"]["period"] == "2019"
        # Kenya's message says KE; the row keeps that beside the M49 code it matched as.
        assert (row["official"]["area"], row["official"]["source_area"]) == ("404", "KE")
        assert row["official"]["source"]["dataset"] == "SDG"
        assert row["official"]["attributes"] == {"NATURE": "_X", "TIME_DETAIL": "2019"}
    assert rows["404"]["match"]["area"] == "same" and rows["404"]["gap"] == 24.3
    assert rows["KE-30"]["match"]["area"] == "national"
    assert rows["KE-30"]["indicator"] == "11.1.1"


def test_the_same_comparison_as_csv(world: World) -> None:
    by_header = world.client.get(
        "/api/v1/comparisons",
        params={"release": world.release, "source": world.sources["knbs"]["id"]},
        headers={"Accept": "text/csv"},
    )
    by_format = world.client.get(
        "/api/v1/comparisons",
        params={"release": world.release, "source": world.sources["knbs"]["id"], "format": "csv"},
    )
    for response in (by_header, by_format):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
    assert by_header.text == by_format.text
    rows = list(csv.DictReader(io.StringIO(by_format.text)))
    assert [(r["area"], r["community_value"], r["official_value"], r["gap"]) for r in rows] == [
        ("KE-28", "23.5", "22.9", "0.6"),
        ("KE-28", "5", "15", "-10"),
        ("KE-30", "18.25", "17", "1.25"),
    ]
    men = rows[1]
    assert men["dimensions"] == "" and men["compared_with_total"] == "SEX"
    assert men["official_period"] == "2021" and men["match_period"] == "nearest_year"
    assert men["labels"] == (
        "national figure for comparison: Kenya (404) | nearest year: official figure for 2021 "
        "| compared with the official total (_T) for sex"
    )
    assert rows[0]["dimensions"] == "SEX=F" and rows[0]["ratio"] == "1.026201"
    knbs = world.sources["knbs"]
    assert {r["source_name"] for r in rows} == {knbs["name"]}
    assert {r["source_sha256"] for r in rows} == {knbs["sha256"]}
    assert {r["source_agency"] for r in rows} == {"KNBS"}
    assert {r["release"] for r in rows} == {world.release}
    assert {r["decision"] for r in rows} == {"COMPLEMENTARY"}
    assert all(r["citation_url"].endswith(world.release) for r in rows)
    assert all(r["source_loaded_at"].startswith(knbs["loaded_at"][:19]) for r in rows)


def test_by_indicator_series_area_and_period(world: World) -> None:
    by_indicator = _mine(world, world.compare(indicator="5.3.1", area="KE-28"))
    assert {(r["area"], r["official"]["series"]) for r in by_indicator} == {
        ("KE-28", "SP_DYN_MRBF18"),
        ("KE-28", "SP_DYN_MRBF15"),
    }
    assert len(by_indicator) == 3
    # An area takes in the areas within it.
    kenya = _mine(world, world.compare(series="sp_dyn_mrbf18", area="KE"))
    assert {r["area"] for r in kenya} == {"KE-28", "KE-30"} and len(kenya) == 5
    one_source = world.compare(
        series="SP_DYN_MRBF18", period="2023", source=world.sources["unsd"]["id"]
    )
    assert {r["official"]["source"]["id"] for r in one_source["data"]} == {
        world.sources["unsd"]["id"]
    }
    assert len(_mine(world, one_source)) == 2
    assert _mine(world, world.compare(series="SP_DYN_MRBF18", period="2019")) == []
    # Another indicator's series never pairs with this one.
    assert _mine(world, world.compare(indicator="11.1.1", release=world.release)) == []
    by_dataset = world.compare(dataset=world.dataset)
    assert by_dataset["data"] == world.compare(release=world.release)["data"]


def test_queries_that_cannot_be_answered(world: World) -> None:
    client = world.client
    for params, status in (
        ({}, 422),
        ({"area": "404"}, 422),
        ({"indicator": "99.9.9"}, 404),
        ({"release": "ds-0000000000-v1"}, 404),
        ({"dataset": "ds-0000000000"}, 404),
        ({"series": "SP_DYN_MRBF18", "period": "last year"}, 422),
        ({"series": "SP_DYN_MRBF18", "source": 999999}, 404),
        ({"series": "SP_DYN_MRBF18", "format": "xml"}, 422),
    ):
        response = client.get("/api/v1/comparisons", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_a_withdrawn_release_is_not_compared(
    world: World,
    app_client: TestClient,
    published: Published,  # noqa: F811
) -> None:
    uid = published.release["id"]
    before = app_client.get("/api/v1/comparisons", params={"series": "SP_DYN_MRBF18"}).json()
    assert uid in {r["community"]["release"] for r in before["data"]}
    withdrawn = app_client.post(
        f"/api/v1/releases/{uid}/withdraw",
        json={"reason": "Consent withdrawn (comparison test)."},
        headers=published.approver.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    refused = app_client.get("/api/v1/comparisons", params={"release": uid})
    assert refused.status_code == 409 and "withdrawn" in refused.json()["detail"]
    current = app_client.get("/api/v1/comparisons", params={"series": "SP_DYN_MRBF18"}).json()
    assert uid not in {r["community"]["release"] for r in current["data"]}
