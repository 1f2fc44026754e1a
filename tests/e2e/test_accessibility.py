"""Accessibility in a real browser: axe-core (the copy bundled with axe-playwright-python, no
network) on every public page, the skip link from the keyboard, and no sideways scrolling on a
phone."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SEARCH_WORD, Deployment
from tests.e2e.test_desk_flows import sign_in

pytestmark = pytest.mark.browser

#: Violations of these impacts fail a page; "moderate" and "minor" ones are reported only.
FAILING_IMPACTS = {"serious", "critical"}
#: A phone's viewport (CSS pixels).
PHONE = {"width": 375, "height": 740}

#: (name, path, expected HTTP status); ``{release}`` is the published dataset's release.
PAGES = [
    ("home", "/", 200),
    ("catalogue", "/catalogue", 200),
    ("catalogue-search", f"/catalogue?q={SEARCH_WORD}", 200),
    ("catalogue-filters", "/catalogue?goal=5&country=KE", 200),
    ("catalogue-no-results", "/catalogue?q=zzzxqv", 200),
    ("dataset", "/datasets/{release}", 200),
    ("indicator", "/indicators/5.3.1", 200),
    ("not-found", "/datasets/no-such-release", 404),
    ("home-swahili", "/?lang=sw", 200),
    ("dataset-swahili", "/datasets/{release}?lang=sw", 200),
    ("desk-sign-in", "/desk/sign-in", 200),
]

_axe = Axe()


def describe(violations: list[dict[str, Any]]) -> str:
    """Each violation's rule, impact, help and the offending nodes (selector and HTML)."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html'][:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:400]}")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands, with every ``<details>`` opened so that
    the tables behind "Show the chart's data" are checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    return list(results.response["violations"])


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_axe_finds_no_serious_violation(
    deployment: Deployment, page: Page, name: str, path: str, status: int
) -> None:
    response = page.goto(path.format(release=deployment.release))
    assert response is not None
    assert response.status == status, f"{name}: {path} answered {response.status}"
    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not serious, (
        f"axe-core finds {len(serious)} serious or critical violation(s) on {path}:\n"
        + describe(serious)
        + (
            "\nAlso (not failing):\n" + describe(violations)
            if len(violations) > len(serious)
            else ""
        )
    )


def assert_no_serious_violation(page: Page, where: str) -> None:
    violations = axe_violations(page)
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not serious, (
        f"axe-core finds {len(serious)} serious or critical violation(s) on {where}:\n"
        + describe(serious)
        + (
            "\nAlso (not failing):\n" + describe(violations)
            if len(violations) > len(serious)
            else ""
        )
    )


def test_axe_finds_no_serious_violation_on_the_review_desk(
    deployment: Deployment, page: Page
) -> None:
    """The desk as a reviewer sees it: home, the review desk, and a case."""
    sign_in(page, deployment.reviewer.token)
    for path in ("/desk", "/desk/review", f"/desk/review/{deployment.pending_dataset}/versions/1"):
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        assert_no_serious_violation(page, path)


def test_the_skip_link_comes_first_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


@pytest.mark.parametrize(
    "path",
    ["/", "/catalogue", "/datasets/{release}", "/indicators/5.3.1"],
    ids=["home", "catalogue", "dataset", "indicator"],
)
def test_no_sideways_scrolling_on_a_phone(deployment: Deployment, page: Page, path: str) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(path.format(release=deployment.release))
    widths = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.closest('.table-scroll'))
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
            return {scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert widths["scroll"] <= widths["inner"], (
        f"{path} scrolls sideways at {PHONE['width']} px: the page is {widths['scroll']} px wide; "
        f"elements reaching past the right edge: {widths['wide']}"
    )
