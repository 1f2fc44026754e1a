"""The public pages on both stores: home, catalogue (search and each filter), dataset pages
(method, review, findings, chart and table, downloads that answer, citations, history), the
SDG indicator page, withdrawn releases and HTML 404s."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Store
from tests.web.a11y import attribute, element_texts, links_in, parse, texts
from tests.web.conftest import World
from voicescount.app import create_app
from voicescount.web import pages, views


def release_links(html: str) -> set[str]:
    """Release ids the page links to as dataset pages."""
    return {
        href.removeprefix("/datasets/")
        for href in attribute(html, "a", "href")
        if re.fullmatch(r"/datasets/ds-[0-9a-f]+-v\d+", href)
    }


def catalogue(world: World, **params: str) -> set[str]:
    response = world.client.get("/catalogue", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return release_links(response.text) & world.ours


def test_home_introduces_the_service_and_lists_the_latest_releases(world: World) -> None:
    response = world.client.get("/")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "h1") == ["Community data for the Sustainable Development Goals"]
    assert {world.child["id"], world.water["id"]} <= release_links(html)
    assert world.withdrawn["id"] not in release_links(html)
    # The search box sends its words to the catalogue.
    form = parse(html).elements
    assert any(e.tag == "form" and e.attrs.get("action") == "/catalogue" for e in form)
    assert any(e.tag == "input" and e.attrs.get("name") == "q" for e in form)
    # Indicators with community data link to their pages.
    assert "/indicators/6.1.1" in attribute(html, "a", "href")


def test_the_catalogue_lists_current_releases_only(world: World) -> None:
    assert catalogue(world) == {world.child["id"], world.water["id"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("borehole", {"water"}),  # a keyword of one dataset
        ("Mombasa child marriage", {"child"}),  # title words
        ("6.1.1", {"water"}),  # an SDG code
        ("zzqx", set()),
    ],
)
def test_search_narrows_the_catalogue(world: World, query: str, expected: set[str]) -> None:
    found = catalogue(world, q=f"{query} {world.token}" if expected else query)
    assert found == {getattr(world, name)["id"] for name in expected}


def test_a_search_without_results_says_so(world: World) -> None:
    html = world.client.get("/catalogue", params={"q": "zzqx wvvy"}).text
    assert "No dataset matches" in html
    assert element_texts(html, role="status")[0].startswith("0 datasets match")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("goal", "6", {"water"}),
        ("goal", "5", {"child"}),  # from the child-marriage series (5.3.1)
        ("goal", "10", {"child"}),  # from the metadata's SDG mapping (10.2.1)
        ("target", "6.1", {"water"}),
        ("target", "5.3", {"child"}),
        ("country", "KE", {"child", "water"}),
        ("country", "NP", set()),
        ("area", "KE-28", {"child"}),
        ("area", "KE-17", {"water"}),
        ("group", "LNOB_SLUM", {"child"}),
        ("group", "LNOB_PWD", {"child", "water"}),
        ("decision", "CONTEXTUAL", {"water"}),
        ("decision", "complementary", {"child"}),
    ],
)
def test_each_filter_narrows_the_catalogue(
    world: World, name: str, value: str, expected: set[str]
) -> None:
    assert catalogue(world, **{name: value}) == {getattr(world, n)["id"] for n in expected}


def test_the_coalition_filter_and_combined_filters(world: World) -> None:
    assert catalogue(world, coalition=world.coalition.org) == {world.child["id"]}
    assert catalogue(world, coalition=world.other.org) == {world.water["id"]}
    assert catalogue(world, goal="6", decision="COMPLEMENTARY") == set()
    assert catalogue(world, q=world.token, area="KE-28") == {world.child["id"]}


def test_the_filters_offer_what_the_datasets_have_and_keep_the_choice(world: World) -> None:
    html = world.client.get("/catalogue", params={"area": "KE-17"}).text
    page = parse(html)
    select = next(e for e in page.elements if e.tag == "select" and e.attrs.get("id") == "f-area")
    options = [e for e in page.elements if e.tag == "option" and e.parent is select]
    assert options[0].attrs["value"] == ""
    chosen = [o for o in options if "selected" in o.attrs]
    assert [o.attrs["value"] for o in chosen] == ["KE-17"]
    assert any("Kisumu" in "".join(o.text) for o in chosen)
    # A value no dataset has is kept in the form and explained.
    html = world.client.get("/catalogue", params={"group": "NO_SUCH_GROUP"}).text
    assert "No dataset has the value chosen for: Target group" in html


def test_the_catalogue_pages_its_results(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first = world.client.get("/catalogue", params={"q": world.token}).text
    second = world.client.get("/catalogue", params={"q": world.token, "page": "2"}).text
    assert len(release_links(first)) == len(release_links(second)) == 1
    assert release_links(first) | release_links(second) == {world.child["id"], world.water["id"]}
    assert "Page 1 of 2" in first and 'rel="next"' in first
    # Nonsense page numbers fall back to the first page instead of failing.
    assert world.client.get("/catalogue", params={"page": "x"}).status_code == 200


def test_a_dataset_page_shows_method_review_findings_and_history(world: World) -> None:
    response = world.client.get(f"/datasets/{world.child['id']}")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "h1") == [f"Child marriage in Mombasa {world.token}"]
    headings = texts(html, "h2")
    for section in ("Summary", "Review by the statistics office", "Method", "Findings", "Data"):
        assert section in headings
    for section in ("Downloads", "Cite this dataset", "History"):
        assert section in headings
    # Method summary from the methodology metadata.
    assert "Citizen dialogues" in html and "Target groups" in html
    # Review: decision, quality outcome, score and the rubric's criteria.
    assert "Complementary" in element_texts(html, **{"class": "badge badge-complementary"})
    assert "Quality criteria met" in html
    assert re.search(r"\d+(\.\d)? % of the maximum", html)
    assert len(texts(html, "tr")) > 5 and "Consent documented" in html
    # The finding, with its groups and areas by name.
    assert f"ends their schooling ({world.token})" in html
    assert "Mombasa" in html
    # History: the workflow's moves, named by organisation, never by key holder.
    history = " ".join(element_texts(html, **{"class": "timeline"}))
    for state in ("Submitted", "Under review", "Decided", "Published"):
        assert state in history
    assert f"{world.approver.org} name" in history
    assert world.approver.holder not in html and "key:" not in history


def test_a_dataset_page_draws_a_chart_with_its_table(world: World) -> None:
    html = world.client.get(f"/datasets/{world.water['id']}").text
    svg = next(e for e in parse(html).elements if e.tag == "svg" and e.attrs.get("role") == "img")
    assert "Line chart of 2 breakdowns from 2019 to 2021" in html
    assert "1 value is withheld to protect respondents" in html
    # Female line drawn over three years; the male line has a gap where the cell is withheld:
    # matplotlib's path only moves (M) to 2019 and to 2021, drawing (L) nothing between them.
    female, male = (
        re.search(rf'<g id="chart-1-series-{number}"><path d="([^"]*)"', html) for number in (0, 1)
    )
    assert female and female.group(1).count("M") == 1 and female.group(1).count("L") == 2
    assert male and male.group(1).count("M") == 2 and male.group(1).count("L") == 0
    assert svg.attrs["aria-labelledby"] == "chart-1-title"
    table = element_texts(html, id="chart-1-table")[0]
    assert "Female" in table and "45.25" in table and "withheld" in table
    # The observations table lists every observation, the withheld one without a value.
    observations = element_texts(html, id="observations-table")[0]
    assert observations.count("withheld") == 1
    assert "40.5" in observations and "Kisumu" in observations and "Respondents (n)" in observations
    assert "51" not in observations.split()  # the withheld value never reaches the page


def test_the_observations_table_pages(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "TABLE_PAGE_SIZE", 4)
    first = world.client.get(f"/datasets/{world.water['id']}").text
    second = world.client.get(f"/datasets/{world.water['id']}", params={"page": "2"}).text
    own = [element_texts(p, id="observations-table")[0] for p in (first, second)]
    # Six observations in key order (female, then male): four on the first page, two after.
    assert own[0].count("Female") == 3 and own[0].count("Male") == 1
    assert own[1].count("Male") == 2 and "Female" not in own[1]
    assert "Page 1 of 2" in first and "Page 2 of 2" in second


def test_the_download_links_answer_with_the_release_s_data(world: World) -> None:
    html = world.client.get(f"/datasets/{world.water['id']}").text
    section = parse(html)
    downloads = [
        e
        for e in section.elements
        if e.tag == "a"
        and e.parent
        and e.parent.parent
        and e.parent.parent.attrs.get("class") == "downloads"
    ]
    assert len(downloads) == 8  # the CSV and the seven SDMX representations
    for link in downloads:
        response = world.client.get(link.attrs["href"])
        assert response.status_code == 200, (link.attrs["href"], response.text[:300])
        media = link.attrs["type"].split(";")[0]
        assert response.headers["content-type"].startswith(media), link.attrs["href"]
        assert "45.25" in response.text, link.attrs["href"]
    # The SDMX links ask for the release's series as they stood at publication.
    sdmx = unquote(downloads[1].attrs["href"])
    assert "SH_H2O_SAFE" in sdmx and "asOf=" in sdmx and world.other.org in sdmx


def test_the_citation_box_offers_every_format_with_copy_and_download(world: World) -> None:
    html = world.client.get(f"/datasets/{world.child['id']}").text
    page = parse(html)
    blocks = [
        e for e in page.elements if e.tag == "pre" and e.attrs.get("id", "").startswith("citation-")
    ]
    formats = [b.attrs["id"].removeprefix("citation-") for b in blocks]
    assert formats == ["text", "apa", "bibtex", "ris", "csl", "datacite-xml"]
    bibtex = "".join(next(b for b in blocks if b.attrs["id"] == "citation-bibtex").text)
    assert bibtex.lstrip().startswith("% Encoding: UTF-8") and world.child["id"] in bibtex
    buttons = [e for e in page.elements if e.tag == "button" and e.attrs.get("data-copy")]
    assert [b.attrs["data-copy"] for b in buttons] == [f"citation-{f}" for f in formats]
    # Hidden until the script runs: without JavaScript no button that does nothing shows.
    assert all("hidden" in b.attrs for b in buttons)
    assert pages.static_url("copy.js") in attribute(html, "script", "src")
    for fmt in formats:
        link = f"/api/v1/releases/{world.child['id']}/citation?format={fmt}"
        assert link in attribute(html, "a", "href")


def test_a_dataset_id_leads_to_its_newest_release(world: World) -> None:
    response = world.client.get(f"/datasets/{world.child['dataset']}", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"/datasets/{world.child['id']}"


def test_a_withdrawn_release_keeps_its_page_without_its_data(world: World) -> None:
    response = world.client.get(f"/datasets/{world.withdrawn['id']}")
    assert response.status_code == 200
    html = response.text
    assert "This release was withdrawn on" in html
    assert f"The community withdrew its consent ({world.token})." in html
    assert "Downloads" not in texts(html, "h2") and "Data" not in texts(html, "h2")
    assert 'id="observations-table"' not in html and "<svg" not in html
    assert "Cite this dataset" in texts(html, "h2")
    assert "Withdrawn" in " ".join(element_texts(html, **{"class": "timeline"}))


@pytest.mark.parametrize(
    "path", ["/datasets/ds-0000000000-v1", "/datasets/nothing", "/indicators/99.9.9"]
)
def test_unknown_pages_are_html_404s(world: World, path: str) -> None:
    response = world.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert texts(response.text, "h1") == ["Not found"]
    assert "/catalogue" in attribute(response.text, "a", "href")


def test_the_indicator_page_gathers_every_community_series(world: World) -> None:
    response = world.client.get("/indicators/6.1.1")
    assert response.status_code == 200
    html = response.text
    assert texts(html, "h1") == ["SDG indicator 6.1.1"]
    assert "Proportion of population using safely managed drinking water services" in html
    assert f"/datasets/{world.water['id']}" in attribute(html, "a", "href")
    assert any(e.tag == "svg" and e.attrs.get("role") == "img" for e in parse(html).elements)
    assert "SH_H2O_SAFE" in html  # the official series of the indicator are listed
    # The child-marriage series measures 5.3.1: charted there.
    html = world.client.get("/indicators/5.3.1").text
    assert f"/datasets/{world.child['id']}" in attribute(html, "a", "href")
    assert "Bar chart" in html
    # Mapped in the metadata only, without a series: listed, not charted.
    html = world.client.get("/indicators/10.2.1").text
    related = links_in(html, **{"aria-labelledby": "related-heading"})
    charted = links_in(html, **{"aria-labelledby": "community-heading"})
    assert f"/datasets/{world.child['id']}" in related
    assert f"/datasets/{world.child['id']}" not in charted


def test_pages_are_fast_and_safe_to_serve(world: World) -> None:
    response = world.client.get(f"/datasets/{world.child['id']}")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-language"] == "en"
    css = world.client.get(pages.static_url("site.css"))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    # No page loads anything from elsewhere: every script and stylesheet is the site's own.
    for url in attribute(response.text, "script", "src") + attribute(response.text, "link", "href"):
        assert not url.startswith(("http:", "https:", "//")), url


def test_a_new_deployment_without_releases_or_structures_still_answers(fresh_store: Store) -> None:
    with TestClient(create_app(fresh_store.settings())) as client:
        home = client.get("/")
        assert home.status_code == 200 and "Nothing has been published yet." in home.text
        catalogue_page = client.get("/catalogue", params={"q": "water", "goal": "6"})
        assert catalogue_page.status_code == 200
        assert "No dataset matches" in catalogue_page.text
        assert client.get("/indicators/6.1.1").status_code == 404


def test_only_the_routes_module_knows_the_web_framework() -> None:
    """views, charts, i18n and the rest gather and draw; pages.py (the public pages) and
    desk.py (the desk's routes) alone speak HTTP."""
    web = Path(pages.__file__).parent
    for path in sorted(web.glob("*.py")):
        if path.name in ("pages.py", "desk.py"):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not {m for m in imported if m.split(".")[0] in ("fastapi", "starlette")}, path.name
