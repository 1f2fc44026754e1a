"""The review workflow through the API, on both stores: who may move a version, when, and what
every move leaves behind (transitions, screening, assessment, suppressions, releases, feeds).

    submitted → screening → (returned | under_review) → decided → published → (superseded |
    withdrawn)

Each test builds its own small upload; the unweighted n of its rows are chosen so that
disclosure control suppresses (primary), suppresses a partner (secondary) and flags (low
reliability) known cells.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.sdmx_helpers import sdmx_error
from tests.api.test_intake import HEADER, kenya_metadata, upload
from tests.conftest import Actor, Store
from tests.review_steps import assess, decide, protect, publish_decided, ratings, review_url
from voicescount.access import service as access
from voicescount.storage.tables import Dataset
from voicescount.types import OrgKind, Role

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
FLOW = "DF_SDG_COMMUNITY"
SDMX_CSV_20 = "application/vnd.sdmx.data+csv;version=2.0.0"

#: Child marriage in Mombasa by sex, with its total, and in Nairobi: (county, sex, value, n).
#: Women (n 6) fall under the frequency threshold (10): primary suppression. Men plus the total
#: would give the women's value away, so Men (the cheapest partner) are withheld too: secondary.
#: Nairobi women (n 25) are published with a low-reliability flag (under 30); the rest are free.
TABLE = (
    ("Mombasa County", "Women", 23.5, 6),
    ("Mombasa County", "Men", 5.0, 40),
    ("Mombasa County", "Total", 8.0, 46),
    ("KE-30", "F", 18.25, 25),
    ("KE-30", "M", 4.0, 140),
)
#: (REF_AREA, SEX) → (CONF_STATUS, OBS_STATUS, rule) of the cells disclosure control touches.
TOUCHED = {
    ("KE-28", "F"): ("A", "Q", "primary"),
    ("KE-28", "M"): ("D", "Q", "secondary"),
    ("KE-30", "F"): ("F", "U", "low-reliability"),
}
#: Two cells nobody need protect (n well above both thresholds).
SAFE = (("KE-30", "M", 4.0, 140), ("KE-30", "F", 18.25, 150))


def csv_body(rows: tuple[tuple[str, str, float, int], ...]) -> bytes:
    lines = [f"SP_DYN_MRBF18,{area},{sex},2023,{value:g},{n}" for area, sex, value, n in rows]
    return (HEADER + "\n".join(lines) + "\n").encode()


# ------------------------------------------------------------------------------------------
# Helpers


@dataclass
class Office:
    """A statistics office with a reviewer and two approvers (four eyes need two people)."""

    reviewer: Actor
    approver: Actor
    other_approver: Actor

    @property
    def org(self) -> str:
        return self.approver.org


def new_office(make_actor, country: str | None = "KE") -> Office:  # type: ignore[no-untyped-def]
    approver = make_actor(OrgKind.STEWARD, Role.APPROVER, country=country)
    return Office(
        reviewer=make_actor(OrgKind.STEWARD, Role.REVIEWER, org=approver.org),
        approver=approver,
        other_approver=make_actor(OrgKind.STEWARD, Role.APPROVER, org=approver.org),
    )


def new_coalition(make_actor) -> Actor:  # type: ignore[no-untyped-def]
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


def start(client: TestClient, coalition: Actor, body: bytes, metadata: dict | None = None) -> str:
    """A new dataset with ``body`` uploaded into its first draft; its uid."""
    created = client.post(
        "/api/v1/datasets",
        json={"title": "Child marriage in Mombasa", "metadata": metadata or kenya_metadata()},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    uid: str = created.json()["dataset"]
    uploaded = upload(client, coalition, uid, body)
    assert uploaded.status_code == 201, uploaded.text
    return uid


def submit(client: TestClient, coalition: Actor, uid: str, number: int = 1) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/datasets/{uid}/versions/{number}/submit", headers=coalition.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def under_review(
    client: TestClient,
    coalition: Actor,
    rows: tuple[tuple[str, str, float, int], ...] = SAFE,
    metadata: dict | None = None,
) -> str:
    """A dataset whose first version passed screening; its uid."""
    uid = start(client, coalition, csv_body(rows), metadata)
    assert submit(client, coalition, uid)["state"] == "under_review"
    return uid


def case(client: TestClient, actor: Actor, uid: str, number: int = 1) -> dict[str, Any]:
    response = client.get(review_url(uid, number), headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


def problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """The problem+json body of a refusal, asserted to have ``status`` and to say ``words``."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"], body
    for word in words:
        assert word.lower() in body["detail"].lower(), (word, body["detail"])
    return body


def post(client: TestClient, actor: Actor | None, uid: str, step: str, body: Any = None):
    headers = actor.headers if actor else {}
    return client.post(review_url(uid, 1, step), json=body, headers=headers)


def put_assessment(client: TestClient, actor: Actor, uid: str, **overrides: int):
    body = {"ratings": ratings(client, actor, uid, **overrides)}
    return client.put(review_url(uid, 1, "assessment"), json=body, headers=actor.headers)


def publish_url(uid: str, number: int = 1) -> str:
    return f"/api/v1/datasets/{uid}/versions/{number}/publish"


def withdraw(client: TestClient, actor: Actor, release: str, reason: str = "Consent withdrawn."):
    return client.post(
        f"/api/v1/releases/{release}/withdraw", json={"reason": reason}, headers=actor.headers
    )


def moves(file: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["from"], t["to"]) for t in file["transitions"]]


def inbox(client: TestClient, actor: Actor, uid: str | None = None) -> list[dict[str, Any]]:
    """The caller's inbox (only the items of dataset ``uid``, when given: the store is shared)."""
    response = client.get("/api/v1/inbox", headers=actor.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"])
    return [item for item in body["data"] if uid is None or item["dataset"] == uid]


def actions(client: TestClient, actor: Actor, uid: str) -> list[str]:
    return [item["action"] for item in inbox(client, actor, uid)]


def sdmx_csv(client: TestClient, provider: str) -> list[dict[str, str]]:
    """A coalition's current data in the feed, as SDMX-CSV 2.0 rows."""
    response = client.get(
        f"/sdmx/v2/data/provisionagreement/VOICES/{provider}_{FLOW}/*/*",
        headers={"Accept": SDMX_CSV_20},
    )
    assert response.status_code == 200, response.text[:500]
    return list(csv.DictReader(io.StringIO(response.text)))


def second_key_of(store: Store, actor: Actor) -> Actor:
    """Another key of the same organisation and role, held by the same person."""
    with store.session() as session:
        issued = access.create_key(
            session, organisation_slug=actor.org, role=actor.role, holder=actor.holder
        )
    return Actor(actor.org, actor.role, issued.token, issued.key.key_id, actor.holder)


# ------------------------------------------------------------------------------------------
# Submission and screening


def test_a_clean_submission_is_screened_into_review_and_the_system_moves_are_recorded(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = start(app_client, coalition, csv_body(SAFE))
    version = submit(app_client, coalition, uid)
    assert version["state"] == "under_review"
    assert version["screening"]["blocking"] == 0
    file = case(app_client, office.reviewer, uid)
    assert moves(file) == [
        ("draft", "submitted"),
        ("submitted", "screening"),
        ("screening", "under_review"),
    ]
    submitted, screening, passed = file["transitions"]
    assert submitted["actor"] == f"key:{coalition.key_id}"
    assert screening["actor"] == passed["actor"] == "system"
    assert "warnings" in passed["details"]
    assert submitted["at"] <= screening["at"] <= passed["at"]
    assert file["steward"] is None  # nobody has taken the case yet
    assert {a["to"] for a in file["allowed"]} == {"returned", "decided"}
    assert case(app_client, coalition, uid)["allowed"] == []  # the coalition waits
    # A frozen version is not submitted twice.
    again = app_client.post(f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers)
    problem(again, 409)


def test_personal_data_in_free_text_metadata_returns_the_version_with_itemised_issues(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    metadata = kenya_metadata()
    metadata["abstract"] += " Call the facilitator on +254 712 345 678 for the notes."
    metadata["limitations"] += " One participant (ID no 23456789) left early."
    uid = start(app_client, coalition, csv_body(SAFE), metadata)
    version = submit(app_client, coalition, uid)
    assert version["state"] == "returned"
    screening = version["screening"]
    assert screening["blocking"] == 2
    found = {(i["where"], i["code"], i["severity"]) for i in screening["issues"]}
    assert ("metadata.abstract", "text-phone", "blocking") in found
    assert ("metadata.limitations", "text-national_id", "blocking") in found
    # The report masks what it found: it does not spread the number itself.
    messages = " ".join(i["message"] for i in screening["issues"])
    assert "712 345 678" not in messages and "23456789" not in messages
    file = case(app_client, coalition, uid)
    assert moves(file)[-1] == ("screening", "returned")
    last = file["transitions"][-1]
    assert last["actor"] == "system" and "2 blocking issues" in last["reason"]
    assert last["details"]["blocking"] == 2
    # The coalition is told what to do; no statistics office is asked to review it.
    assert actions(app_client, coalition, uid) == [
        "read the issues, start a new version and submit it"
    ]
    assert actions(app_client, office.reviewer, uid) == []
    problem(post(app_client, office.reviewer, uid, "disclosure"), 409, "returned")


def test_a_cell_resting_on_more_people_than_the_sample_reached_blocks_the_submission(
    app_client: TestClient, make_actor
) -> None:
    coalition = new_coalition(make_actor)
    metadata = kenya_metadata()
    metadata["sampling"]["size_achieved"] = 100
    uid = start(app_client, coalition, csv_body(SAFE), metadata)  # n 140 and 150
    version = submit(app_client, coalition, uid)
    assert version["state"] == "returned"
    (issue,) = [i for i in version["screening"]["issues"] if i["code"] == "n-exceeds-sample"]
    assert issue["severity"] == "blocking" and issue["check"] == "consistency"
    assert "150" in issue["message"] and "100" in issue["message"]
    assert issue["where"].startswith("observation row")


def test_the_coalition_answers_a_returned_version_with_a_new_version(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    metadata = kenya_metadata()
    metadata["abstract"] += " Call the facilitator on +254 712 345 678."
    uid = start(app_client, coalition, csv_body(SAFE), metadata)
    assert submit(app_client, coalition, uid)["state"] == "returned"
    # The returned version itself stays as it was: it is neither changed nor submitted again.
    refused = app_client.post(
        f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers
    )
    problem(refused, 409)
    problem(upload(app_client, coalition, uid, csv_body(SAFE)), 409, "new version")
    # Stewards do not start versions of a coalition's dataset.
    problem(
        app_client.post(f"/api/v1/datasets/{uid}/versions", headers=office.approver.headers), 403
    )
    started = app_client.post(f"/api/v1/datasets/{uid}/versions", headers=coalition.headers)
    assert started.status_code == 201, started.text
    v2 = started.json()
    assert v2["number"] == 2 and v2["state"] == "draft" and v2["previous_version"] == 1
    assert v2["observation_count"] == 2  # the observations come along
    fixed = kenya_metadata()
    stored = app_client.put(
        f"/api/v1/datasets/{uid}/versions/2/metadata", json=fixed, headers=coalition.headers
    )
    assert stored.status_code == 200, stored.text
    assert submit(app_client, coalition, uid, 2)["state"] == "under_review"
    assert case(app_client, office.reviewer, uid, 2)["state"] == "under_review"
    assert case(app_client, coalition, uid, 1)["state"] == "returned"
    assert actions(app_client, coalition, uid) == []  # nothing awaits the coalition now
    assert actions(app_client, office.reviewer, uid) == ["assess against the rubric"]


# ------------------------------------------------------------------------------------------
# Who may act: role, organisation, country, four eyes


def test_each_review_step_takes_the_right_role_of_a_statistics_office(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    stranger = new_coalition(make_actor)
    steward_admin = make_actor(OrgKind.STEWARD, Role.ADMIN, org=office.org)
    rating = {"ratings": {}}
    steps = [
        ("disclosure", None),
        ("assessment", rating),
        ("decision", {"decision": "official"}),
        ("return", {"reason": "Please add ward names."}),
    ]
    for step, body in steps:
        method = app_client.put if step == "assessment" else app_client.post
        url = review_url(uid, 1, step)
        problem(method(url, json=body), 401)
        problem(method(url, json=body, headers=coalition.headers), 403, "statistics office")
        problem(method(url, json=body, headers=steward_admin.headers), 403)
        problem(method(url, json=body, headers=stranger.headers), 403)
    # A reviewer prepares the case but does not decide or publish.
    refused = post(app_client, office.reviewer, uid, "decision", {"decision": "official"})
    problem(refused, 403, "approver")
    problem(app_client.post(publish_url(uid), headers=office.reviewer.headers), 403, "approver")
    problem(app_client.get(review_url(uid, 1, "rubric"), headers=coalition.headers), 403)
    # Another coalition does not even see the case; a competent office reads it.
    problem(app_client.get(review_url(uid, 1), headers=stranger.headers), 404)
    assert case(app_client, office.reviewer, uid)["state"] == "under_review"
    # None of the refusals moved or claimed anything.
    file = case(app_client, coalition, uid)
    assert file["state"] == "under_review" and file["steward"] is None
    assert len(file["transitions"]) == 3


def test_stewards_never_see_or_move_a_draft(app_client: TestClient, make_actor) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = start(app_client, coalition, csv_body(SAFE))
    problem(app_client.get(review_url(uid, 1), headers=office.reviewer.headers), 404)
    problem(post(app_client, office.reviewer, uid, "disclosure"), 404)
    submitted = app_client.post(
        f"/api/v1/datasets/{uid}/versions/1/submit", headers=office.approver.headers
    )
    problem(submitted, 404)
    # The coalition has a draft and no review case yet.
    problem(app_client.get(review_url(uid, 1), headers=coalition.headers), 404)
    assert actions(app_client, coalition, uid) == ["complete and submit the draft"]


def test_only_an_office_of_the_coalitions_country_reviews_and_the_first_to_act_takes_the_case(
    app_client: TestClient, make_actor
) -> None:
    coalition = new_coalition(make_actor)
    first, second = new_office(make_actor), new_office(make_actor)
    abroad = new_office(make_actor, country="UG")
    uid = under_review(app_client, coalition)
    # Another country's office: the submission does not exist for it (unpublished data stay with
    # the offices that review them), it cannot act, and nothing waits for it.
    problem(app_client.get(review_url(uid, 1), headers=abroad.reviewer.headers), 404, uid)
    problem(post(app_client, abroad.reviewer, uid, "disclosure"), 404, uid)
    assert actions(app_client, abroad.approver, uid) == []
    # Both Kenyan offices are asked; the first to act takes the case.
    assert actions(app_client, first.reviewer, uid) == ["assess against the rubric"]
    assert actions(app_client, second.reviewer, uid) == ["assess against the rubric"]
    protect(app_client, first.reviewer, uid)
    assert case(app_client, coalition, uid)["steward"]["id"] == first.org
    problem(post(app_client, second.reviewer, uid, "disclosure"), 403, "has taken this case")
    problem(put_assessment(app_client, second.approver, uid), 403, "has taken this case")
    assert actions(app_client, second.reviewer, uid) == []
    assert actions(app_client, first.reviewer, uid) == ["assess against the rubric"]


def test_four_eyes_whoever_assessed_a_version_does_not_decide_on_it(
    app_client: TestClient, store: Store, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    protect(app_client, office.reviewer, uid)
    assess(app_client, office.approver, uid)  # approvers may assess too
    same_key = post(app_client, office.approver, uid, "decision", {"decision": "official"})
    problem(same_key, 403, "four eyes")
    same_person = second_key_of(store, office.approver)
    problem(post(app_client, same_person, uid, "decision", {"decision": "official"}), 403)
    assert actions(app_client, office.approver, uid) == []
    assert actions(app_client, office.other_approver, uid) == ["decide"]
    decided = decide(app_client, office.other_approver, uid, decision="official")
    assert decided["state"] == "decided"
    assert decided["decision"]["decided_by"] == f"key:{office.other_approver.key_id}"


def test_no_organisation_reviews_or_decides_on_its_own_data(
    app_client: TestClient, store: Store, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    # The statistics office is the producer of this dataset (say, its own community survey).
    with store.session() as session:
        dataset = session.exec(select(Dataset).where(Dataset.uid == uid)).one()
        steward_id = access.get_organisation(session, office.org).id
        dataset.organisation_id = steward_id
        session.add(dataset)
        session.commit()
    problem(post(app_client, office.reviewer, uid, "disclosure"), 403, "its own data")
    problem(put_assessment(app_client, office.reviewer, uid), 403, "its own data")
    decision = post(app_client, office.approver, uid, "decision", {"decision": "official"})
    problem(decision, 403, "its own data")
    assert actions(app_client, office.reviewer, uid) == []  # nor is it asked to


# ------------------------------------------------------------------------------------------
# Return, assessment and decision


def test_a_steward_returns_a_version_saying_why_and_the_coalition_reads_it(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    for blank in ("", "   "):
        body = problem(post(app_client, office.reviewer, uid, "return", {"reason": blank}), 422)
        assert body["errors"][0]["field"] == "reason"
    reason = "The ward names are missing; add them to geography.areas."
    returned = post(app_client, office.reviewer, uid, "return", {"reason": reason})
    assert returned.status_code == 200, returned.text
    assert returned.json()["state"] == "returned"
    file = case(app_client, coalition, uid)
    last = file["transitions"][-1]
    assert (last["from"], last["to"], last["reason"]) == ("under_review", "returned", reason)
    assert last["actor"] == f"key:{office.reviewer.key_id}"
    assert file["steward"]["id"] == office.org
    assert actions(app_client, coalition, uid) == [
        "read the issues, start a new version and submit it"
    ]
    # From returned, the office can do nothing more with this version.
    problem(post(app_client, office.reviewer, uid, "return", {"reason": "again"}), 409)
    problem(put_assessment(app_client, office.reviewer, uid), 409, "returned")
    problem(post(app_client, office.approver, uid, "decision", {"decision": "official"}), 409)
    problem(app_client.post(publish_url(uid), headers=office.approver.headers), 409)


def test_the_rubric_assessment_is_stored_and_shown_with_the_decision(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    # No decision before an assessment, no publication before a decision.
    problem(post(app_client, office.approver, uid, "decision", {"decision": "official"}), 409)
    problem(app_client.post(publish_url(uid), headers=office.approver.headers), 409, "decided")
    protect(app_client, office.reviewer, uid)
    assessed = assess(app_client, office.reviewer, uid)
    result = assessed["assessment"]
    assert result["outcome"] == "MET" and result["gating_passed"] is True
    assert result["rubric_id"] == "voicescount-default"
    # No decision outside the four.
    unknown = post(app_client, office.approver, uid, "decision", {"decision": "maybe"})
    assert problem(unknown, 422)["errors"][0]["field"] == "decision"
    caveat = "Community-collected; compare with the KDHS."
    decided = decide(
        app_client, office.approver, uid, decision="Official", reason="Sound.", caveat=caveat
    )
    file = case(app_client, coalition, uid)
    assert file["state"] == "decided" and file["assessment"] == result
    decision = file["decision"]
    assert decision["decision"] == "OFFICIAL" and decision["quality_outcome"] == "MET"
    assert decision["reason"] == "Sound." and decision["caveat"] == caveat
    assert decided["decision"] == decision
    last = file["transitions"][-1]
    assert (last["from"], last["to"], last["reason"]) == ("under_review", "decided", "Sound.")
    assert last["details"] == {"decision": "OFFICIAL", "quality_outcome": "MET"}
    # Once decided, the version is not assessed, protected, returned or decided again.
    problem(put_assessment(app_client, office.reviewer, uid), 409, "decided")
    problem(post(app_client, office.reviewer, uid, "disclosure"), 409, "decided")
    problem(post(app_client, office.reviewer, uid, "return", {"reason": "late"}), 409)
    again = post(app_client, office.other_approver, uid, "decision", {"decision": "contextual"})
    problem(again, 409)


def test_data_that_do_not_meet_the_criteria_are_contextual_at_most(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    protect(app_client, office.reviewer, uid)
    assessed = assess(app_client, office.reviewer, uid, consent_documented=0)
    assert assessed["assessment"]["outcome"] == "NOT_MET"
    assert assessed["assessment"]["failed_gates"] == ["consent_documented"]
    for publishable in ("official", "complementary"):
        refused = post(app_client, office.approver, uid, "decision", {"decision": publishable})
        problem(refused, 409, "not met", "contextual")
    decided = decide(app_client, office.approver, uid, decision="contextual")
    assert decided["decision"]["quality_outcome"] == "NOT_MET"
    release = publish_decided(app_client, office.approver, uid)
    assert (release["decision"], release["quality_outcome"]) == ("CONTEXTUAL", "NOT_MET")


def test_criteria_met_with_conditions_need_the_conditions_stated(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    protect(app_client, office.reviewer, uid)
    # Gates met (2 of 3), the rest middling: 18 of 33 points, 54.5%, within 10 points of 60%.
    levels = dict.fromkeys(
        ("consent_documented", "method_documented", "sdg_relation_stated", "disclosure_checked"),
        2,
    )
    levels |= {"relevance": 2, "producer_credibility": 2, "accuracy_reliability": 2}
    levels |= dict.fromkeys(("timeliness", "coherence", "accessibility", "do_no_harm"), 1)
    assessed = assess(app_client, office.reviewer, uid, **levels)
    assert assessed["assessment"]["outcome"] == "MET_WITH_CONDITIONS"
    for conditions in (None, " "):
        body = {"decision": "complementary", "conditions": conditions}
        refused = problem(post(app_client, office.approver, uid, "decision", body), 422)
        assert refused["errors"][0]["field"] == "conditions"
    conditions = "Publish only beside the KDHS estimate, with the sample size."
    decided = decide(
        app_client, office.approver, uid, decision="complementary", conditions=conditions
    )
    assert decided["decision"]["conditions"] == conditions
    assert decided["decision"]["quality_outcome"] == "MET_WITH_CONDITIONS"


def test_disclosure_control_comes_before_a_publishable_decision_but_not_a_rejection(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    assess(app_client, office.reviewer, uid)
    assert actions(app_client, office.reviewer, uid) == ["apply disclosure control"]
    for publishable in ("official", "complementary", "contextual"):
        refused = post(app_client, office.approver, uid, "decision", {"decision": publishable})
        problem(refused, 409, "disclosure control")
    no_reason = post(app_client, office.approver, uid, "decision", {"decision": "rejected"})
    assert problem(no_reason, 422, "why")["errors"][0]["field"] == "reason"
    reason = "The questions do not measure marriage before 18."
    rejected = decide(app_client, office.approver, uid, decision="rejected", reason=reason)
    assert rejected["decision"]["decision"] == "REJECTED"
    assert case(app_client, coalition, uid)["decision"]["reason"] == reason
    problem(app_client.post(publish_url(uid), headers=office.approver.headers), 409, "rejected")
    assert actions(app_client, office.approver, uid) == []  # nothing left to publish


# ------------------------------------------------------------------------------------------
# Disclosure control and the suppression report


def test_disclosure_control_withholds_small_cells_and_their_partners_and_reports_why(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition, TABLE)
    url = review_url(uid, 1, "suppressions")
    before = app_client.get(url, headers=office.reviewer.headers).json()
    assert before == {"disclosure": None, "data": []}
    file = protect(app_client, office.reviewer, uid)
    disclosure = file["disclosure"]
    assert disclosure["policy"]["frequency_threshold"] == 10
    assert disclosure["policy"]["reliability_threshold"] == 30
    assert disclosure["cells"] == 5 and disclosure["withheld"] == 2
    report = app_client.get(url, headers=office.reviewer.headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["disclosure"] == disclosure
    entries = {tuple(e["series_key"].split(".")[3:5]): e for e in body["data"]}
    assert {k: (e["conf_status"], e["obs_status"], e["rule"]) for k, e in entries.items()} == (
        TOUCHED
    )
    assert entries[("KE-28", "F")]["value_withheld"] is True
    assert entries[("KE-28", "M")]["value_withheld"] is True
    assert entries[("KE-30", "F")]["value_withheld"] is False
    assert entries[("KE-28", "F")]["unweighted_n"] == 6
    assert all(e["reason"] for e in entries.values())
    assert all("obs_value" not in e for e in entries.values())  # the report shows no values
    # The coalition reads its report; another coalition does not.
    mine = app_client.get(url, headers=coalition.headers)
    assert mine.status_code == 200 and mine.json()["data"] == body["data"]
    problem(app_client.get(url, headers=new_coalition(make_actor).headers), 404)
    # Applying it again replaces the verdicts, it does not add to them.
    protect(app_client, office.reviewer, uid)
    assert len(app_client.get(url, headers=office.reviewer.headers).json()["data"]) == 3


def test_the_suppression_report_comes_as_csv(app_client: TestClient, make_actor) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition, TABLE)
    protect(app_client, office.reviewer, uid)
    url = review_url(uid, 1, "suppressions")
    as_json = app_client.get(url, headers=office.reviewer.headers).json()["data"]
    by_query = app_client.get(url, params={"format": "csv"}, headers=office.reviewer.headers)
    by_accept = app_client.get(url, headers={**office.reviewer.headers, "Accept": "text/csv"})
    for response in (by_query, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert f'filename="{uid}-v1-suppressions.csv"' in response.headers["content-disposition"]
        assert response.text.splitlines()[0] == (
            "row_number,series_key,time_period,unweighted_n,value_withheld,conf_status,"
            "obs_status,rule,reason"
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["series_key"], r["conf_status"], r["obs_status"], r["rule"]) for r in rows] == [
            (e["series_key"], e["conf_status"], e["obs_status"], e["rule"]) for e in as_json
        ]
        assert {r["value_withheld"] for r in rows} == {"True", "False"}


def test_an_office_sets_its_thresholds_and_disclosure_control_uses_them(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    settings = app_client.get("/api/v1/review-settings", headers=office.reviewer.headers)
    assert settings.status_code == 200, settings.text
    defaults = settings.json()
    assert defaults["organisation"] == office.org
    assert (defaults["frequency_threshold"], defaults["reliability_threshold"]) == (10, 30)
    assert defaults["rubric_is_default"] is True
    change = {"frequency_threshold": 50, "reliability_threshold": 200}
    problem(app_client.get("/api/v1/review-settings", headers=coalition.headers), 403)
    problem(
        app_client.patch("/api/v1/review-settings", json=change, headers=coalition.headers), 403
    )
    refused = app_client.patch(
        "/api/v1/review-settings", json=change, headers=office.reviewer.headers
    )
    problem(refused, 403, "admin or approver")
    bad = app_client.patch(
        "/api/v1/review-settings",
        json={"frequency_threshold": 0, "reliability_threshold": 5},
        headers=office.approver.headers,
    )
    fields = {e["field"] for e in problem(bad, 422)["errors"]}
    assert fields == {"frequency_threshold"}
    below = app_client.patch(
        "/api/v1/review-settings",
        json={"reliability_threshold": 5},
        headers=office.approver.headers,
    )
    assert {e["field"] for e in problem(below, 422)["errors"]} == {"reliability_threshold"}
    saved = app_client.patch(
        "/api/v1/review-settings", json=change, headers=office.approver.headers
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["frequency_threshold"], saved.json()["reliability_threshold"]) == (50, 200)
    assert saved.json()["updated_at"] is not None
    # Under the office's own thresholds every cell with n under 50 (6, 40, 46, 25) is withheld
    # and the Nairobi men (n 140) are flagged as unreliable.
    uid = under_review(app_client, coalition, TABLE)
    file = protect(app_client, office.reviewer, uid)
    assert file["disclosure"]["policy"]["frequency_threshold"] == 50
    report = app_client.get(review_url(uid, 1, "suppressions"), headers=coalition.headers).json()
    rules = {tuple(e["series_key"].split(".")[3:5]): e["rule"] for e in report["data"]}
    assert rules == {
        ("KE-28", "F"): "primary",
        ("KE-28", "M"): "primary",
        ("KE-28", "_T"): "primary",
        ("KE-30", "F"): "primary",
        ("KE-30", "M"): "low-reliability",
    }
    # Another office keeps the defaults.
    other = app_client.get(
        "/api/v1/review-settings", headers=new_office(make_actor).approver.headers
    )
    assert other.json()["frequency_threshold"] == 10


def test_an_office_assesses_with_its_own_rubric(app_client: TestClient, make_actor) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    text = (EXAMPLES / "rubric-kenya-example.yaml").read_text(encoding="utf-8")
    url = "/api/v1/review-settings/rubric"
    yaml_headers = {"Content-Type": "application/yaml"}
    refused = app_client.put(url, content=text, headers={**office.reviewer.headers, **yaml_headers})
    problem(refused, 403)
    broken = app_client.put(
        url, content="id: x\nscale: []\n", headers={**office.approver.headers, **yaml_headers}
    )
    assert problem(broken, 422)["errors"]
    loaded = app_client.put(url, content=text, headers={**office.approver.headers, **yaml_headers})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["rubric_is_default"] is False
    assert loaded.json()["rubric"]["id"] == "example-ke-cgd"
    uid = under_review(app_client, coalition)
    protect(app_client, office.reviewer, uid)
    rubric = app_client.get(review_url(uid, 1, "rubric"), headers=office.reviewer.headers).json()
    assert rubric["rubric"]["id"] == "example-ke-cgd"
    assert {c["id"] for c in rubric["rubric"]["criteria"]} >= {"consent", "methods"}
    # The default rubric's criteria do not fit this office's rubric.
    default_ids = {"consent_documented": {"rating": 3, "evidence": "x"}}
    wrong = app_client.put(
        review_url(uid, 1, "assessment"),
        json={"ratings": default_ids},
        headers=office.reviewer.headers,
    )
    assert problem(wrong, 422)["errors"]
    assessed = assess(app_client, office.reviewer, uid)
    assert assessed["assessment"]["rubric_id"] == "example-ke-cgd"
    reset = app_client.delete(url, headers=office.approver.headers)
    assert reset.status_code == 200 and reset.json()["rubric_is_default"] is True
    assert reset.json()["rubric"]["id"] == "voicescount-default"
    # The assessment keeps the rubric it was made with.
    assert case(app_client, coalition, uid)["assessment"]["rubric_id"] == "example-ke-cgd"


# ------------------------------------------------------------------------------------------
# Publication, the feeds, supersession and withdrawal


def test_the_decision_and_the_suppressions_travel_into_the_published_sdmx_data(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition, TABLE)
    protect(app_client, office.reviewer, uid)
    assess(app_client, office.reviewer, uid)
    decide(app_client, office.approver, uid, decision="official")
    assert actions(app_client, office.approver, uid) == ["publish the decided version"]
    assert actions(app_client, office.reviewer, uid) == []
    release = publish_decided(app_client, office.approver, uid)
    assert release["observations"] == 5 and release["steward"]["id"] == office.org
    assert actions(app_client, office.approver, uid) == []
    rows = {(r["REF_AREA"], r["SEX"]): r for r in sdmx_csv(app_client, coalition.org)}
    assert set(rows) == {
        ("KE-28", "F"),
        ("KE-28", "M"),
        ("KE-28", "_T"),
        ("KE-30", "F"),
        ("KE-30", "M"),
    }
    for row in rows.values():
        assert row["REVIEW_DECISION"] == "OFFICIAL"
        assert row["QUALITY_OUTCOME"] == "MET"
        assert row["REVIEW_ORG"] == f"{office.org} name"
        assert row["CITATION_REF"].endswith(f"/api/v1/releases/{release['id']}")
    # A withheld cell goes out without its value (SDMX-CSV 2.0 writes "intentionally missing"
    # as NaN) and without the n that would hint at it.
    for cell, (conf, status, rule) in TOUCHED.items():
        row = rows[cell]
        assert (row["CONF_STATUS"], row["OBS_STATUS"]) == (conf, status), rule
        if conf in ("A", "D"):
            assert row["OBS_VALUE"] == "NaN" and row["UNWEIGHTED_N"] == ""
    # SDMX-CSV 1.0 (SDMX-REST 1.5) leaves the withheld values empty.
    v1 = app_client.get(f"/sdmx/v1/data/{FLOW}/all/{coalition.org}", headers={"Accept": "text/csv"})
    assert v1.status_code == 200, v1.text[:500]
    values = {
        (r["REF_AREA"], r["SEX"]): (r["OBS_VALUE"], r["CONF_STATUS"], r["REVIEW_DECISION"])
        for r in csv.DictReader(io.StringIO(v1.text))
    }
    assert values[("KE-28", "F")] == ("", "A", "OFFICIAL")
    assert values[("KE-28", "M")] == ("", "D", "OFFICIAL")
    assert float(rows[("KE-30", "F")]["OBS_VALUE"]) == 18.25
    assert rows[("KE-30", "F")]["UNWEIGHTED_N"] == "25"
    assert (rows[("KE-28", "_T")]["CONF_STATUS"], float(rows[("KE-28", "_T")]["OBS_VALUE"])) == (
        "F",
        8.0,
    )
    # The transitions say who published what.
    file = case(app_client, coalition, uid)
    last = file["transitions"][-1]
    assert (last["from"], last["to"]) == ("decided", "published")
    assert last["actor"] == f"key:{office.approver.key_id}"
    assert last["details"] == {"release": release["id"], "observations": 5}
    problem(app_client.post(publish_url(uid), headers=office.approver.headers), 409)


def test_withdrawal_empties_the_feeds_leaves_a_tombstone_and_is_the_publishers_alone(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    neighbour = new_office(make_actor)
    uid = under_review(app_client, coalition)
    protect(app_client, office.reviewer, uid)
    assess(app_client, office.reviewer, uid)
    decide(app_client, office.approver, uid)
    release = publish_decided(app_client, office.approver, uid)["id"]
    data_url = f"/sdmx/v1/data/VOICES,{FLOW},latest/all/VOICES,{coalition.org}"
    assert app_client.get(data_url, headers={"Accept": SDMX_CSV_20}).status_code == 200
    problem(withdraw(app_client, neighbour.approver, release), 403, "published")
    problem(withdraw(app_client, office.reviewer, release), 403, "approver")
    problem(withdraw(app_client, coalition, release), 403)
    assert problem(withdraw(app_client, office.approver, release, "  "), 422)["errors"]
    reason = "The community of the Likoni site withdrew its consent."
    done = withdraw(app_client, office.approver, release, reason)
    assert done.status_code == 200, done.text
    gone = app_client.get(data_url)
    assert gone.status_code == 404 and sdmx_error(gone).code == 100  # NoResults
    tombstone = app_client.get(f"/api/v1/releases/{release}")
    assert tombstone.status_code == 200
    assert tombstone.json()["status"] == "withdrawn"
    assert tombstone.json()["withdrawn_reason"] == reason
    assert tombstone.json()["withdrawn_at"] is not None
    file = case(app_client, coalition, uid)
    assert file["state"] == "withdrawn"
    last = file["transitions"][-1]
    assert (last["from"], last["to"], last["reason"]) == ("published", "withdrawn", reason)
    assert last["actor"] == f"key:{office.approver.key_id}"
    assert case(app_client, office.approver, uid)["allowed"] == []  # withdrawn is final
    problem(withdraw(app_client, office.approver, release), 409, "already withdrawn")
    problem(app_client.post(publish_url(uid), headers=office.approver.headers), 409)


def test_a_newer_release_supersedes_the_older_which_can_still_be_withdrawn(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    protect(app_client, office.reviewer, uid)
    assess(app_client, office.reviewer, uid)
    decide(app_client, office.approver, uid)
    first = publish_decided(app_client, office.approver, uid)["id"]
    started = app_client.post(
        f"/api/v1/datasets/{uid}/versions",
        json={"copy_observations": False},
        headers=coalition.headers,
    )
    assert started.status_code == 201, started.text
    newer = csv_body((("KE-30", "F", 17.0, 160), ("KE-30", "M", 3.5, 150)))
    assert upload(app_client, coalition, uid, newer, version=2).status_code == 201
    assert submit(app_client, coalition, uid, 2)["state"] == "under_review"
    # The office that took the dataset's first version is not bound to the second.
    assert actions(app_client, office.reviewer, uid) == ["assess against the rubric"]
    protect(app_client, office.reviewer, uid, 2)
    assess(app_client, office.reviewer, uid, 2)
    decide(app_client, office.approver, uid, 2, decision="official")
    second = publish_decided(app_client, office.approver, uid, 2)["id"]
    old = case(app_client, coalition, uid, 1)
    assert old["state"] == "superseded"
    superseded = old["transitions"][-1]
    assert (superseded["from"], superseded["to"]) == ("published", "superseded")
    assert superseded["actor"] == "system" and superseded["reason"] == "Superseded by version 2."
    assert app_client.get(f"/api/v1/releases/{first}").json()["superseded_by"] == second
    values = {float(r["OBS_VALUE"]) for r in sdmx_csv(app_client, coalition.org)}
    assert values == {17.0, 3.5}
    assert withdraw(app_client, office.approver, first, "Wrong site codes.").status_code == 200
    assert moves(case(app_client, coalition, uid, 1))[-1] == ("superseded", "withdrawn")
    assert app_client.get(f"/api/v1/releases/{second}").json()["status"] == "current"


# ------------------------------------------------------------------------------------------
# What awaits whom


def test_the_coalition_inbox_lists_its_drafts_and_returned_versions(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    drafted = start(app_client, coalition, csv_body(SAFE))
    returned = under_review(app_client, coalition)
    post(app_client, office.reviewer, returned, "return", {"reason": "Add the wards."})
    waiting = under_review(app_client, coalition)
    items = {item["dataset"]: item for item in inbox(app_client, coalition)}
    assert set(items) == {drafted, returned}  # the version under review awaits the office
    assert items[drafted]["action"] == "complete and submit the draft"
    assert items[drafted]["state"] == "draft"
    assert items[returned]["action"] == "read the issues, start a new version and submit it"
    assert items[returned]["link"] == f"/api/v1/datasets/{returned}/versions/1/review"
    assert items[returned]["provider"] == coalition.org
    assert waiting not in items
    assert inbox(app_client, new_coalition(make_actor)) == []


def test_the_office_inbox_follows_the_case_to_publication(
    app_client: TestClient, make_actor
) -> None:
    coalition, office = new_coalition(make_actor), new_office(make_actor)
    uid = under_review(app_client, coalition)
    (item,) = inbox(app_client, office.reviewer, uid)
    assert item["state"] == "under_review" and item["provider"] == coalition.org
    assert item["action"] == "assess against the rubric" and item["since"] is not None
    assess(app_client, office.approver, uid, disclosure_checked=3)
    assert actions(app_client, office.reviewer, uid) == ["apply disclosure control"]
    protect(app_client, office.reviewer, uid)
    assert actions(app_client, office.reviewer, uid) == []  # reviewers do not decide
    assert actions(app_client, office.approver, uid) == []  # the assessor does not decide
    assert actions(app_client, office.other_approver, uid) == ["decide"]
    decide(app_client, office.other_approver, uid)
    assert actions(app_client, office.approver, uid) == ["publish the decided version"]
    publish_decided(app_client, office.approver, uid)
    for actor in (office.reviewer, office.approver, office.other_approver, coalition):
        assert actions(app_client, actor, uid) == []
