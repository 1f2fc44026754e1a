"""Provenance in W3C PROV: a release's history back to the uploaded bytes, in three formats.

The stories are made through the API and the real review workflow, once per backend (module
scope): a published release whose metadata declare an export, processing steps and a source; a
dataset released twice (the first release superseded) whose second release is withdrawn; a draft.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from prov.model import (
    ProvActivity,
    ProvAssociation,
    ProvDelegation,
    ProvDerivation,
    ProvDocument,
    ProvGeneration,
    ProvInvalidation,
    ProvUsage,
)
from rdflib.namespace import PROV as PROV_O

from tests.api.test_intake import GOOD_CSV, kenya_metadata, upload
from tests.conftest import Actor, Store, unique
from tests.review_steps import review_and_publish
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.provenance import prov, records
from voicescount.types import OrgKind, Role

SCRIPT_SHA = "5d41402abc4b2a76b9719d911017c592" * 2
CLEAN_SHA = "7c211433f02071597741e6ff5a8ea34789abbf43" + "0" * 24
SOURCE_DOI = "10.5281/zenodo.1234567"
SECOND_CSV = GOOD_CSV.replace(",23.5,", ",24.5,")


@dataclass
class Story:
    client: TestClient
    base: str
    coalition: Actor
    other: Actor
    reviewer: Actor
    approver: Actor
    dataset: str
    release: str
    #: The second dataset: version 1 superseded by version 2, and version 2 withdrawn.
    revised: str
    draft: str

    @property
    def upload_sha(self) -> str:
        return hashlib.sha256(GOOD_CSV.encode()).hexdigest()


def _actor(store: Store, kind: OrgKind, role: Role, org: str | None = None) -> Actor:
    # The conftest's make_actor is per test; these stories are made once per module.
    with store.session() as session:
        slug = org or unique("ORG")
        if org is None:
            access.create_organisation(
                session, slug=slug, name=f"{slug} name", kind=kind, country="KE"
            )
        holder = f"{role.value}-{unique('p')}@example.org"
        issued = access.create_key(session, organisation_slug=slug, role=role, holder=holder)
        return Actor(slug, role, issued.token, issued.key.key_id, holder)


def _metadata() -> dict[str, Any]:
    metadata = kenya_metadata()
    metadata["source_system"] = {
        "platform": "KoBoToolbox",
        "form_id": "aBcD1234",
        "form_version": "v3",
        "export_id": "export-77",
        "exported_at": "2023-10-02T09:00:00+03:00",
    }
    metadata["processing_steps"] = [
        {
            "description": "Recoded group labels to CUST_BREAKDOWN codes",
            "script_sha256": SCRIPT_SHA,
            "run_at": "2023-10-03T10:00:00+03:00",
        },
        {
            "description": "Aggregated counts by site and group",
            "script_sha256": CLEAN_SHA,
            "run_at": "2023-10-04T10:00:00+03:00",
        },
    ]
    metadata["derived_from"] = [SOURCE_DOI]
    return metadata


def _create(client: TestClient, coalition: Actor, body: str = GOOD_CSV) -> str:
    created = client.post(
        "/api/v1/datasets",
        json={"title": "Inclusion dialogues", "metadata": _metadata()},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    uid = created.json()["dataset"]
    sent = upload(client, coalition, uid, body.encode(), filename="dialogues.csv")
    assert sent.status_code == 201, sent.text
    return uid


def _submit(client: TestClient, coalition: Actor, uid: str, number: int = 1) -> None:
    response = client.post(
        f"/api/v1/datasets/{uid}/versions/{number}/submit", headers=coalition.headers
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def story(store: Store) -> Iterator[Story]:
    settings = store.settings()
    with TestClient(create_app(settings)) as client:
        coalition = _actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER)
        other = _actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER)
        approver = _actor(store, OrgKind.STEWARD, Role.APPROVER)
        reviewer = _actor(store, OrgKind.STEWARD, Role.REVIEWER, org=approver.org)

        uid = _create(client, coalition)
        _submit(client, coalition, uid)
        release = review_and_publish(client, reviewer, approver, uid)["id"]

        revised = _create(client, coalition)
        _submit(client, coalition, revised)
        review_and_publish(client, reviewer, approver, revised)
        started = client.post(
            f"/api/v1/datasets/{revised}/versions",
            json={"copy_observations": False},
            headers=coalition.headers,
        )
        assert started.status_code == 201, started.text
        sent = upload(client, coalition, revised, SECOND_CSV.encode(), version=2)
        assert sent.status_code == 201, sent.text
        _submit(client, coalition, revised, 2)
        second = review_and_publish(client, reviewer, approver, revised, 2)["id"]
        withdrawn = client.post(
            f"/api/v1/releases/{second}/withdraw",
            json={"reason": "The community withdrew its consent."},
            headers=approver.headers,
        )
        assert withdrawn.status_code == 200, withdrawn.text

        draft = _create(client, coalition)
        yield Story(
            client,
            settings.base_url.rstrip("/") + "/api/v1/",
            coalition,
            other,
            reviewer,
            approver,
            uid,
            release,
            revised,
            draft,
        )


# ------------------------------------------------------------------------------------------
# Reading documents


def _get(story: Story, path: str, *, actor: Actor | None = None, **headers: str) -> Any:
    sent = {**(actor.headers if actor else {}), **headers}
    return story.client.get(f"/api/v1/{path}", headers=sent)


def _document(story: Story, path: str, actor: Actor | None = None) -> ProvDocument:
    response = _get(story, path, actor=actor)
    assert response.status_code == 200, response.text
    return ProvDocument.deserialize(content=response.text, format="json")


def _uri(story: Story, path: str) -> str:
    return story.base + path


def _pairs(document: ProvDocument, kind: type, first: str, second: str) -> set[tuple[str, str]]:
    """(first, second) URIs of every relation of ``kind``, by formal attribute name."""
    found = set()
    for record in document.get_records(kind):
        formal = {str(k): v for k, v in record.formal_attributes}
        if formal.get(first) is not None and formal.get(second) is not None:
            found.add((formal[first].uri, formal[second].uri))
    return found


def _attribute(document: ProvDocument, uri: str, name: str) -> set[Any]:
    (record,) = [r for r in document.get_records() if r.identifier and r.identifier.uri == uri]
    return {
        value.uri if hasattr(value, "uri") else value
        for key, value in record.attributes
        if str(key) == name
    }


def _activities(document: ProvDocument, kind: str) -> list[ProvActivity]:
    return [
        a
        for a in document.get_records(ProvActivity)
        if f"vct:{kind}" in {str(v) for k, v in a.attributes if str(k) == "prov:type"}
    ]


def _ancestors(document: ProvDocument, start: str) -> set[str]:
    """Every entity ``start`` derives from, following ``wasDerivedFrom`` (revisions too)."""
    edges: dict[str, set[str]] = {}
    for generated, used in _pairs(
        document, ProvDerivation, "prov:generatedEntity", "prov:usedEntity"
    ):
        edges.setdefault(generated, set()).add(used)
    seen: set[str] = set()
    pending = [start]
    while pending:
        for parent in edges.get(pending.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                pending.append(parent)
    return seen


# ------------------------------------------------------------------------------------------
# Formats


def test_prov_json_is_the_default_and_round_trips(story: Story) -> None:
    response = _get(story, f"releases/{story.release}/provenance")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "Accept" in response.headers["vary"]
    document = ProvDocument.deserialize(content=response.text, format="json")
    again = ProvDocument.deserialize(content=document.serialize(format="json"), format="json")
    assert document == again
    assert len(list(document.get_records(ProvGeneration))) >= 8

    asked = _get(
        story, f"releases/{story.release}/provenance", Accept="application/provenance+json"
    )
    assert asked.headers["content-type"] == "application/provenance+json"
    assert ProvDocument.deserialize(content=asked.text, format="json") == document
    by_param = _get(story, f"releases/{story.release}/provenance?format=json", Accept="text/turtle")
    assert by_param.headers["content-type"] == "application/json"


def test_prov_n_names_the_uploaded_bytes_and_parses_to_the_same_document(story: Story) -> None:
    response = _get(
        story, f"releases/{story.release}/provenance", Accept="text/provenance-notation"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/provenance-notation; charset=utf-8"
    text = response.text
    assert text.startswith("document") and text.rstrip().endswith("endDocument")
    assert f"nih:{story.upload_sha}" in text
    assert f'vct:sha256="{story.upload_sha}"' in text
    parsed = ProvDocument.deserialize(content=text, format="provn")
    assert parsed == _document(story, f"releases/{story.release}/provenance")


def test_turtle_is_prov_o_with_plain_generation_triples(story: Story) -> None:
    response = _get(story, f"releases/{story.release}/provenance?format=turtle")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    release = rdflib.URIRef(_uri(story, f"releases/{story.release}"))
    publication = rdflib.URIRef(_uri(story, f"releases/{story.release}/publication"))
    assert (release, PROV_O.wasGeneratedBy, publication) in graph
    assert (release, rdflib.RDF.type, PROV_O.Entity) in graph
    assert len(list(graph.triples((None, PROV_O.wasGeneratedBy, None)))) >= 8
    blob = rdflib.URIRef(f"nih:sha-256;{story.upload_sha}")
    assert (None, PROV_O.used, blob) in graph
    assert (release, PROV_O.wasDerivedFrom, None) in graph


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"Accept": "application/xml"}, ""), ({}, "?format=xml"), ({"Accept": "text/html"}, "")],
)
def test_other_formats_are_refused_with_406(
    story: Story, headers: dict[str, str], query: str
) -> None:
    response = _get(story, f"releases/{story.release}/provenance{query}", **headers)
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not-acceptable"
    assert {"media_type": "text/turtle"} in body["errors"]


def test_negotiation_follows_q_values_and_wildcards() -> None:
    assert prov.negotiate("text/turtle;q=0.5, text/provenance-notation")[0] is prov.PROV_N
    assert prov.negotiate("text/html, text/turtle;q=0.1")[0] is prov.PROV_O
    assert prov.negotiate("*/*") == (prov.PROV_JSON, "application/json")
    assert prov.negotiate("text/*")[0] is prov.PROV_N
    assert prov.negotiate(None) == (prov.PROV_JSON, "application/json")
    assert prov.negotiate("text/turtle", "PROVN")[0] is prov.PROV_N
    with pytest.raises(prov.NotAcceptable):
        prov.negotiate("text/turtle;q=0, application/xml")


# ------------------------------------------------------------------------------------------
# What the document says


def test_the_release_derives_from_the_uploaded_bytes_through_the_version(story: Story) -> None:
    document = _document(story, f"releases/{story.release}/provenance")
    release = _uri(story, f"releases/{story.release}")
    version = _uri(story, f"datasets/{story.dataset}/versions/1")
    blob = f"nih:sha-256;{story.upload_sha}"
    ancestors = _ancestors(document, release)
    assert {version, blob} <= ancestors
    assert blob in _ancestors(document, version)
    assert version not in _ancestors(document, blob)
    # The bytes as received, and what intake did with them.
    assert _attribute(document, blob, "vct:sha256") == {story.upload_sha}
    assert _attribute(document, blob, "vct:size") == {len(GOOD_CSV.encode())}
    assert _attribute(document, blob, "vct:filename") == {"dialogues.csv"}
    assert _attribute(document, blob, "vct:mediaType") == {"text/csv"}
    intake = _uri(story, f"datasets/{story.dataset}/versions/1/uploads/")
    (processing,) = [
        a for a, e in _pairs(document, ProvUsage, "prov:activity", "prov:entity") if e == blob
    ]
    assert processing.startswith(intake)
    assert _attribute(document, processing, "vct:rowsStored") == {3}
    assert (
        processing,
        _uri(story, f"organisations/{story.coalition.org}/keys/{story.coalition.key_id}"),
    ) in _pairs(document, ProvAssociation, "prov:activity", "prov:agent")
    mapping = processing + "/mapping"
    assert (processing, mapping) in _pairs(document, ProvUsage, "prov:activity", "prov:entity")
    # Disclosure control stands between the version and the release.
    suppression = _uri(story, f"datasets/{story.dataset}/versions/1/review/disclosure/result")
    assert suppression in ancestors
    assert (release, _uri(story, f"releases/{story.release}/publication")) in _pairs(
        document, ProvGeneration, "prov:entity", "prov:activity"
    )


def test_collection_processing_and_declared_sources_come_from_the_metadata(story: Story) -> None:
    document = _document(story, f"releases/{story.release}/provenance")
    prefix = f"datasets/{story.dataset}/versions/1"
    (collection,) = _activities(document, "DataCollection")
    assert collection.identifier.uri == _uri(story, f"{prefix}/collection")
    assert _attribute(document, collection.identifier.uri, "vct:kindOfData") == {"citizen_dialogue"}
    assert _attribute(document, collection.identifier.uri, "vct:collectionMode") == {"meeting"}
    assert collection.get_startTime().date().isoformat() == "2023-08-01"
    assert collection.get_endTime().date().isoformat() == "2023-09-30"
    export = _uri(story, f"{prefix}/collection/data")
    assert _attribute(document, export, "vct:exportId") == {"export-77"}
    # Two declared steps, each using its script by hash; the upload derives from the last one.
    used = _pairs(document, ProvUsage, "prov:activity", "prov:entity")
    assert (_uri(story, f"{prefix}/processing/1"), f"nih:sha-256;{SCRIPT_SHA}") in used
    assert (_uri(story, f"{prefix}/processing/2"), f"nih:sha-256;{CLEAN_SHA}") in used
    blob_parents = _ancestors(document, f"nih:sha-256;{story.upload_sha}")
    assert {_uri(story, f"{prefix}/processing/2/output"), export} <= blob_parents
    # The source the metadata names, as a DOI.
    version = _uri(story, prefix)
    assert f"https://doi.org/{SOURCE_DOI}" in _ancestors(document, version)


def test_each_review_act_is_associated_with_the_person_and_the_office(story: Story) -> None:
    # The coalition sees its version's provenance with the people who held the keys.
    document = _document(story, f"datasets/{story.dataset}/versions/1/provenance", story.coalition)
    prefix = f"datasets/{story.dataset}/versions/1/review"
    office = _uri(story, f"organisations/{story.approver.org}")
    approver = _uri(story, f"organisations/{story.approver.org}/keys/{story.approver.key_id}")
    reviewer = _uri(story, f"organisations/{story.reviewer.org}/keys/{story.reviewer.key_id}")
    associated = _pairs(document, ProvAssociation, "prov:activity", "prov:agent")
    decision = _uri(story, f"{prefix}/decision")
    assert {(decision, approver), (decision, office)} <= associated
    assert (decision, reviewer) not in associated  # four eyes
    assert (_uri(story, f"{prefix}/assessment"), reviewer) in associated
    assert (_uri(story, f"{prefix}/disclosure"), reviewer) in associated
    assert _attribute(document, approver, "vct:holder") == {story.approver.holder}
    assert _attribute(document, approver, "vct:role") == {"approver"}
    assert (approver, office) in _pairs(
        document, ProvDelegation, "prov:delegate", "prov:responsible"
    )
    record = _uri(story, f"{prefix}/decision/record")
    assert _attribute(document, record, "vct:decision") == {"COMPLEMENTARY"}
    assert (record, decision) in _pairs(document, ProvGeneration, "prov:entity", "prov:activity")


def test_the_public_document_names_keys_but_not_the_people_holding_them(story: Story) -> None:
    response = _get(story, f"releases/{story.release}/provenance")
    for actor in (story.coalition, story.reviewer, story.approver):
        assert actor.key_id in response.text
        assert actor.holder not in response.text
    private = _get(story, f"releases/{story.release}/provenance", actor=story.approver)
    assert story.approver.holder in private.text


def test_a_superseded_release_and_a_withdrawn_one_keep_their_history(story: Story) -> None:
    first = f"{story.revised}-v1"
    second = f"{story.revised}-v2"
    document = _document(story, f"releases/{first}/provenance")
    supersession = _uri(story, f"releases/{first}/supersession")
    assert (_uri(story, f"releases/{first}"), supersession) in _pairs(
        document, ProvInvalidation, "prov:entity", "prov:activity"
    )
    assert _uri(story, f"releases/{first}") in _ancestors(
        document, _uri(story, f"releases/{second}")
    )

    tombstone = _document(story, f"releases/{second}/provenance")
    release = _uri(story, f"releases/{second}")
    withdrawal = _uri(story, f"releases/{second}/withdrawal")
    assert _attribute(tombstone, release, "vct:status") == {"withdrawn"}
    assert (release, withdrawal) in _pairs(
        tombstone, ProvInvalidation, "prov:entity", "prov:activity"
    )
    assert _attribute(tombstone, withdrawal, "vct:reason") == {
        "The community withdrew its consent."
    }
    approver = _uri(story, f"organisations/{story.approver.org}/keys/{story.approver.key_id}")
    assert (withdrawal, approver) in _pairs(
        tombstone, ProvAssociation, "prov:activity", "prov:agent"
    )
    # Version 2 had its own upload, and is a revision of version 1.
    second_sha = hashlib.sha256(SECOND_CSV.encode()).hexdigest()
    ancestors = _ancestors(tombstone, release)
    assert f"nih:sha-256;{second_sha}" in ancestors
    assert _uri(story, f"datasets/{story.revised}/versions/1") in ancestors
    assert _uri(story, f"releases/{first}") in ancestors


# ------------------------------------------------------------------------------------------
# Who sees what


def test_drafts_are_not_found_for_anyone_but_their_coalition(story: Story) -> None:
    path = f"datasets/{story.draft}/versions/1/provenance"
    assert _get(story, path, actor=story.other).status_code == 404
    assert _get(story, path, actor=story.approver).status_code == 404
    assert _get(story, path).status_code == 404
    own = _document(story, path, story.coalition)
    version = _uri(story, f"datasets/{story.draft}/versions/1")
    assert _attribute(own, version, "vct:state") == {"draft"}
    assert not list(own.get_records(ProvGeneration)) or all(
        entity != version
        for entity, _ in _pairs(own, ProvGeneration, "prov:entity", "prov:activity")
    )


def test_published_provenance_needs_no_key(story: Story) -> None:
    by_version = _get(story, f"datasets/{story.dataset}/versions/1/provenance")
    assert by_version.status_code == 200
    by_release = _get(story, f"releases/{story.release}/provenance")
    assert ProvDocument.deserialize(content=by_version.text, format="json") == (
        ProvDocument.deserialize(content=by_release.text, format="json")
    )
    assert (
        _get(
            story, f"datasets/{story.dataset}/versions/1/provenance", actor=story.other
        ).status_code
        == 200
    )
    assert _get(story, "releases/ds-0000000000-v1/provenance").status_code == 404
    assert _get(story, f"datasets/{story.dataset}/versions/9/provenance").status_code == 404


def test_every_term_used_is_described(story: Story) -> None:
    served = _get(story, "provenance/terms").json()
    assert served["namespace"] == story.base + "provenance/terms#"
    text = _get(story, f"releases/{story.revised}-v2/provenance?format=provn").text
    used = {
        token.split("vct:", 1)[1].rstrip("=,])'\"")
        for token in text.replace("'", " ").replace("=", " ").split()
        if token.startswith("vct:")
    }
    assert used and used <= set(served["terms"]), used - set(served["terms"])


# ------------------------------------------------------------------------------------------
# The builder alone, on records no API story makes


def _records_of_a_returned_version() -> records.VersionRecord:
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    coalition = records.Party("COAL", "A coalition", "data_provider", "KE")
    office = records.Party("NSO", "An office", "steward", "KE")
    submitter = records.Actor("key:sub1", "sub1", "submitter", None, "COAL")
    reviewer = records.Actor("key:rev1", "rev1", "reviewer", None, "NSO")
    same_bytes = "ab" * 32

    def sent(number: int, status: str, **extra: Any) -> records.UploadRecord:
        return records.UploadRecord(
            id=number,
            sha256=same_bytes,
            size=10,
            filename=f"file{number}.csv",
            media_type="text/csv",
            format="csv",
            encoding="utf-8",
            status=status,
            rows_read=2,
            rows_stored=2 if status != "rejected" else 0,
            errors=0,
            warnings=0,
            report_sha256="cd" * 32,
            mapping_sha256="ef" * 32,
            mapping_columns=0,
            mapping_values=0,
            received_at=at,
            processed_at=at,
            actor=submitter,
            **extra,
        )

    return records.VersionRecord(
        dataset="ds-0123456789",
        title="A dataset",
        number=3,
        state="returned",
        # Malformed and partial metadata: provenance is built from whatever is there.
        metadata={
            "collection_mode": "meeting",
            "collection_period": {"start": "not a date"},
            "geography": ["KE"],
            "processing_steps": [{"description": "x", "script_sha256": "short"}],
            "derived_from": [
                "hdl:20.500.123/abc",
                "ds-0123456789@v2",
                "https://example.org/data.csv",
                "the 2019 household survey",
                42,
            ],
        },
        metadata_sha256="12" * 32,
        content_hash="34" * 32,
        observation_count=2,
        findings=1,
        previous_number=2,
        created=records.Step(submitter, at),
        submission=records.Step(submitter, at),
        coalition=coalition,
        steward=office,
        uploads=(
            sent(1, "withdrawn", withdrawn_at=at, withdrawn_by=submitter),
            sent(2, "accepted"),
            sent(3, "rejected"),
        ),
        screening=records.Screening(at, at, "under_review", 0, 1),
        disclosure=None,
        assessment=None,
        returned=records.Step(reviewer, at, "The counts by group do not add up."),
        decision=None,
        release=None,
        parties={"COAL": coalition, "NSO": office},
    )


def test_a_returned_version_with_odd_metadata_makes_a_valid_document() -> None:
    record = _records_of_a_returned_version()
    document = prov.build(record, base_url="https://vc.example/", software_version="9.9")
    for fmt in ("json", "provn"):
        text = document.serialize(format=fmt)
        assert ProvDocument.deserialize(content=text, format=fmt) == document
    base = "https://vc.example/api/v1/datasets/ds-0123456789/versions/3"
    blob = f"nih:sha-256;{'ab' * 32}"
    # The same bytes sent three times are one entity, used by each upload's processing.
    assert (
        len([r for r in document.get_records() if r.identifier and r.identifier.uri == blob]) == 1
    )
    users = {a for a, e in _pairs(document, ProvUsage, "prov:activity", "prov:entity") if e == blob}
    assert users == {f"{base}/uploads/{n}" for n in (1, 2, 3)}
    # Only the upload still accepted feeds the version; the withdrawn one was invalidated.
    parents = _ancestors(document, base)
    assert f"{base}/uploads/2/observations" in parents
    assert f"{base}/uploads/1/observations" not in parents
    assert (f"{base}/uploads/1/observations", f"{base}/uploads/1/withdrawal") in _pairs(
        document, ProvInvalidation, "prov:entity", "prov:activity"
    )
    assert f"{base}/uploads/3/observations" not in {
        r.identifier.uri for r in document.get_records() if r.identifier
    }
    assert {
        "https://hdl.handle.net/20.500.123/abc",
        "https://vc.example/api/v1/datasets/ds-0123456789/versions/2",
        f"{base}/sources/3",
        f"{base}/sources/4",
        f"{base}/findings",
    } <= parents
    assert _attribute(document, f"{base}/sources/3", "vct:identifier") == {
        "https://example.org/data.csv"
    }
    returned = f"{base}/review/return"
    assert _attribute(document, returned, "vct:reason") == {"The counts by group do not add up."}
    assert (returned, "https://vc.example/api/v1/organisations/NSO") in _pairs(
        document, ProvAssociation, "prov:activity", "prov:agent"
    )
    # A processing step with a malformed script hash names no script.
    assert not any(
        e.startswith("nih:") and e != blob
        for _, e in _pairs(document, ProvUsage, "prov:activity", "prov:entity")
    )
