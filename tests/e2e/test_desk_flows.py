"""The review desk in a real browser: a statistics office's reviewer and approver take a
coalition's submission through to publication (four eyes), and a coalition cannot reach the
review desk."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import PENDING_TITLE, Deployment, Shoot

pytestmark = pytest.mark.browser

EVIDENCE = "Checked in the browser test against the methodology and the uploaded file."
REASON = "Complements the national survey with figures for Nairobi's informal settlements."


def sign_in(page: Page, key: str) -> None:
    page.goto("/desk/sign-in")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/desk$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def flash(page: Page) -> Locator:
    """The page's confirmation (role status) after an action; errors (role alert) fail here."""
    alerts = page.get_by_role("alert")
    assert alerts.count() == 0, f"the desk reports an error: {alerts.all_inner_texts()}"
    return page.get_by_role("status")


def open_case_from_queue(page: Page, uid: str) -> None:
    """From /desk, the review queue's link to version 1 of ``uid``."""
    queue = page.get_by_role("table", name="Review queue")
    expect(queue).to_be_visible()
    queue.locator(f'a[href$="/desk/review/{uid}/versions/1"]').click()
    expect(page).to_have_url(re.compile(rf"/desk/review/{uid}/versions/1$"))


def rate_every_criterion(page: Page) -> None:
    """The rubric form: keep the desk's suggested rating where it made one, else choose the top
    level; give evidence wherever none is written yet."""
    form = page.locator("form").filter(has=page.get_by_role("button", name="Save assessment"))
    selects = form.locator("select")
    assert selects.count() > 0, "the rubric form has no rating to choose"
    for i in range(selects.count()):
        select = selects.nth(i)
        if not select.input_value():
            values = [
                v
                for v in select.locator("option").evaluate_all("os => os.map(o => o.value)")
                if v.strip()
            ]
            top = max(values, key=lambda v: float(v) if v.lstrip("-").isdigit() else -1)
            select.select_option(top)
    evidence = form.locator("textarea")
    for i in range(evidence.count()):
        if not evidence.nth(i).input_value().strip():
            evidence.nth(i).fill(EVIDENCE)
    form.get_by_role("button", name="Save assessment").click()


def decision_form(page: Page) -> Locator:
    return page.locator("form").filter(has=page.get_by_role("button", name="Record decision"))


def decide(page: Page, decision: str = "Complementary") -> None:
    """Choose a decision in the radio group "Decision", give the reason, record it."""
    form = decision_form(page)
    choices = form.locator("fieldset, [role=radiogroup]").filter(has_text="Decision")
    choices.get_by_role("radio", name=decision, exact=True).check()
    form.get_by_label("Reason", exact=True).fill(REASON)
    form.get_by_role("button", name="Record decision").click()


def test_a_submission_reviewed_decided_and_published_at_the_desk(
    deployment: Deployment, page: Page, shoot: Shoot
) -> None:
    uid = deployment.pending_dataset

    # The reviewer: disclosure control, then the rubric.
    sign_in(page, deployment.reviewer.token)
    open_case_from_queue(page, uid)
    expect(page.get_by_role("heading", level=1)).to_contain_text(PENDING_TITLE)
    page.get_by_role("button", name="Apply disclosure control").click()
    expect(flash(page).first).to_be_visible()
    report = page.get_by_role("table").filter(has_text=re.compile(r"withheld|suppress", re.I))
    expect(report.first).to_be_visible()
    rate_every_criterion(page)
    expect(flash(page).first).to_be_visible()
    expect(page.get_by_role("button", name="Return to coalition")).to_be_visible()
    shoot(page, "desk-review", height=2300)

    # Four eyes: whoever assessed does not decide (the desk offers no decision, or refuses it).
    if decision_form(page).count():
        decide(page)
        expect(page.get_by_role("alert")).to_be_visible()
    sign_out(page)

    # The approver of the same office decides and publishes.
    sign_in(page, deployment.approver.token)
    open_case_from_queue(page, uid)
    expect(decision_form(page)).to_have_count(1)
    decide(page)
    expect(flash(page).first).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(flash(page).first).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()

    # The public page of the new release: the withheld cell shows as withheld.
    page.get_by_role("main").locator('a[href^="/datasets/"]').first.click()
    expect(page).to_have_url(re.compile(r"/datasets/[^/]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PENDING_TITLE)
    expect(page.locator("#observations-table")).to_contain_text("withheld")


def test_a_wrong_key_is_not_recognised(page: Page) -> None:
    page.goto("/desk/sign-in")
    page.get_by_label("API key").fill("vck_nosuchkey_0000000000000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That key was not recognised.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_a_coalition_cannot_reach_the_review_desk(deployment: Deployment, page: Page) -> None:
    sign_in(page, deployment.coalition.token)
    expect(page.get_by_role("table", name="Review queue")).to_have_count(0)
    response = page.goto("/desk/review")
    assert response is not None and response.status == 403, response and response.status
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    case = page.goto(f"/desk/review/{deployment.pending_dataset}/versions/1")
    assert case is not None and case.status in (403, 404), case and case.status
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
