"""Citing a real published release in every format, and citing an SDMX data query so that the
pinned URL gives the same numbers after a newer release supersedes the one it returned."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from datacite import schema45
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import select

from tests.api.test_intake import HEADER, upload
from tests.conftest import Store
from tests.provenance.test_citation import NS, XML_LANG, bibtex_entry, bibtex_names, ris_fields
from tests.publishing.conftest import Published, publish, published  # noqa: F401
from voicescount.provenance.citation import tex
from voicescount.storage.tables import Release

#: The creator the Kenya example metadata names, and the Swahili title it gives.
CREATOR = "Example Community Network"
SWAHILI = "Mazungumzo ya jamii"


def cite(client: TestClient, release_id: str, fmt: str | None = None, accept: str | None = None):
    params = {"format": fmt} if fmt else {}
    headers = {"Accept": accept} if accept else {}
    return client.get(f"/api/v1/releases/{release_id}/citation", params=params, headers=headers)


def test_a_published_release_cites_in_every_format(
    app_client: TestClient,
    published: Published,  # noqa: F811
) -> None:
    release = published.release
    uid, caveat = release["id"], release["caveat"]
    office = f"{published.approver.org} name"
    url = f"http://127.0.0.1:8000/api/v1/releases/{uid}"
    year = str(datetime.now(UTC).year)

    text = cite(app_client, uid)  # no format, no Accept: the DataCite text form
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    first, *notes = text.text.split("\n")
    assert first == (f"{CREATOR} ({year}): Child marriage in Mombasa. Version 1. {office}. {url}")
    assert notes == [caveat]

    apa = cite(app_client, uid, accept="text/x-bibliography; style=apa")
    assert apa.headers["content-type"].startswith("text/x-bibliography")
    assert apa.text.startswith(f"{CREATOR}. ({year}). Child marriage in Mombasa (Version 1) ")

    bib = cite(app_client, uid, accept="application/x-bibtex")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert f'filename="{uid}.bib"' in bib.headers["content-disposition"]
    kind, key, fields = bibtex_entry(bib.text)
    assert (kind, key) == ("misc", uid)
    assert bibtex_names(fields["author"]) == [f"{{{CREATOR}}}"]
    # Organisation ids hold "_", which BibTeX escapes.
    assert fields["publisher"] == tex(office) and fields["year"] == year
    assert fields["note"] == tex(caveat) and fields["url"] == url

    ris = cite(app_client, uid, "ris")
    assert ris.headers["content-type"].startswith("application/x-research-info-systems")
    pairs = ris_fields(ris.text)
    assert pairs[0] == ("TY", "DATA") and pairs[-1] == ("ER", "")
    assert ("AU", CREATOR) in pairs and ("N1", caveat) in pairs and ("UR", url) in pairs
    assert ("KW", "SDG indicator 10.2.1") in pairs

    item = cite(app_client, uid, accept="application/vnd.citationstyles.csl+json").json()
    assert item["type"] == "dataset" and item["author"] == [{"literal": CREATOR}]
    assert item["publisher"] == office and item["note"] == caveat and item["version"] == "1"

    document = cite(app_client, uid, "datacite-json").json()
    assert schema45.validate(document)
    assert document["rightsList"][0]["rightsIdentifier"] == "CC-BY-4.0"
    assert document["language"] == "en"

    xml = cite(app_client, uid, accept="application/vnd.datacite.datacite+xml")
    assert xml.headers["content-type"].startswith("application/vnd.datacite.datacite+xml")
    root = etree.fromstring(xml.content)
    assert root.tag == "{http://datacite.org/schema/kernel-4}resource"
    assert root.findtext("d:alternateIdentifiers/d:alternateIdentifier", namespaces=NS) == url
    name = root.find("d:creators/d:creator/d:creatorName", NS)
    assert name is not None and name.text == CREATOR
    assert name.get("nameType") == "Organizational"
    titles = root.findall("d:titles/d:title", NS)
    assert titles[0].text == "Child marriage in Mombasa"
    assert any(t.get(XML_LANG) == "sw" and SWAHILI in (t.text or "") for t in titles)
    assert root.findtext("d:publisher", namespaces=NS) == office
    assert root.findtext("d:publicationYear", namespaces=NS) == year
    assert root.find("d:resourceType", NS).get("resourceTypeGeneral") == "Dataset"
    assert root.findtext("d:version", namespaces=NS) == "1"
    assert root.find("d:rightsList/d:rights", NS).get("rightsIdentifier") == "CC-BY-4.0"
    assert "SDG target 10.2" in [s.text for s in root.findall("d:subjects/d:subject", NS)]

    everything = cite(app_client, uid, "json").json()
    assert everything["identifier"] == url and everything["caveat"] == caveat
    assert everything["bibtex"] == bib.text and everything["csl"] == item

    refused = cite(app_client, uid, accept="image/png")
    assert refused.status_code == 406
    assert {"format": "bibtex", "media_type": "application/x-bibtex; charset=utf-8"} in (
        refused.json()["errors"]
    )
    assert cite(app_client, uid, "docx").status_code == 406
    assert cite(app_client, "ds-0000000000-v9").status_code == 404


def test_a_doi_and_a_withdrawal_show_in_the_citation(
    app_client: TestClient,
    store: Store,
    published: Published,  # noqa: F811
) -> None:
    uid = published.release["id"]
    with store.session() as session:
        row = session.exec(select(Release).where(Release.uid == uid)).one()
        row.doi = "10.5281/zenodo.7654321"
        session.add(row)
        session.commit()
    reason = "The community withdrew its consent."
    withdrawn = app_client.post(
        f"/api/v1/releases/{uid}/withdraw",
        json={"reason": reason},
        headers=published.approver.headers,
    )
    assert withdrawn.status_code == 200
    day = withdrawn.json()["withdrawn_at"][:10]
    note = f"Withdrawn on {day}: {reason}"
    text = cite(app_client, uid).text.split("\n")
    assert text[0].endswith("https://doi.org/10.5281/zenodo.7654321")
    assert text[1:] == [published.release["caveat"], note]
    root = etree.fromstring(cite(app_client, uid, "datacite-xml").content)
    identifier = root.find("d:identifier", NS)
    assert identifier is not None and identifier.get("identifierType") == "DOI"
    assert identifier.text == "10.5281/zenodo.7654321"
    dates = {d.get("dateType"): d for d in root.findall("d:dates/d:date", NS)}
    assert dates["Withdrawn"].text == day and dates["Withdrawn"].get("dateInformation") == reason
    assert cite(app_client, uid, "csl").json()["status"] == "withdrawn"


# ------------------------------------------------------------------------------------------
# Data queries


def numbers(client: TestClient, url: str) -> set[tuple[str, str, str, str]]:
    """(REF_AREA, SEX, TIME_PERIOD, OBS_VALUE) of a data URL's answer, read as SDMX-CSV."""
    local = url.removeprefix("http://127.0.0.1:8000")
    # Appended by hand: httpx's params= would replace the URL's own query (and its asOf).
    response = client.get(local + ("&" if "?" in local else "?") + "format=csvdata")
    assert response.status_code == 200, response.text[:300]
    rows = csv.DictReader(io.StringIO(response.text))
    return {(r["REF_AREA"], r["SEX"], r["TIME_PERIOD"], r["OBS_VALUE"]) for r in rows}


def cite_query(client: TestClient, url: str, fmt: str | None = None):
    params = {"url": url, **({"format": fmt} if fmt else {})}
    return client.get("/api/v1/citations/query", params=params)


def test_a_cited_query_is_pinned_to_its_releases_and_reproduces_the_numbers(
    app_client: TestClient,
    published: Published,  # noqa: F811
) -> None:
    coalition, uid = published.coalition, published.dataset
    first = published.release
    url = first["sdmx_data_url"]  # v1: every current observation of the coalition
    response = cite_query(app_client, url)
    assert response.status_code == 200, response.text
    cited = response.json()
    assert cited["url"] == url and cited["observations"] == 3
    assert [(r["id"], r["content_hash"], r["observations"]) for r in cited["releases"]] == [
        (first["id"], first["content_hash"], 3)
    ]
    assert first["caveat"] in cited["releases"][0]["citation"]
    pinned = cited["pinned_url"]
    assert pinned.startswith(url + "?asOf=") and pinned.endswith(cited["as_of"])
    before = numbers(app_client, pinned)
    assert len(before) == 3 and before == numbers(app_client, url)

    # A second version changes the numbers and supersedes the first release.
    assert (
        app_client.post(
            f"/api/v1/datasets/{uid}/versions",
            json={"copy_observations": False},
            headers=coalition.headers,
        ).status_code
        == 201
    )
    changed = (HEADER + "SP_DYN_MRBF18,Mombasa County,Women,2023,25,130\n").encode()
    assert upload(app_client, coalition, uid, changed, version=2).status_code == 201
    submitted = app_client.post(
        f"/api/v1/datasets/{uid}/versions/2/submit", headers=coalition.headers
    )
    assert submitted.status_code == 200
    second = publish(app_client, published.reviewer, published.approver, uid, 2)

    assert numbers(app_client, url) == {("KE-28", "F", "2023", "25")}
    assert numbers(app_client, pinned) == before  # the pinned URL: the same numbers as cited
    again = cite_query(app_client, pinned).json()
    assert again["numbers_sha256"] == cited["numbers_sha256"]
    assert [(r["id"], r["status"]) for r in again["releases"]] == [(first["id"], "superseded")]
    assert again["as_of"] == cited["as_of"]  # an earlier asOf is kept, not moved to now
    now = cite_query(app_client, url).json()
    assert [r["id"] for r in now["releases"]] == [second["id"]]
    assert now["numbers_sha256"] != cited["numbers_sha256"]

    # The 2.x tree, through the coalition's provision agreement, pins the same way.
    v2 = f"/sdmx/v2/data/provisionagreement/VOICES/{coalition.org}_DF_SDG_COMMUNITY/latest/*"
    posted = app_client.post(
        "/api/v1/citations/query", json={"url": f"{v2}?c[SEX]=F"}, params={"format": "text"}
    )
    assert posted.status_code == 200, posted.text
    assert posted.headers["content-type"].startswith("text/plain")
    assert f"http://127.0.0.1:8000{v2}?c[SEX]=F&asOf=" in posted.text
    assert "1 observation from 1 release" in posted.text and second["caveat"] in posted.text
    bib = cite_query(app_client, url, "bibtex").text
    assert bib.count("@misc{") == 1 and "Cited through the SDMX data query" in bib
    assert json.loads(cite_query(app_client, url, "csl").text)[0]["type"] == "dataset"


def test_queries_that_cannot_be_cited_are_refused(
    app_client: TestClient,
    published: Published,  # noqa: F811
) -> None:
    url = published.release["sdmx_data_url"]
    for bad in (
        f"{url}?updatedAfter=2020-01-01T00:00:00Z",
        f"{url}?includeHistory=true",
        "https://elsewhere.example/sdmx/v1/data/DF_SDG_COMMUNITY",
        "http://127.0.0.1:8000/sdmx/v1/dataflow/VOICES",
        "/sdmx/v1/data/",
    ):
        response = cite_query(app_client, bad)
        assert response.status_code == 422, (bad, response.text)
    nothing = cite_query(app_client, url.replace(published.coalition.org, "NOBODY_AT_ALL"))
    assert nothing.status_code == 404 and nothing.json()["type"].endswith("no-results")
    assert cite_query(app_client, url, "datacite-xml").status_code == 406
