"""An old release stays byte-identical after a new one is published: its CSV, its manifest and
its SDMX data (asOf the moment it was published) read the same before and after."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.api.test_intake import HEADER, upload
from tests.publishing.conftest import Published, publish

#: SDMX formats fetched through the release's point-in-time URL (``format=`` labels).
SDMX_FORMATS = ("csvdata", "csvdata-2.0", "genericdata", "structurespecificdata", "jsondata")

_ML_HEADER = re.compile(rb"<(\w+:)?Header>.*?</\1Header>", re.S)
_JSON_ID = re.compile(rb'"id":"VC\d+"')
_JSON_PREPARED = re.compile(rb'"prepared":"[^"]+"')


def _path(url: str) -> str:
    """A URL of the deployment as a path the test client can ask for."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _body(fmt: str, content: bytes) -> bytes:
    """A data message without what differs from one request to the next: the message header
    in SDMX-ML; the message id and ``prepared`` time in SDMX-JSON's header."""
    if fmt in ("genericdata", "structurespecificdata"):
        stripped, count = _ML_HEADER.subn(b"", content, count=1)
        assert count == 1, content[:300]
        return stripped
    if fmt == "jsondata":
        stripped, ids = _JSON_ID.subn(b'"id":""', content, count=1)
        stripped, times = _JSON_PREPARED.subn(b'"prepared":""', stripped, count=1)
        assert ids == times == 1, content[:300]
        return stripped
    return content


def _snapshot(client: TestClient, release_id: str) -> dict[str, bytes | dict]:
    manifest = client.get(f"/api/v1/releases/{release_id}/manifest")
    assert manifest.status_code == 200, manifest.text
    csv = client.get(f"/api/v1/releases/{release_id}/data.csv")
    assert csv.status_code == 200, csv.text
    snapshot: dict[str, bytes | dict] = {"manifest": manifest.json(), "csv": csv.content}
    data_url = _path(manifest.json()["sdmx"]["data_url"])
    for fmt in SDMX_FORMATS:
        response = client.get(f"{data_url}&format={fmt}")
        assert response.status_code == 200, (fmt, response.text)
        snapshot[fmt] = _body(fmt, response.content)
    return snapshot


def _publish_version_2(client: TestClient, published: Published) -> dict:
    coalition, uid = published.coalition, published.dataset
    created = client.post(
        f"/api/v1/datasets/{uid}/versions",
        json={"copy_observations": False},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    changed = (HEADER + "SP_DYN_MRBF18,Mombasa County,Women,2023,25,130\n").encode()
    assert upload(client, coalition, uid, changed, version=2).status_code == 201
    submitted = client.post(f"/api/v1/datasets/{uid}/versions/2/submit", headers=coalition.headers)
    assert submitted.status_code == 200, submitted.text
    return publish(client, published.reviewer, published.approver, uid, 2)


def test_an_old_release_stays_byte_identical_after_a_new_one_is_published(
    app_client: TestClient, published: Published
) -> None:
    first = published.release["id"]
    current_feed = (
        f"/sdmx/v1/data/VOICES,DF_SDG_COMMUNITY,latest/all/VOICES,{published.coalition.org}"
        "?format=csvdata"
    )
    before = _snapshot(app_client, first)
    feed_before = app_client.get(current_feed).content
    # The CSV is the release's rows, and the manifest pins it by hash and length.
    csv = before["csv"]
    assert isinstance(csv, bytes) and csv.count(b"\r\n") == 1 + 3
    manifest = before["manifest"]
    assert isinstance(manifest, dict)
    assert manifest["observations"]["sha256"] == hashlib.sha256(csv).hexdigest()
    assert manifest["observations"]["bytes"] == len(csv)
    assert manifest["lifecycle"]["status"] == "current"

    second = _publish_version_2(app_client, published)

    after = _snapshot(app_client, first)
    # The current feed moved on to version 2 ...
    feed_after = app_client.get(current_feed).content
    assert feed_after != feed_before and b",25," in feed_after and b",23.5," not in feed_after
    # ... while version 1 reads exactly as it was published, in every form.
    assert after["csv"] == before["csv"]
    for fmt in SDMX_FORMATS:
        assert after[fmt] == before[fmt], fmt
    assert b",23.5," in after["csvdata"] and b",25," not in after["csvdata"]
    old, new = before["manifest"], after["manifest"]
    assert isinstance(old, dict) and isinstance(new, dict)
    assert {k: v for k, v in new.items() if k != "lifecycle"} == {
        k: v for k, v in old.items() if k != "lifecycle"
    }
    assert new["lifecycle"]["status"] == "superseded"
    assert new["lifecycle"]["superseded_by"] == second["id"]
    # The new release points back at the one it superseded, and has its own hashes.
    newest = app_client.get(f"/api/v1/releases/{second['id']}/manifest").json()
    assert newest["previous_release"] == first
    assert newest["observations"]["count"] == 1
    assert newest["observations"]["sha256"] != old["observations"]["sha256"]
    # History keeps both releases in the SDMX feed.
    history = app_client.get(f"{current_feed}&includeHistory=true").content
    assert b",23.5," in history and b",25," in history
