"""Official figures beside community ones on the dataset and indicator pages: loaded through
the API as a reference source, shown as a chart and a table with the gap, the matching rule and
both sources' provenance, in both languages; and nowhere they do not match.

The official file (SDMX-CSV 1.0) gives safe drinking water (SH_H2O_SAFE) for Kenya as a whole,
women 2019–2021 and men 2020 only. The world's water release (Kisumu, KE-17) compares with it
as the national figure: women year by year, men 2019 and 2021 with the nearest year 2020; the
men's 2020 cell is withheld by disclosure control and is never compared.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.comparison.messages import sdmx_csv_1
from tests.conftest import Store
from tests.review_steps import review_and_publish
from tests.web import a11y
from tests.web.a11y import attribute, element_texts, links_in, parse, texts
from tests.web.conftest import World, _actor, _dataset, water_metadata
from voicescount.types import OrgKind, Role

#: The official figures: (sex, year) → value.
OFFICIAL = {("F", "2019"): 38.0, ("F", "2020"): 39.5, ("F", "2021"): 41.0, ("M", "2020"): 47.0}


@dataclass
class Compared:
    world: World
    #: The reference source's JSON, as the API returned it when loaded.
    source: dict[str, Any]
    #: A release whose figures match no official one (water in 2010: no official year near).
    unmatched: str

    @property
    def water(self) -> str:
        return self.world.water["id"]


def _official_csv(token: str) -> bytes:
    water = {"SERIES": "SH_H2O_SAFE", "REF_AREA": "404", "UNIT_MEASURE": "PT"}
    rows = [
        water | {"SEX": sex, "TIME_PERIOD": year, "OBS_VALUE": str(value)}
        for (sex, year), value in OFFICIAL.items()
    ]
    return sdmx_csv_1(rows, f"KNBS:DF_WATER_{token}(1.0)")


@pytest.fixture(scope="module")
def compared(world: World, store: Store) -> Iterator[Compared]:
    admin = _actor(store, OrgKind.STEWARD, Role.ADMIN, org=world.approver.org)
    reviewer = _actor(store, OrgKind.STEWARD, Role.REVIEWER, org=world.approver.org)
    loaded = world.client.post(
        "/api/v1/reference-sources",
        content=_official_csv(world.token),
        params={"name": f"Kenya water statistics {world.token}", "filename": "water.csv"},
        headers={**admin.headers, "Content-Type": "application/vnd.sdmx.data+csv;version=1.0.0"},
    )
    assert loaded.status_code == 201, loaded.text
    # A token of its own: the other page tests find the world's releases by the world's token.
    metadata = copy.deepcopy(water_metadata(f"t{uuid.uuid4().hex[:10]}"))
    metadata["title"] = "Safe drinking water in Kisumu in 2010"
    metadata["reference_period"] = {"start": "2010-01-01", "end": "2010-12-31"}
    old = _dataset(
        world.client,
        world.other,
        metadata["title"],
        metadata,
        "Indicator,County,Gender,Year,Value,Respondents\nSH_H2O_SAFE,KE-17,F,2010,30,150\n",
    )
    unmatched = review_and_publish(world.client, reviewer, world.approver, old)["id"]
    yield Compared(world=world, source=loaded.json(), unmatched=unmatched)


def _rows(html: str, table_id: str) -> list[list[str]]:
    """The cells' texts of each body row of a table."""
    page = parse(html)
    body = [
        e
        for e in page.elements
        if e.tag == "tbody" and e.parent is not None and e.parent.attrs.get("id") == table_id
    ]
    return [
        [" ".join("".join(cell.text).split()) for cell in page.elements if cell.parent is row]
        for row in page.elements
        if row.tag == "tr" and any(row.parent is part for part in body)
    ]


def test_a_dataset_page_shows_official_figures_beside_the_community_ones(
    compared: Compared,
) -> None:
    html = compared.world.client.get(f"/datasets/{compared.water}").text
    assert "Compared with official statistics" in texts(html, "h2")
    assert "#comparison" in attribute(html, "a", "href")
    rows = {(row[0], row[1]): row for row in _rows(html, "comparison-1-table")}
    # Women: each year beside the national figure of that year, with the gap.
    women = rows[("Kisumu · Female", "2019")]
    assert women[2:5] == ["40.5", "38", "+2.5"]
    assert "Official figure for the whole country: Kenya" in women[5]
    assert rows[("Kisumu · Female", "2021")][2:5] == ["45.25", "41", "+4.25"]
    # Men: 2019 and 2021 beside the official 2020, labelled; the withheld 2020 never compared.
    men = rows[("Kisumu · Male", "2019")]
    assert men[2:5] == ["48", "47", "+1"]
    assert "Nearest year: official figure for 2020" in men[5]
    assert ("Kisumu · Male", "2020") not in rows
    assert set(rows) == {
        ("Kisumu · Female", "2019"),
        ("Kisumu · Female", "2020"),
        ("Kisumu · Female", "2021"),
        ("Kisumu · Male", "2019"),
        ("Kisumu · Male", "2021"),
    }
    table = element_texts(html, id="comparison-1-table")[0]
    assert "51" not in table.split()  # the withheld value never reaches the page


def test_each_pair_links_to_both_sources_provenance(compared: Compared) -> None:
    html = compared.world.client.get(f"/datasets/{compared.water}").text
    source = compared.source
    links = links_in(html, id="comparison-1-table")
    assert f"/datasets/{compared.water}" in links
    assert f"/api/v1/releases/{compared.water}/citation" in links
    assert f"/api/v1/reference-sources/{source['id']}" in links
    assert f"/api/v1/reference-sources/{source['id']}/file" in links
    assert source["sha256"][:12] in element_texts(html, id="comparison-1-table")[0]
    # The sources' list names the file in full, with where it came from.
    listed = " ".join(element_texts(html, **{"class": "sources"}))
    assert source["name"] in listed and source["sha256"] in listed and source["agency"] in listed
    file = compared.world.client.get(f"/api/v1/reference-sources/{source['id']}/file")
    assert file.status_code == 200 and file.headers["x-content-sha256"] == source["sha256"]


def test_the_chart_shows_both_sources_and_names_them(compared: Compared) -> None:
    html = compared.world.client.get(f"/datasets/{compared.water}").text
    svg = next(
        e for e in parse(html).elements if e.tag == "svg" and e.attrs.get("id") == "comparison-1"
    )
    assert svg.attrs["role"] == "img"
    assert svg.attrs["aria-labelledby"] == "comparison-1-title"
    assert "Bar chart of 5 community figures beside the official figures of" in html
    legend = element_texts(html, **{"class": "legend"})
    provider = f"{compared.world.other.org} name"
    assert f"Community data: {provider}" in " ".join(legend)
    assert f"Official: {compared.source['name']}" in " ".join(legend)
    # Community bars solid, official ones hatched (a pattern), each with its value as tooltip.
    chart = re.search(r'<svg[^>]*id="comparison-1".*?</svg>', html, re.S)
    assert chart is not None
    assert "<pattern" in chart.group(0) and "<title>Official: " in chart.group(0)
    assert "style=" not in chart.group(0) and "<style" not in html


def test_the_comparison_is_offered_as_json_and_csv(compared: Compared) -> None:
    html = compared.world.client.get(f"/datasets/{compared.water}").text
    links = links_in(html, id="comparison")
    json_url = next(u for u in links if u.startswith("/api/v1/comparisons?") and "csv" not in u)
    csv_url = next(u for u in links if u.startswith("/api/v1/comparisons?") and "csv" in u)
    answer = compared.world.client.get(json_url.replace("&amp;", "&"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == len(_rows(html, "comparison-1-table"))
    table = compared.world.client.get(csv_url.replace("&amp;", "&"))
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(table.text)))) == answer.json()["count"]


def test_the_indicator_page_compares_too(compared: Compared) -> None:
    html = compared.world.client.get("/indicators/6.1.1").text
    assert "Compared with official statistics" in texts(html, "h2")
    ours = [
        table_id
        for table_id in attribute(html, "table", "id")
        if table_id.startswith("comparison-")
        and f"/datasets/{compared.water}" in links_in(html, id=table_id)
    ]
    assert len(ours) == 1
    rows = {(row[0], row[1]): row for row in _rows(html, ours[0])}
    assert rows[("Kisumu · Female", "2019")][2:5] == ["40.5", "38", "+2.5"]
    assert "/api/v1/comparisons?indicator=6.1.1" in attribute(html, "a", "href")


def test_pages_without_a_matching_official_figure_have_no_comparison(compared: Compared) -> None:
    for release in (compared.unmatched, compared.world.withdrawn["id"]):
        html = compared.world.client.get(f"/datasets/{release}").text
        assert 'id="comparison"' not in html and "#comparison" not in html, release
        assert "Compared with official statistics" not in html
    # The unmatched release is published and charted; only the comparison is missing.
    assert "<svg" in compared.world.client.get(f"/datasets/{compared.unmatched}").text


@pytest.mark.parametrize("locale", ["en", "sw"])
def test_comparisons_read_in_both_languages_and_pass_the_static_checks(
    compared: Compared, locale: str
) -> None:
    for path in (f"/datasets/{compared.water}", "/indicators/6.1.1"):
        response = compared.world.client.get(f"{path}?lang={locale}")
        assert response.status_code == 200
        assert a11y.problems(response.text, locale) == [], path
    html = compared.world.client.get(f"/datasets/{compared.water}?lang=sw").text
    assert "Ikilinganishwa na takwimu rasmi" in texts(html, "h2")
    assert "Takwimu za jamii: " in " ".join(element_texts(html, **{"class": "legend"}))
