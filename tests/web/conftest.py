"""A published world for the web pages, made once per backend through the real API.

Two coalitions of Kenya and one statistics office: a child-marriage dataset (complementary,
with a finding), a safe-water dataset of another coalition (contextual, several years, one cell
withheld by disclosure control) and a third release that was withdrawn. Titles and keywords
carry a random token, so that tests recognise their own releases in a store other tests share.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_intake import GOOD_CSV, kenya_metadata, upload
from tests.conftest import Actor, Store, unique
from tests.review_steps import review_and_publish
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.types import OrgKind, Role

WATER_CSV = (
    "Indicator,County,Gender,Year,Value,Respondents\n"
    "SH_H2O_SAFE,KE-17,F,2019,40.5,120\n"
    "SH_H2O_SAFE,KE-17,F,2020,42,130\n"
    "SH_H2O_SAFE,KE-17,F,2021,45.25,125\n"
    "SH_H2O_SAFE,KE-17,M,2019,48,110\n"
    "SH_H2O_SAFE,KE-17,M,2020,51,4\n"
    "SH_H2O_SAFE,KE-17,M,2021,53,118\n"
)


@dataclass
class World:
    client: TestClient
    token: str
    coalition: Actor
    other: Actor
    approver: Actor
    #: Release JSON of each dataset.
    child: dict[str, Any]
    water: dict[str, Any]
    withdrawn: dict[str, Any]

    @property
    def ours(self) -> set[str]:
        return {self.child["id"], self.water["id"], self.withdrawn["id"]}


def _actor(store: Store, kind: OrgKind, role: Role, org: str | None = None) -> Actor:
    with store.session() as session:
        slug = org or unique("WEB")
        try:
            access.get_organisation(session, slug)
        except Exception:
            access.create_organisation(
                session,
                slug=slug,
                name=f"{slug} name",
                kind=kind,
                country="KE" if kind is OrgKind.DATA_PROVIDER else None,
            )
        holder = f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
        issued = access.create_key(session, organisation_slug=slug, role=role, holder=holder)
        return Actor(
            org=slug, role=role, token=issued.token, key_id=issued.key.key_id, holder=holder
        )


def _dataset(
    client: TestClient,
    coalition: Actor,
    title: str,
    metadata: dict[str, Any],
    body: str,
    findings: list[dict[str, Any]] | None = None,
) -> str:
    created = client.post(
        "/api/v1/datasets",
        json={"title": title, "metadata": metadata},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    uid = created.json()["dataset"]
    uploaded = upload(client, coalition, uid, body.encode())
    assert uploaded.status_code == 201, uploaded.text
    if findings:
        added = client.post(
            f"/api/v1/datasets/{uid}/versions/1/findings", json=findings, headers=coalition.headers
        )
        assert added.status_code == 201, added.text
    submitted = client.post(f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers)
    assert submitted.status_code == 200, submitted.text
    return uid


def water_metadata(token: str) -> dict[str, Any]:
    metadata = copy.deepcopy(kenya_metadata())
    metadata["title"] = f"Safe drinking water in Kisumu {token}"
    metadata["title_translations"] = {}
    metadata["abstract"] = (
        f"Household interviews in Kisumu on safe drinking water ({token}): which households "
        "reach a protected borehole or piped water, by sex of the respondent, 2019 to 2021."
    )
    metadata["keywords"] = ["borehole", token]
    metadata["reference_period"] = {"start": "2019-01-01", "end": "2021-12-31"}
    metadata["geography"] = {**metadata["geography"], "areas": ["KE-17"]}
    metadata["target_groups"] = [
        {"code": "LNOB_PWD", "label": "People with disabilities", "identification": "self"}
    ]
    metadata["sdg_mappings"] = [
        {
            "goal": "6",
            "target": "6.1",
            "indicator": "6.1.1",
            "relation": "complementary",
            "concordance_note": "Households reached by the interviews, not a national estimate.",
        }
    ]
    return metadata


@pytest.fixture(scope="session")
def world(store: Store) -> Iterator[World]:
    # Never all digits: screening would take a run of digits for an ID number and return it.
    token = f"t{uuid.uuid4().hex[:10]}"
    with TestClient(create_app(store.settings())) as client:
        coalition = _actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER)
        other = _actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER)
        approver = _actor(store, OrgKind.STEWARD, Role.APPROVER)
        reviewer = _actor(store, OrgKind.STEWARD, Role.REVIEWER, org=approver.org)

        child_metadata = kenya_metadata()
        child_metadata["keywords"] = [*child_metadata.get("keywords", []), token]
        finding = {
            "statement": f"Girls in Mombasa said that marriage before 18 ends their schooling ({token}).",
            "method": "focus_group",
            "sdg_targets": ["5.3"],
            "areas": ["KE-28"],
            "target_groups": ["LNOB_WOMEN_GIRLS"],
            "evidence": "Focus group of girls aged 15 to 19, Mombasa.",
        }
        child_uid = _dataset(
            client,
            coalition,
            f"Child marriage in Mombasa {token}",
            child_metadata,
            GOOD_CSV,
            [finding],
        )
        child = review_and_publish(client, reviewer, approver, child_uid)

        water_uid = _dataset(
            client,
            other,
            f"Safe drinking water in Kisumu {token}",
            water_metadata(token),
            WATER_CSV,
        )
        water = review_and_publish(client, reviewer, approver, water_uid, decision="contextual")

        gone_uid = _dataset(
            client, coalition, f"Withdrawn dialogues {token}", kenya_metadata(), GOOD_CSV
        )
        gone = review_and_publish(client, reviewer, approver, gone_uid)
        withdrawn = client.post(
            f"/api/v1/releases/{gone['id']}/withdraw",
            json={"reason": f"The community withdrew its consent ({token})."},
            headers=approver.headers,
        )
        assert withdrawn.status_code == 200, withdrawn.text
        yield World(
            client=client,
            token=token,
            coalition=coalition,
            other=other,
            approver=approver,
            child=child,
            water=water,
            withdrawn=withdrawn.json(),
        )


@pytest.fixture(autouse=True)
def _no_language_cookie(request: pytest.FixtureRequest) -> Iterator[None]:
    """The world's client is shared: a language a test chose (``?lang=`` sets a cookie) must
    not follow the next test."""
    if "world" not in request.fixturenames:
        yield
        return
    client = request.getfixturevalue("world").client
    client.cookies.clear()
    yield
    client.cookies.clear()
