"""Discovery documents of a release: the manifest, DCAT-AP and schema.org JSON-LD (read back as
RDF with rdflib), the Frictionless Data Package (checked with frictionless against the bytes of
the CSV), and the DOI slot."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import frictionless
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from sqlmodel import col, select

from tests.conftest import Store
from tests.publishing.conftest import Published
from voicescount.publishing import discovery, exports
from voicescount.publishing import service as publishing
from voicescount.storage.tables import AuditEntry
from voicescount.types import OrgKind, Role

# Open namespaces (rdflib's closed ones warn when pytest probes module attributes).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SDO = Namespace("https://schema.org/")
SDG = "http://metadata.un.org/sdg/"

# rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _get(client: TestClient, url: str, media: str = "application/json") -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    return response.json()


def _csv(client: TestClient, release_id: str) -> bytes:
    response = client.get(f"/api/v1/releases/{release_id}/data.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return response.content


def test_the_data_package_validates_against_the_csv_it_describes(
    app_client: TestClient, published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release_id = published.release["id"]
    package = _get(app_client, f"/api/v1/releases/{release_id}/datapackage.json")
    data = _csv(app_client, release_id)
    assert list(frictionless.Package.metadata_validate(package)) == []
    (resource,) = package["resources"]
    assert resource["path"].endswith(f"/api/v1/releases/{release_id}/data.csv")
    assert resource["hash"] == f"sha256:{hashlib.sha256(data).hexdigest()}"
    assert resource["bytes"] == len(data)
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    header = data.split(b"\r\n", 1)[0].decode().split(",")
    assert header == [f["name"] for f in resource["schema"]["fields"]]
    assert fields["OBS_VALUE"]["type"] == "number" and fields["UNWEIGHTED_N"]["type"] == "integer"
    # Coded columns point at their SDMX codelist, and the URL answers with the codes used.
    area = fields["REF_AREA"]["sdmx"]
    assert area["codelist"] == "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=VOICES:CL_AREA(1.0.0)"
    codelist = app_client.get(_path(area["codelistUrl"]) + "/KE-28")
    assert codelist.status_code == 200 and "KE-28" in codelist.text
    assert fields["SEX"]["sdmx"]["codelist"].endswith("CL_SEX(1.1)")
    assert "codelist" not in fields["OBS_VALUE"]["sdmx"]
    assert resource["schema"]["primaryKey"][-1] == "TIME_PERIOD"
    # A release never changes: its CSV is cached by a strong validator.
    etag = app_client.get(f"/api/v1/releases/{release_id}/data.csv").headers["etag"]
    again = app_client.get(
        f"/api/v1/releases/{release_id}/data.csv", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""

    # frictionless reads the bytes as the descriptor says: hash, size, types, primary key.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "observations.csv").write_bytes(data)
    local = copy.deepcopy(package)
    local["resources"][0]["path"] = "observations.csv"
    report = frictionless.Package(local).validate()
    assert report.valid, report.flatten(["type", "message"])
    assert report.tasks[0].stats["rows"] == 3
    tampered = data.replace(b",23.5,", b",24.5,")
    (tmp_path / "observations.csv").write_bytes(tampered)
    report = frictionless.Package(local).validate()
    assert not report.valid
    assert ["hash-count"] in report.flatten(["type"])


def test_dcat_describes_the_release_as_rdf(app_client: TestClient, published: Published) -> None:
    release_id = published.release["id"]
    document = _get(app_client, f"/api/v1/releases/{release_id}/dcat", "application/ld+json")
    graph = Graph().parse(data=json.dumps(document), format="json-ld")
    dataset = URIRef(document["@id"])
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert graph.value(dataset, DCTERMS.identifier) == Literal(document["@id"])
    assert graph.value(dataset, DCTERMS.license) == URIRef("http://spdx.org/licenses/CC-BY-4.0")
    publisher = graph.value(dataset, DCTERMS.publisher)
    assert str(graph.value(publisher, FOAF.name)) == f"{published.approver.org} name"
    themes = set(graph.objects(dataset, DCAT.theme))
    assert URIRef(f"{SDG}5") in themes  # SP_DYN_MRBF18 measures 5.3.1
    assert any(
        str(place).endswith("/CL_AREA/1.0.0/KE-28")
        for place in graph.objects(dataset, DCTERMS.spatial)
    )
    temporal = graph.value(dataset, DCTERMS.temporal)
    assert str(graph.value(temporal, DCAT.startDate)) == "2023-01-01"
    assert str(graph.value(temporal, DCAT.endDate)) == "2023-12-31"
    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 9  # the CSV, seven SDMX formats, the data package
    data = _csv(app_client, release_id)
    (csv,) = [d for d in distributions if str(d).endswith("#csv")]
    assert (csv, RDF.type, DCAT.Distribution) in graph
    checksum = graph.value(csv, SPDX.checksum)
    assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert int(graph.value(csv, DCAT.byteSize)) == len(data)
    media = {str(graph.value(d, DCAT.mediaType)) for d in distributions}
    assert (
        "https://www.iana.org/assignments/media-types/application/vnd.sdmx.genericdata+xml" in media
    )
    # Every SDMX download URL answers with this release's data.
    for distribution in distributions:
        url = str(graph.value(distribution, DCAT.downloadURL))
        response = app_client.get(_path(url))
        assert response.status_code == 200, (url, response.text[:300])
        assert b"23.5" in response.content or distribution.endswith("#datapackage")


def test_the_catalogue_lists_current_releases(app_client: TestClient, published: Published) -> None:
    release_id = published.release["id"]
    document = _get(app_client, "/api/v1/catalogue/dcat", "application/ld+json")
    graph = Graph().parse(data=json.dumps(document), format="json-ld")
    catalogue = URIRef(document["@id"])
    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    assert graph.value(catalogue, DCTERMS.publisher) is not None
    listed = set(graph.objects(catalogue, DCAT.dataset))
    release = URIRef(f"http://127.0.0.1:8000/api/v1/releases/{release_id}")
    assert release in listed
    assert (release, RDF.type, DCAT.Dataset) in graph
    assert graph.value(release, DCTERMS.license) is not None
    # Withdrawn, it leaves the catalogue; its own description stays, without distributions.
    withdrawn = app_client.post(
        f"/api/v1/releases/{release_id}/withdraw",
        json={"reason": "The community withdrew its consent."},
        headers=published.approver.headers,
    )
    assert withdrawn.status_code == 200
    after = Graph().parse(data=app_client.get("/api/v1/catalogue/dcat").text, format="json-ld")
    assert release not in set(after.objects(catalogue, DCAT.dataset))
    alone = app_client.get(f"/api/v1/releases/{release_id}/dcat").json()
    assert "dcat:distribution" not in alone
    assert app_client.get(f"/api/v1/releases/{release_id}/data.csv").status_code == 404
    assert app_client.get(f"/api/v1/releases/{release_id}/datapackage.json").status_code == 404
    manifest = app_client.get(f"/api/v1/releases/{release_id}/manifest").json()
    assert manifest["lifecycle"]["status"] == "withdrawn"
    assert manifest["lifecycle"]["withdrawn_reason"] == "The community withdrew its consent."


def test_schema_org_dataset_for_search_engines(
    app_client: TestClient, published: Published
) -> None:
    release_id = published.release["id"]
    document = _get(app_client, f"/api/v1/releases/{release_id}/schema-org", "application/ld+json")
    assert document["@context"] == "https://schema.org" and document["@type"] == "Dataset"
    # Read as RDF with schema.org's vocabulary given locally (no fetching of the context).
    local = {**document, "@context": {"@vocab": str(SDO)}}
    graph = Graph().parse(data=json.dumps(local), format="json-ld")
    dataset = URIRef(document["@id"])
    assert (dataset, RDF.type, SDO.Dataset) in graph
    assert graph.value(dataset, SDO.isAccessibleForFree) == Literal(True)
    assert str(graph.value(dataset, SDO.license)) == "http://spdx.org/licenses/CC-BY-4.0"
    assert str(graph.value(dataset, SDO.temporalCoverage)) == "2023-01-01/2023-12-31"
    places = {str(graph.value(p, SDO.name)) for p in graph.objects(dataset, SDO.spatialCoverage)}
    assert places == {"Mombasa", "Nairobi City"}
    creators = {str(graph.value(c, SDO.name)) for c in graph.objects(dataset, SDO.creator)}
    assert "Example Community Network" in creators
    downloads = list(graph.objects(dataset, SDO.distribution))
    assert all((d, RDF.type, SDO.DataDownload) in graph for d in downloads)
    data = _csv(app_client, release_id)
    (csv,) = [d for d in downloads if str(graph.value(d, SDO.encodingFormat)) == "text/csv"]
    assert str(graph.value(csv, SDO.sha256)) == hashlib.sha256(data).hexdigest()
    citation = document["citation"]
    assert "Child marriage in Mombasa" in citation and release_id in citation
    assert document["publisher"]["name"] == f"{published.approver.org} name"


def test_the_doi_slot(
    app_client: TestClient, store: Store, published: Published, make_actor
) -> None:
    release_id = published.release["id"]
    url = f"/api/v1/releases/{release_id}/doi"
    before = app_client.get(f"/api/v1/releases/{release_id}/manifest").json()
    assert before["doi"] is None
    other_office = make_actor(OrgKind.STEWARD, Role.APPROVER)
    for actor in (published.coalition, published.reviewer, other_office):
        refused = app_client.put(url, json={"doi": "10.5281/zenodo.42"}, headers=actor.headers)
        assert refused.status_code == 403, actor
    assert app_client.put(url, json={"doi": "10.5281/zenodo.42"}).status_code == 401
    for wrong in ("11.5281/zenodo.42", "10.52/x", "10.5281/has space", "zenodo.42"):
        bad = app_client.put(url, json={"doi": wrong}, headers=published.approver.headers)
        assert bad.status_code == 422, wrong
    done = app_client.put(
        url, json={"doi": "https://doi.org/10.5281/zenodo.42"}, headers=published.approver.headers
    )
    assert done.status_code == 200, done.text
    assert done.json() == {
        "release": release_id,
        "doi": "10.5281/zenodo.42",
        "url": "https://doi.org/10.5281/zenodo.42",
    }
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    fixed = app_client.put(url, json={"doi": "10.5281/zenodo.43"}, headers=admin.headers)
    assert fixed.status_code == 200 and fixed.json()["doi"] == "10.5281/zenodo.43"

    after = app_client.get(f"/api/v1/releases/{release_id}/manifest").json()
    assert after["doi"] == "10.5281/zenodo.43"
    assert after["sha256"] == before["sha256"]  # the DOI names the release; it is not its content
    assert app_client.get(f"/api/v1/releases/{release_id}").json()["doi"] == "10.5281/zenodo.43"
    doi = "https://doi.org/10.5281/zenodo.43"
    dcat = app_client.get(f"/api/v1/releases/{release_id}/dcat").json()
    graph = Graph().parse(data=json.dumps(dcat), format="json-ld")
    assert graph.value(URIRef(dcat["@id"]), OWL.sameAs) == URIRef(doi)
    schema = app_client.get(f"/api/v1/releases/{release_id}/schema-org").json()
    assert doi in schema["identifier"] and doi in schema["citation"]
    package = app_client.get(f"/api/v1/releases/{release_id}/datapackage.json").json()
    assert package["id"] == doi
    with store.session() as session:
        entries = session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.subject == f"release:{release_id}", AuditEntry.action == "release.doi"
            )
            .order_by(col(AuditEntry.seq))
        ).all()
    assert [(e.details["doi"], e.details["previous"]) for e in entries] == [
        ("10.5281/zenodo.42", None),
        ("10.5281/zenodo.43", "10.5281/zenodo.42"),
    ]


def test_unknown_releases_are_not_found(app_client: TestClient) -> None:
    for path in ("manifest", "dcat", "schema-org", "datapackage.json", "data.csv"):
        response = app_client.get(f"/api/v1/releases/ds-0000000000-v9/{path}")
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


def test_the_fingerprint_covers_what_was_published_not_where_it_is(
    store: Store, published: Published
) -> None:
    here = discovery.Links("https://voices.example", "VOICES")
    moved = discovery.Links("https://stats.example.org/voices/", "VOICES")
    with store.session() as session:
        release = publishing.get_release(session, published.release["id"])
        facts = exports.release_facts(session, release, here)
    manifest = discovery.manifest(facts, here)
    elsewhere = discovery.manifest(facts, moved)
    assert manifest["url"] != elsewhere["url"]
    assert manifest["sdmx"]["data_url"].startswith("https://voices.example/sdmx/v1/data/")
    assert manifest["sha256"] == elsewhere["sha256"]
    # Anyone can recompute it from the manifest: canonical JSON without the fingerprint, the
    # DOI, the lifecycle and the URLs.
    content = {k: v for k, v in manifest.items() if k not in ("sha256", "doi", "lifecycle", "url")}
    content["observations"] = {k: v for k, v in content["observations"].items() if k != "url"}
    content["sdmx"] = {k: v for k, v in content["sdmx"].items() if k != "data_url"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == manifest["sha256"]
    for changed in (
        replace(facts, csv_sha256="0" * 64),
        replace(facts, decision="OFFICIAL"),
        replace(facts, uploads=()),
    ):
        assert discovery.manifest(changed, here)["sha256"] != manifest["sha256"]
    # What changes after publication does not touch it.
    later = replace(facts, status="superseded", superseded_by="ds-x-v2", doi="10.1234/x")
    assert discovery.manifest(later, here)["sha256"] == manifest["sha256"]
