"""Publishing and withdrawing releases through the API, and what the feed then holds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import review_steps
from tests.api.test_intake import GOOD_CSV, HEADER, upload
from tests.conftest import Store
from tests.publishing.conftest import Published, publish
from voicescount.publishing import feeds
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role


def _feed(store: Store, **query) -> list[tuple[str, str, tuple, list]]:
    """(release, action, key, [(period, value, attributes)]) of the current answer."""
    defaults = {"flow_agency": None, "flow_id": "DF_SDG_COMMUNITY", "flow_version": None}
    with store.session() as session:
        answer = feeds.answer(
            session,
            feeds.DataQuery(**{**defaults, **query}),
            agency="VOICES",
            base_url="https://voices.example",
            max_observations=1_000_000,
            sender="VOICES",
        )
        return [
            (
                info.set_id,
                info.action.value,
                series.key,
                [(o.time, o.value, o.attributes) for o in series.observations],
            )
            for info, group in answer.datasets
            for series in group
        ]


def test_a_release_carries_what_an_nso_needs_to_know(
    app_client: TestClient, store: Store, published: Published
) -> None:
    release = published.release
    assert release["id"] == f"{published.dataset}-v1"
    assert release["status"] == "current" and release["decision"] == "COMPLEMENTARY"
    assert release["observations"] == 3
    assert release["caveat"].startswith("Citizen-generated data produced by")
    assert app_client.get(f"/api/v1/releases/{release['id']}").json()["id"] == release["id"]
    version = app_client.get(
        f"/api/v1/datasets/{published.dataset}/versions/1", headers=published.coalition.headers
    ).json()
    assert version["state"] == "published"
    rows = [r for r in _feed(store, providers=frozenset({published.coalition.org}))]
    assert len(rows) == 3
    _, _, key, observations = rows[0]
    assert key[2] == "SP_DYN_MRBF18"
    ((_, _, attributes),) = observations
    assert attributes["REVIEW_DECISION"] == "COMPLEMENTARY"
    assert attributes["CONF_STATUS"] == "F"
    assert attributes["CITATION_REF"] == f"https://voices.example/api/v1/releases/{release['id']}"
    assert attributes["UNWEIGHTED_N"] in {"110", "120", "140"}
    assert attributes["PRODUCER_TYPE"] == "CSO"


def test_only_the_reviewing_offices_approvers_publish_a_decided_version(
    app_client: TestClient, published: Published, make_actor
) -> None:
    from tests.publishing.conftest import submit_dataset

    uid = submit_dataset(app_client, published.coalition)
    url = f"/api/v1/datasets/{uid}/versions/1/publish"
    # Under review, not decided: nobody publishes it yet.
    early = app_client.post(url, headers=published.approver.headers)
    assert early.status_code == 409 and "decided" in early.json()["detail"]
    review_steps.protect(app_client, published.reviewer, uid)
    review_steps.assess(app_client, published.reviewer, uid)
    review_steps.decide(app_client, published.approver, uid, decision="official")
    for actor in (
        published.coalition,
        published.reviewer,
        make_actor(OrgKind.STEWARD, Role.APPROVER),  # another office: the case is taken
        make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN),
    ):
        response = app_client.post(url, headers=actor.headers)
        assert response.status_code in (403, 404), response.text
    released = app_client.post(url, headers=published.approver.headers)
    assert released.status_code == 201 and released.json()["decision"] == "OFFICIAL"
    twice = app_client.post(
        f"/api/v1/datasets/{published.dataset}/versions/1/publish",
        headers=published.approver.headers,
    )
    assert twice.status_code == 409


def test_a_rejected_version_is_never_published(
    app_client: TestClient, published: Published
) -> None:
    from tests.publishing.conftest import submit_dataset

    uid = submit_dataset(app_client, published.coalition)
    review_steps.protect(app_client, published.reviewer, uid)
    review_steps.assess(app_client, published.reviewer, uid)
    review_steps.decide(
        app_client, published.approver, uid, decision="rejected", reason="Out of scope."
    )
    refused = app_client.post(
        f"/api/v1/datasets/{uid}/versions/1/publish", headers=published.approver.headers
    )
    assert refused.status_code == 409
    assert app_client.get(f"/api/v1/releases/{uid}-v1").status_code == 404


def test_a_new_release_supersedes_the_old_one(
    app_client: TestClient, store: Store, published: Published
) -> None:
    coalition, uid = published.coalition, published.dataset
    before = utcnow()
    v2 = app_client.post(
        f"/api/v1/datasets/{uid}/versions",
        json={"copy_observations": False},
        headers=coalition.headers,
    )
    assert v2.status_code == 201
    changed = (HEADER + "SP_DYN_MRBF18,Mombasa County,Women,2023,25,130\n").encode()
    assert upload(app_client, coalition, uid, changed, version=2).status_code == 201
    assert (
        app_client.post(
            f"/api/v1/datasets/{uid}/versions/2/submit", headers=coalition.headers
        ).status_code
        == 200
    )
    second = publish(app_client, published.reviewer, published.approver, uid, 2)
    first = app_client.get(f"/api/v1/releases/{uid}-v1").json()
    assert first["status"] == "superseded" and first["superseded_by"] == second["id"]
    providers = frozenset({coalition.org})
    now = _feed(store, providers=providers)
    assert [(r[0], r[3][0][1]) for r in now] == [(f"{uid}-v2", 25.0)]
    then = _feed(store, providers=providers, as_of=before)
    assert {r[0] for r in then} == {f"{uid}-v1"} and len(then) == 3
    history = _feed(store, providers=providers, include_history=True)
    assert {r[0] for r in history} == {f"{uid}-v1", f"{uid}-v2"}
    changes = _feed(store, providers=providers, updated_after=before)
    assert [r[1] for r in changes] == ["Delete"] * 3 + ["Replace"]


def test_withdrawal_takes_data_out_and_leaves_a_tombstone(
    app_client: TestClient, store: Store, published: Published
) -> None:
    release_id = published.release["id"]
    before = utcnow()  # after the fixture published: a client that read then saw the release
    refused = app_client.post(
        f"/api/v1/releases/{release_id}/withdraw",
        json={"reason": "x"},
        headers=published.coalition.headers,
    )
    assert refused.status_code == 403
    empty = app_client.post(
        f"/api/v1/releases/{release_id}/withdraw",
        json={"reason": " "},
        headers=published.approver.headers,
    )
    assert empty.status_code == 422
    withdrawn = app_client.post(
        f"/api/v1/releases/{release_id}/withdraw",
        json={"reason": "The community withdrew its consent."},
        headers=published.approver.headers,
    )
    assert withdrawn.status_code == 200
    tombstone = app_client.get(f"/api/v1/releases/{release_id}").json()
    assert tombstone["status"] == "withdrawn"
    assert tombstone["withdrawn_reason"] == "The community withdrew its consent."
    providers = frozenset({published.coalition.org})
    try:
        _feed(store, providers=providers)
        raise AssertionError("a withdrawn release must leave the feed")
    except feeds.NoResults:
        pass
    deletions = _feed(store, providers=providers, updated_after=before)
    assert {r[1] for r in deletions} == {"Delete"} and len(deletions) == 3
    again = app_client.post(
        f"/api/v1/releases/{release_id}/withdraw",
        json={"reason": "again"},
        headers=published.approver.headers,
    )
    assert again.status_code == 409


def test_queries_by_key_period_and_provider(store: Store, published: Published) -> None:
    providers = frozenset({published.coalition.org})
    key = tuple([None, None, None, frozenset({"KE-28"}), frozenset({"M"})] + [None] * 10)
    rows = _feed(store, providers=providers, key=key)
    assert [(r[2][3], r[2][4]) for r in rows] == [("KE-28", "M")]
    goal5 = _feed(store, providers=providers, flow_id="DF_SDG_COMMUNITY_G05")
    assert len(goal5) == 3  # SP_DYN_MRBF18 measures 5.3.1
    try:
        _feed(store, providers=providers, flow_id="DF_SDG_COMMUNITY_G01")
        raise AssertionError("no goal-1 data was published")
    except feeds.NoResults:
        pass
    try:
        _feed(store, providers=providers, start_period="2024")
        raise AssertionError("nothing after 2023")
    except feeds.NoResults:
        pass
    assert len(_feed(store, providers=providers, start_period="2023", end_period="2023")) == 3
    assert GOOD_CSV  # the published rows are those of the intake tests' file
