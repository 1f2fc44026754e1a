"""What a reader does on the public pages, in a real browser: find a dataset by searching the
catalogue, open it, copy a citation, download the data as SDMX-CSV, and see the community's
figures beside the official ones."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import (
    PUBLISHED_OBSERVATIONS,
    PUBLISHED_TITLE,
    REFERENCE_NAME,
    SEARCH_WORD,
    Deployment,
    Shoot,
)

pytestmark = pytest.mark.browser

#: The community figures the official national figure (women, 2023: 22.9) is set beside.
COMMUNITY_WOMEN_2023 = ("23.5", "18.25")
OFFICIAL_WOMEN_2023 = "22.9"
#: The gaps (community − official) as the table writes them, either minus sign.
EXPECTED_GAPS = (r"\+?0\.6", r"[−-]4\.65")


def column_values(table: Locator, header: str) -> list[str]:
    """The texts of one column of a table (by its column header), row by row."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    index = headers.index(header)
    rows = table.locator("tbody tr")
    return [
        rows.nth(i).locator("th, td").nth(index).inner_text().strip() for i in range(rows.count())
    ]


def test_find_a_dataset_cite_it_and_download_sdmx_csv(
    deployment: Deployment, context: BrowserContext, page: Page, shoot: Shoot
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=deployment.url)

    # From the home page to the catalogue, and search it by a word of the title.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sustainable Development Goals")
    shoot(page, "home", height=1500)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Catalogue").click()
    expect(page).to_have_url(re.compile(r"/catalogue$"))
    page.get_by_role("searchbox", name="Words").fill(SEARCH_WORD)
    page.get_by_role("button", name="Show datasets").click()
    expect(page).to_have_url(re.compile(rf"/catalogue\?.*q={SEARCH_WORD}"))
    expect(page.get_by_role("status").filter(has_text="match")).to_contain_text(
        re.compile(r"\d+ datasets? match")
    )
    results = page.get_by_role("region", name="Datasets")
    shoot(page, "catalogue-search")

    # Open it from the results.
    results.get_by_role("link", name=PUBLISHED_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/datasets/{deployment.release}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PUBLISHED_TITLE)

    # Copy the APA citation: the clipboard holds exactly the text shown.
    citations = page.get_by_role("region", name="Cite this dataset")
    shown = citations.locator("#citation-apa").text_content()
    assert shown and PUBLISHED_TITLE in shown
    citations.get_by_role("button", name="Copy APA").click()
    expect(citations.get_by_role("status")).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == shown

    # Download SDMX-CSV: the release's observations, as the page's table shows them.
    downloads = page.get_by_role("region", name="Downloads")
    with page.expect_download() as started:
        downloads.get_by_role("link", name="SDMX-CSV 1.0 data").click()
    download = started.value
    assert download.failure() is None
    with open(download.path(), encoding="utf-8") as downloaded:
        rows = list(csv.DictReader(io.StringIO(downloaded.read())))
    assert rows, "the SDMX-CSV download is empty"
    header = list(rows[0])
    assert header[0] in ("DATAFLOW", "STRUCTURE"), header[:3]
    got = {
        (row["REF_AREA"], row["SEX"], row["TIME_PERIOD"], float(row["OBS_VALUE"])) for row in rows
    }
    assert got == PUBLISHED_OBSERVATIONS
    table = page.locator("#observations-table")
    on_page = sorted(
        zip(
            column_values(table, "Period"),
            (float(v) for v in column_values(table, "Value")),
            column_values(table, "Respondents (n)"),
            strict=True,
        )
    )
    in_file = sorted(
        (row["TIME_PERIOD"], float(row["OBS_VALUE"]), row["UNWEIGHTED_N"]) for row in rows
    )
    assert in_file == on_page


def official_comparison(page: Page) -> Locator:
    """The section of a page that sets community figures beside official ones: a region whose
    heading speaks of official figures and which holds a chart."""
    region = page.get_by_role("region", name=re.compile(r"official", re.IGNORECASE)).filter(
        has=page.get_by_role("img")
    )
    headings = page.get_by_role("heading").all_inner_texts()
    assert region.count() > 0, (
        f"{page.url} has no section (a region named by its heading) whose heading says "
        f"'official' and which holds a chart (role img); its headings are {headings}"
    )
    return region.first


def check_comparison(region: Locator) -> None:
    """A chart (an image with a text alternative) whose figure names both sources, and a table
    of both figures with the gap: Mombasa's women 23.5 and Nairobi's 18.25 beside Kenya's 22.9
    from the session's reference source (the demo's own official sources may be compared too)."""
    page = region.page
    figures = region.locator("figure").filter(has=page.get_by_role("img"))
    expect(figures.first).to_be_visible()
    described = [figures.nth(i).aria_snapshot() for i in range(figures.count())]
    assert any(
        REFERENCE_NAME in text and re.search(r"communit", text, re.IGNORECASE) for text in described
    ), f"no chart's figure names both the community data and {REFERENCE_NAME!r}: {described}"
    gap_header = page.get_by_role("columnheader", name=re.compile(r"gap", re.IGNORECASE))
    tables = region.get_by_role("table").filter(has=gap_header)
    expect(tables.first).to_be_visible()
    ours: list[tuple[list[str], int]] = []
    for t in range(tables.count()):
        table = tables.nth(t)
        headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
        gap = next(i for i, text in enumerate(headers) if re.search(r"gap", text, re.IGNORECASE))
        for r in range(table.locator("tbody tr").count()):
            cells = table.locator("tbody tr").nth(r).locator("th, td").all_inner_texts()
            row = [cell.strip() for cell in cells]
            if REFERENCE_NAME in " ".join(row):
                ours.append((row, gap))
    assert ours, f"no comparison row names the official source {REFERENCE_NAME!r}"
    for community, expected_gap in zip(COMMUNITY_WOMEN_2023, EXPECTED_GAPS, strict=True):
        found = [(row, gap) for row, gap in ours if community in row]
        assert found, f"no comparison of the community figure {community}: {ours}"
        row, gap = found[0]
        assert OFFICIAL_WOMEN_2023 in row, row
        assert re.fullmatch(expected_gap, row[gap]), (row[gap], expected_gap)


def test_the_dataset_page_shows_the_official_comparison(
    deployment: Deployment, page: Page, shoot: Shoot
) -> None:
    page.goto(f"/datasets/{deployment.release}")
    check_comparison(official_comparison(page))
    shoot(page, "dataset", height=1900)


def test_the_indicator_page_shows_the_official_comparison(
    deployment: Deployment, page: Page, shoot: Shoot
) -> None:
    page.goto("/indicators/5.3.1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("5.3.1")
    expect(page.get_by_role("link", name=PUBLISHED_TITLE).first).to_be_visible()
    check_comparison(official_comparison(page))
    shoot(page, "indicator")
