"""The desk on both stores: signing in with a key (and out), the session cookie and CSRF
checks, a coalition's submissions with their validation reports, and a statistics office taking
a submission through the review forms to a published release, with the services' refusals
shown on the page."""

from __future__ import annotations

import re
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.test_intake import GOOD_CSV, HEADER, kenya_metadata, upload
from tests.conftest import Actor, Store, unique
from tests.web import a11y
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.config import Settings
from voicescount.types import OrgKind, Role
from voicescount.web import i18n, sessions


@dataclass
class Desk:
    app: FastAPI
    api: TestClient
    store: Store
    coalition: Actor
    other: Actor
    reviewer: Actor
    approver: Actor
    #: A second approver, the one who decides after the first assessed (four eyes).
    second_approver: Actor


def _actor(store: Store, kind: OrgKind, role: Role, org: str | None = None) -> Actor:
    with store.session() as session:
        slug = org or unique("DESK")
        if org is None:
            access.create_organisation(
                session, slug=slug, name=f"{slug} name", kind=kind, country="KE"
            )
        holder = f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
        issued = access.create_key(session, organisation_slug=slug, role=role, holder=holder)
        return Actor(
            org=slug, role=role, token=issued.token, key_id=issued.key.key_id, holder=holder
        )


@pytest.fixture(scope="module")
def desk(store: Store) -> Iterator[Desk]:
    app = create_app(store.settings())
    with TestClient(app) as api:
        approver = _actor(store, OrgKind.STEWARD, Role.APPROVER)
        yield Desk(
            app=app,
            api=api,
            store=store,
            coalition=_actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER),
            other=_actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER),
            reviewer=_actor(store, OrgKind.STEWARD, Role.REVIEWER, org=approver.org),
            approver=approver,
            second_approver=_actor(store, OrgKind.STEWARD, Role.APPROVER, org=approver.org),
        )


def browser(desk: Desk) -> TestClient:
    """A browser of its own: its own cookie jar, no redirects followed."""
    return TestClient(desk.app, follow_redirects=False)


def sign_in(desk: Desk, actor: Actor) -> TestClient:
    client = browser(desk)
    response = client.post("/desk/sign-in", data={"api_key": actor.token})
    assert response.status_code == 303, response.text
    return client


def create_dataset(desk: Desk, owner: Actor, body: str = GOOD_CSV, submit: bool = True) -> str:
    title = f"Child marriage in Mombasa t{uuid.uuid4().hex[:8]}"
    created = desk.api.post(
        "/api/v1/datasets",
        json={"title": title, "metadata": kenya_metadata()},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    uid = created.json()["dataset"]
    uploaded = upload(desk.api, owner, uid, body.encode(), filename="mombasa.csv")
    assert uploaded.status_code in (201, 422), uploaded.text
    if submit:
        submitted = desk.api.post(
            f"/api/v1/datasets/{uid}/versions/1/submit", headers=owner.headers
        )
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["state"] == "under_review"
    return uid


def case_path(uid: str, number: int = 1) -> str:
    return f"/desk/review/{uid}/versions/{number}"


def csrf_token(html: str) -> str:
    tokens = set(a11y.attribute(html, "input", "value")) & set(
        re.findall(r'name="csrf_token" value="([0-9a-f]+)"', html)
    )
    assert len(tokens) == 1, tokens
    return tokens.pop()


def case_state(desk: Desk, uid: str) -> dict:
    response = desk.api.get(
        f"/api/v1/datasets/{uid}/versions/1/review", headers=desk.approver.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def select_options(html: str) -> dict[str, list[str]]:
    """Each rating select's name → its option values (blank first)."""
    found: dict[str, list[str]] = {}
    current = None
    for element in a11y.parse(html).elements:
        if element.tag == "select":
            current = element.attrs["name"]
            found[current] = []
        elif (
            element.tag == "option"
            and current is not None
            and element.parent is not None
            and element.parent.attrs.get("name") == current
        ):
            found[current].append(element.attrs.get("value", ""))
    return found


def selected(html: str) -> dict[str, str]:
    """Each select's pre-selected value."""
    chosen = {}
    for element in a11y.parse(html).elements:
        if element.tag == "option" and "selected" in element.attrs and element.parent:
            chosen[element.parent.attrs["name"]] = element.attrs.get("value", "")
    return chosen


def assessment_form(html: str, evidence: str = "Checked in the desk test.") -> dict[str, str]:
    """Every criterion rated: the pre-selected (suggested) rating, else the top of the scale."""
    ratings = {}
    preselected = selected(html)
    for name, values in select_options(html).items():
        if name.startswith("rating-"):
            ratings[name] = preselected.get(name) or values[-1]
            ratings["evidence-" + name.removeprefix("rating-")] = evidence
    return ratings


def act(
    client: TestClient, uid: str, action: str, data: dict[str, str] | None = None, **headers: str
):
    page = client.get(case_path(uid))
    assert page.status_code == 200, page.text
    body = {"csrf_token": csrf_token(page.text), **(data or {})}
    return client.post(f"{case_path(uid)}/{action}", data=body, headers=headers)


def status_text(html: str) -> list[str]:
    return a11y.element_texts(html, role="status")


def alert_text(html: str) -> str:
    return " ".join(a11y.element_texts(html, role="alert"))


# ------------------------------------------------------------------------------------------
# Signing in and out


def test_the_sign_in_page_asks_for_a_key_and_is_private(desk: Desk) -> None:
    response = browser(desk).get("/desk/sign-in")
    assert response.status_code == 200
    html = response.text
    page = a11y.parse(html)
    (field,) = [e for e in page.elements if e.tag == "input" and e.attrs.get("name") == "api_key"]
    assert field.attrs["type"] == "password" and field.attrs["autocomplete"] == "off"
    labels = {e.attrs["for"]: a11y._text(e) for e in page.elements if e.tag == "label"}
    assert labels[field.attrs["id"]] == "API key"
    assert "Sign in" in a11y.texts(html, "button")
    assert '<meta name="robots" content="noindex">' in html
    assert response.headers["cache-control"] == "no-store"
    assert "form-action 'self'" in response.headers["content-security-policy"]
    assert '<a href="/desk" aria-current="page">' not in html  # the nav item, not current here
    assert "Desk" in a11y.texts(html, "a")


def test_without_a_session_every_desk_page_leads_to_sign_in(desk: Desk) -> None:
    client = browser(desk)
    for path in ("/desk", "/desk/review", "/desk/review/ds-0000000000/versions/1"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/desk/sign-in?next=%2Fdesk")
        assert response.headers["cache-control"] == "no-store"
    posted = client.post("/desk/review/ds-0000000000/versions/1/publish", data={})
    assert posted.status_code == 303 and "sign-in" in posted.headers["location"]


def test_a_good_key_signs_in_with_a_strict_cookie_that_holds_no_secret(desk: Desk) -> None:
    client = browser(desk)
    response = client.post(
        "/desk/sign-in", data={"api_key": desk.coalition.token, "next": "/desk/review"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/desk/review"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE_NAME}=")
    for attribute in ("HttpOnly", "Path=/desk", "SameSite=strict", "Max-Age=28800"):
        assert attribute.lower() in cookie.lower(), attribute
    assert "secure" not in cookie.lower()  # the test deployment is plain http
    secret_part = desk.coalition.token.split("_", 2)[2]
    assert secret_part not in cookie and desk.coalition.key_id in cookie
    assert client.get("/desk").status_code == 200
    # Nowhere but the desk: another site's address is never where signing in leads.
    for target in ("https://evil.example/desk", "//evil.example/desk", "/catalogue"):
        answer = browser(desk).post(
            "/desk/sign-in", data={"api_key": desk.coalition.token, "next": target}
        )
        assert answer.headers["location"] == "/desk", target


def test_the_cookie_is_secure_when_the_deployment_is_https(desk: Desk) -> None:
    app = create_app(desk.store.settings(base_url="https://voices.example.org"))
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    response = client.post("/desk/sign-in", data={"api_key": desk.coalition.token})
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("kind", ["unknown", "malformed", "wrong secret", "revoked"])
def test_a_bad_key_is_not_recognised_and_the_page_says_no_more(desk: Desk, kind: str) -> None:
    token = {
        "unknown": "vck_000000000000_" + "x" * 43,
        "malformed": "not a key",
        "wrong secret": f"vck_{desk.coalition.key_id}_{'y' * 43}",
    }.get(kind)
    if kind == "revoked":
        actor = _actor(desk.store, OrgKind.DATA_PROVIDER, Role.SUBMITTER, org=desk.coalition.org)
        with desk.store.session() as session:
            access.revoke_key(session, key_id=actor.key_id, reason="left")
        token = actor.token
    response = browser(desk).post("/desk/sign-in", data={"api_key": token})
    assert response.status_code == 401
    assert alert_text(response.text) == "That key was not recognised."
    assert "set-cookie" not in response.headers
    assert a11y.problems(response.text, "en") == []


def test_revoking_the_key_ends_its_sessions(desk: Desk) -> None:
    actor = _actor(desk.store, OrgKind.DATA_PROVIDER, Role.SUBMITTER, org=desk.coalition.org)
    client = sign_in(desk, actor)
    assert client.get("/desk").status_code == 200
    with desk.store.session() as session:
        access.revoke_key(session, key_id=actor.key_id, reason="lost laptop")
    response = client.get("/desk")
    assert response.status_code == 303 and response.headers["location"].startswith("/desk/sign-in")


def test_a_forged_or_expired_cookie_is_no_session(desk: Desk) -> None:
    secret = sessions.load_secret(desk.store.settings())
    expired = sessions.issue(
        secret, desk.coalition.key_id, now=datetime.now(UTC) - timedelta(hours=9)
    )
    current = sessions.issue(secret, desk.coalition.key_id)
    payload, _, signature = current.cookie.rpartition(".")
    _key_id, expires, nonce = payload.split(".")
    other_key = f"{desk.approver.key_id}.{expires}.{nonce}.{signature}"  # someone else's id
    for cookie in (expired.cookie, other_key, current.cookie + "0", "garbage", "abc.1.2.zz"):
        client = browser(desk)
        client.cookies.set(sessions.COOKIE_NAME, cookie, path="/desk")
        assert client.get("/desk").status_code == 303, cookie
    client = browser(desk)
    client.cookies.set(sessions.COOKIE_NAME, current.cookie, path="/desk")
    assert client.get("/desk").status_code == 200


def test_signing_out_ends_the_session(desk: Desk) -> None:
    client = sign_in(desk, desk.coalition)
    home = client.get("/desk")
    assert "Sign out" in a11y.texts(home.text, "button")
    refused = client.post("/desk/sign-out", data={"csrf_token": "0" * 64})
    assert refused.status_code == 403
    assert client.get("/desk").status_code == 200  # a forged sign-out changed nothing
    response = client.post("/desk/sign-out", data={"csrf_token": csrf_token(home.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/desk/sign-in?done=signed-out"
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert client.get("/desk").status_code == 303
    page = client.get("/desk/sign-in?done=signed-out")
    assert status_text(page.text) == ["You are signed out."]


# ------------------------------------------------------------------------------------------
# A coalition's desk


def test_a_coalition_sees_its_submissions_and_their_validation_reports(desk: Desk) -> None:
    submitted = create_dataset(desk, desk.coalition)
    bad = HEADER + "SP_DYN_MRBF18,Mombassa,Femal,2023,abc,x\n"
    draft = create_dataset(desk, desk.coalition, body=bad, submit=False)
    theirs = create_dataset(desk, desk.other)
    client = sign_in(desk, desk.coalition)

    home = client.get("/desk")
    assert home.status_code == 200
    assert a11y.texts(home.text, "h1") == ["Desk"]
    assert "Your submissions" in a11y.texts(home.text, "caption")
    links = a11y.attribute(home.text, "a", "href")
    assert f"/desk/submissions/{submitted}/versions/1" in links
    assert f"/desk/submissions/{draft}/versions/1" in links
    assert f"/desk/submissions/{theirs}/versions/1" not in links
    assert "Review queue" not in home.text

    page = client.get(f"/desk/submissions/{submitted}/versions/1")
    assert page.status_code == 200
    assert "Under review" in page.text
    assert "voicescount (automatic screening)" in page.text  # who moved it, in the history
    assert "The statistics office has not decided yet." in page.text

    rejected = client.get(f"/desk/submissions/{draft}/versions/1")
    assert rejected.status_code == 200
    html = rejected.text
    assert "Rejected on" in html
    assert "Validation report of mombasa.csv (the first issues)" in a11y.texts(html, "caption")
    assert "row 2" in html
    (report,) = [h for h in a11y.attribute(html, "a", "href") if h.endswith("report.csv")]
    assert report.startswith(f"/desk/submissions/{draft}/versions/1/uploads/")
    csv = client.get(report)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("row,column,component,value,severity,issue")
    assert csv.headers["cache-control"] == "no-store"
    assert "/api/v1/datasets/" in html  # the API's report, for scripts

    # Another coalition's version is not found, as in the API; so is its report.
    assert client.get(f"/desk/submissions/{theirs}/versions/1").status_code == 404
    assert client.get(f"{report.replace(draft, theirs)}").status_code == 404


def test_a_coalition_cannot_reach_the_review_desk(desk: Desk) -> None:
    uid = create_dataset(desk, desk.coalition)
    client = sign_in(desk, desk.coalition)
    response = client.get("/desk/review")
    assert response.status_code == 403
    assert a11y.texts(response.text, "h1") == ["Not allowed"]
    assert "The review desk is for statistics offices." in response.text
    assert client.get(case_path(uid)).status_code == 404
    token = csrf_token(client.get("/desk").text)
    posted = client.post(f"{case_path(uid)}/disclosure", data={"csrf_token": token})
    assert posted.status_code == 403
    assert case_state(desk, uid)["disclosure"] is None


# ------------------------------------------------------------------------------------------
# The review desk


def test_forms_without_the_right_token_or_from_another_site_change_nothing(desk: Desk) -> None:
    uid = create_dataset(desk, desk.coalition)
    client = sign_in(desk, desk.reviewer)
    token = csrf_token(client.get(case_path(uid)).text)
    attempts = [
        {},
        {"csrf_token": ""},
        {"csrf_token": "0" * 64},
        {
            "csrf_token": csrf_token(sign_in(desk, desk.reviewer).get("/desk").text)
        },  # another session's
    ]
    for data in attempts:
        response = client.post(f"{case_path(uid)}/disclosure", data=data)
        assert response.status_code == 403, data
        assert a11y.texts(response.text, "h1") == ["Not allowed"]
        assert "Nothing was changed." in response.text
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
    ):
        response = client.post(
            f"{case_path(uid)}/disclosure", data={"csrf_token": token}, headers=headers
        )
        assert response.status_code == 403, headers
    assert case_state(desk, uid)["disclosure"] is None
    # The right token from the desk's own origin goes through.
    done = client.post(
        f"{case_path(uid)}/disclosure",
        data={"csrf_token": token},
        headers={"Origin": "http://testserver"},
    )
    assert done.status_code == 303
    assert case_state(desk, uid)["disclosure"] is not None


def test_a_submission_is_taken_through_to_published_with_the_forms(desk: Desk) -> None:
    uid = create_dataset(desk, desk.coalition)
    reviewer = sign_in(desk, desk.reviewer)

    queue = reviewer.get("/desk")
    assert "Review queue" in a11y.texts(queue.text, "caption")
    assert case_path(uid) in a11y.attribute(queue.text, "a", "href")
    assert reviewer.get("/desk/review").status_code == 200

    page = reviewer.get(case_path(uid))
    assert page.status_code == 200
    html = page.text
    assert a11y.problems(html, "en") == []
    for button in ("Save assessment", "Apply disclosure control", "Return to coalition"):
        assert button in a11y.texts(html, "button")
    assert "Record decision" not in a11y.texts(html, "button")  # a reviewer does not decide
    # Every criterion of the default rubric has a select labelled by its name.
    labels = {e.attrs["for"]: a11y._text(e) for e in a11y.parse(html).elements if e.tag == "label"}
    assert labels["assessment-rating-consent_documented"] == "Consent documented"

    protected = act(reviewer, uid, "disclosure")
    assert protected.status_code == 303
    assert protected.headers["location"] == f"{case_path(uid)}?done=disclosure"
    after = reviewer.get(protected.headers["location"]).text
    assert status_text(after) == [
        "Disclosure control was applied; the suppression report is below."
    ]
    assert "Suppression report" in a11y.texts(after, "caption") or "No cell needed" in after

    form = assessment_form(reviewer.get(case_path(uid)).text)
    assessed = act(reviewer, uid, "assessment", form)
    assert assessed.status_code == 303, assessed.text
    assert case_state(desk, uid)["assessment"]["outcome"] == "MET"

    approver = sign_in(desk, desk.approver)
    decided = act(
        approver,
        uid,
        "decision",
        {"decision": "complementary", "reason": "Fills a gap.", "caveat": ""},
    )
    assert decided.status_code == 303, decided.text
    assert case_state(desk, uid)["state"] == "decided"

    ready = approver.get(case_path(uid)).text
    assert "Publish" in a11y.texts(ready, "button")
    published = act(approver, uid, "publish")
    assert published.status_code == 303
    final = approver.get(published.headers["location"]).text
    assert status_text(final) == ["The version was published."]
    release_id = f"{uid}-v1"
    assert f"/datasets/{release_id}" in a11y.attribute(final, "a", "href")
    assert "Withdraw" in a11y.texts(final, "button")
    release = desk.api.get(f"/api/v1/releases/{release_id}")
    assert release.status_code == 200 and release.json()["status"] == "current"
    assert release.json()["decision"] == "COMPLEMENTARY"
    assert desk.api.get(f"/datasets/{release_id}").status_code == 200

    # The coalition reads what the office decided.
    coalition = sign_in(desk, desk.coalition)
    theirs = coalition.get(f"/desk/submissions/{uid}/versions/1").text
    assert "Complementary" in theirs and f"/datasets/{release_id}" in theirs

    # Withdraw: a reason is required, then the release leaves the feeds.
    refused = act(approver, uid, "withdraw", {"reason": "  "})
    assert refused.status_code == 422
    assert "must not be empty" in alert_text(refused.text)
    assert 'aria-invalid="true"' in refused.text
    withdrawn = act(approver, uid, "withdraw", {"reason": "The community withdrew consent."})
    assert withdrawn.status_code == 303
    gone = desk.api.get(f"/api/v1/releases/{release_id}").json()
    assert gone["status"] == "withdrawn"
    assert gone["withdrawn_reason"] == "The community withdrew consent."
    assert case_state(desk, uid)["state"] == "withdrawn"


def test_four_eyes_is_a_message_on_the_page_not_a_server_error(desk: Desk) -> None:
    uid = create_dataset(desk, desk.coalition)
    approver = sign_in(desk, desk.approver)
    assert act(approver, uid, "disclosure").status_code == 303
    form = assessment_form(approver.get(case_path(uid)).text)
    assert act(approver, uid, "assessment", form).status_code == 303
    response = act(approver, uid, "decision", {"decision": "official", "reason": "Good."})
    assert response.status_code == 403
    assert "Four eyes" in alert_text(response.text)
    assert "Record decision" in a11y.texts(response.text, "button")  # the form is still there
    assert a11y.problems(response.text, "en") == []
    assert case_state(desk, uid)["state"] == "under_review"
    assert case_state(desk, uid)["decision"] is None
    # Another approver of the office decides.
    other = sign_in(desk, desk.second_approver)
    assert act(other, uid, "decision", {"decision": "official"}).status_code == 303
    assert case_state(desk, uid)["decision"]["decision"] == "OFFICIAL"


def test_a_refused_assessment_points_at_the_field_and_keeps_what_was_typed(desk: Desk) -> None:
    uid = create_dataset(desk, desk.coalition)
    reviewer = sign_in(desk, desk.reviewer)
    form = assessment_form(reviewer.get(case_path(uid)).text)
    form["evidence-consent_documented"] = ""
    form["evidence-method_documented"] = "Kept after the refusal."
    form["rating-timeliness"] = ""
    response = act(reviewer, uid, "assessment", form)
    assert response.status_code == 422
    html = response.text
    assert a11y.problems(html, "en") == []
    summary = alert_text(html)
    assert "Evidence: Consent documented: is required for a gating criterion" in summary
    assert "Timeliness and frequency" in summary  # left unrated, named by the rubric
    assert "#assessment-evidence-consent_documented" in a11y.attribute(html, "a", "href")
    (evidence,) = [
        e
        for e in a11y.parse(html).elements
        if e.attrs.get("id") == "assessment-evidence-consent_documented"
    ]
    assert evidence.attrs["aria-invalid"] == "true"
    assert "assessment-evidence-consent_documented-error" in evidence.attrs["aria-describedby"]
    assert "Kept after the refusal." in html
    assert case_state(desk, uid)["assessment"] is None


def test_a_version_is_returned_to_its_coalition(desk: Desk) -> None:
    uid = create_dataset(desk, desk.coalition)
    reviewer = sign_in(desk, desk.reviewer)
    refused = act(reviewer, uid, "return", {"reason": ""})
    assert refused.status_code == 422 and 'id="return-reason-error"' in refused.text
    done = act(reviewer, uid, "return", {"reason": "Add the response rate per county."})
    assert done.status_code == 303
    assert case_state(desk, uid)["state"] == "returned"
    coalition = sign_in(desk, desk.coalition)
    page = coalition.get(f"/desk/submissions/{uid}/versions/1").text
    assert "Add the response rate per county." in page
    assert "Returned to the coalition" in page


def test_an_unknown_action_or_version_is_not_found(desk: Desk) -> None:
    client = sign_in(desk, desk.approver)
    assert client.get(case_path("ds-0000000000")).status_code == 404
    assert act_raw(client, "ds-0000000000", "publish").status_code == 404
    uid = create_dataset(desk, desk.coalition)
    assert act(client, uid, "explode").status_code == 404
    # The address of an action, opened as a page, leads back to its case.
    opened = client.get(f"{case_path(uid)}/decision?lang=sw")
    assert opened.status_code == 303 and opened.headers["location"] == f"{case_path(uid)}?lang=sw"


def act_raw(client: TestClient, uid: str, action: str):
    token = csrf_token(client.get("/desk").text)
    return client.post(f"{case_path(uid)}/{action}", data={"csrf_token": token})


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_desk_pages_pass_the_static_accessibility_checks(desk: Desk, locale: str) -> None:
    uid = create_dataset(desk, desk.coalition)
    coalition = sign_in(desk, desk.coalition)
    approver = sign_in(desk, desk.approver)
    assert act(approver, uid, "disclosure").status_code == 303
    pages = [
        (coalition, "/desk"),
        (coalition, f"/desk/submissions/{uid}/versions/1"),
        (coalition, "/desk/review"),
        (approver, "/desk"),
        (approver, "/desk/review"),
        (approver, case_path(uid)),
        (approver, "/desk/review/ds-0000000000/versions/1"),
        (browser(desk), "/desk/sign-in"),
    ]
    for client, path in pages:
        response = client.get(f"{path}?lang={locale}")
        assert response.status_code in (200, 403, 404), path
        assert response.headers["content-language"] == locale
        assert '<meta name="robots" content="noindex">' in response.text, path
        assert a11y.problems(response.text, locale) == [], path
    if locale == "sw":
        assert "Ingia" in browser(desk).get("/desk/sign-in?lang=sw").text


# ------------------------------------------------------------------------------------------
# Sessions, without HTTP


def test_the_session_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", var_dir=tmp_path)
    first = sessions.load_secret(settings)
    path = tmp_path / sessions.DEFAULT_SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sessions.load_secret(settings) == first and len(first) == 64
    missing = Settings(database_url="sqlite://", desk_session_secret_file=tmp_path / "nope")
    with pytest.raises(sessions.SessionSecretError, match="does not exist"):
        sessions.load_secret(missing)
    short = tmp_path / "short"
    short.write_text("abc")
    with pytest.raises(sessions.SessionSecretError, match="at least"):
        sessions.load_secret(Settings(database_url="sqlite://", desk_session_secret_file=short))


def test_a_csrf_token_belongs_to_one_session() -> None:
    secret = b"s" * 64
    one, two = sessions.issue(secret, "abc"), sessions.issue(secret, "abc")
    assert sessions.csrf_valid(secret, one, sessions.csrf_token(secret, one))
    assert not sessions.csrf_valid(secret, two, sessions.csrf_token(secret, one))
    assert not sessions.csrf_valid(secret, one, None)
    assert not sessions.csrf_valid(secret, one, "ü")
    # A cookie's signature is not a CSRF token, nor the reverse.
    assert sessions.csrf_token(secret, one) != one.cookie.rpartition(".")[2]


@pytest.mark.parametrize(
    ("origin", "referer", "host", "expected"),
    [
        (None, None, "testserver", True),
        ("http://testserver", None, "testserver", True),
        ("https://voices.example.org", None, "10.0.0.5:8000", True),  # the public address
        ("https://testserver", None, "testserver", True),  # TLS ended by a proxy
        ("https://evil.example", None, "testserver", False),
        ("null", None, "testserver", False),
        (None, "http://testserver/desk/review", "testserver", True),
        (None, "https://evil.example/x", "testserver", False),
        ("https://evil.example", "http://testserver/desk", "testserver", False),
    ],
)
def test_only_the_desks_own_pages_may_post(
    origin: str | None, referer: str | None, host: str, expected: bool
) -> None:
    assert (
        sessions.same_origin(
            origin=origin, referer=referer, host=host, base_url="https://voices.example.org"
        )
        is expected
    )
