"""Browser tests: headless Chromium (Debian's ``chromium``, driven by Playwright) on a live server.

One deployment per session, made the way ``make run`` makes one: a fresh SQLite store with the
migrations applied, the SDG structures and the five pilots' demo data loaded, served by uvicorn
on a free port. On top of it, through the real HTTP API:

* a Kenyan coalition (the demo's ``LNOB_KE``) publishes "Child marriage in Mombasa and Nairobi",
  reviewed and published by the demo's Kenyan statistics office (``NSO_KE``) with four eyes;
* the office loads an official reference source (SDMX-CSV 1.0, built here) holding the national
  figures of the same series, so the dataset page compares the two;
* the coalition submits a second dataset that waits for review at the desk.

The browser is launched once per session; each test gets a context (cookies, permissions) and a
page of its own. Chromium missing is a failure that says to run ``make browser``, never a skip.

``VOICESCOUNT_SCREENSHOTS=1`` (``make screenshots``) writes the tests' screenshots of the main
pages to ``docs/screenshots/``; otherwise they go to the session's temporary directory.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.api.test_intake import HEADER, kenya_metadata
from tests.comparison.messages import sdmx_csv_1
from tests.conftest import AGENCY, Actor, Store, running_server
from tests.review_steps import review_and_publish
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.demo.loader import load_demo
from voicescount.registry.service import load_registry
from voicescount.storage import migrate
from voicescount.storage.db import make_engine
from voicescount.types import Role

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
#: The width of the desktop pages and of every screenshot.
DESKTOP = {"width": 1280, "height": 800}

#: The demo's Kenyan coalition and statistics office (``voicescount demo load``).
COALITION = "LNOB_KE"
OFFICE = "NSO_KE"

PUBLISHED_TITLE = "Child marriage in Mombasa and Nairobi"
#: A word of the published dataset's title that no other dataset's title, summary or keywords hold.
SEARCH_WORD = "Mombasa"
PUBLISHED_CSV = (
    HEADER
    + "SP_DYN_MRBF18,Mombasa County,Women,2023,23.5,120\n"
    + "SP_DYN_MRBF18,Mombasa County,Men,2023,5,110\n"
    + "SP_DYN_MRBF18,KE-30,F,2023,18.25,140\n"
)
#: The published observations as the pages show them: (area code, sex code, period, value).
PUBLISHED_OBSERVATIONS = {
    ("KE-28", "F", "2023", 23.5),
    ("KE-28", "M", "2023", 5.0),
    ("KE-30", "F", "2023", 18.25),
}

PUBLISHED_ABSTRACT = (
    "Interviews with women aged 20 to 24 in Mombasa and Nairobi on whether they were married "
    "before 18, with men of the same age in Mombasa for comparison (test data)."
)

PENDING_TITLE = "Girls married before 18 in Nairobi settlements"
PENDING_ABSTRACT = (
    "Interviews in Nairobi's informal settlements on marriage before 18, by sex; few girls "
    "could be interviewed, so one cell is small (test data)."
)
#: One cell counts four respondents: disclosure control withholds it (and its complement).
PENDING_CSV = (
    HEADER
    + "SP_DYN_MRBF18,KE-30,F,2023,31.5,4\n"
    + "SP_DYN_MRBF18,KE-30,M,2023,6,96\n"
    + "SP_DYN_MRBF18,KE-30,_T,2023,7,100\n"
)

REFERENCE_NAME = "KNBS SDG indicators (test extract)"
REFERENCE_AGENCY = "KNBS"
#: The official national figures of the published series: Kenya (M49 404), women, 2023 and 2022.
REFERENCE_ROWS = [
    {
        "SERIES": "SP_DYN_MRBF18",
        "REF_AREA": "404",
        "SEX": "F",
        "TIME_PERIOD": period,
        "OBS_VALUE": value,
        "UNIT_MEASURE": "PT",
        "OBS_STATUS": "A",
    }
    for period, value in (("2023", "22.9"), ("2022", "21.0"))
]


@dataclass(frozen=True)
class Deployment:
    """The live server and what the session made in it."""

    url: str
    store: Store
    coalition: Actor
    reviewer: Actor
    approver: Actor
    #: The release JSON of the published dataset, and its dataset uid.
    published: dict[str, Any]
    published_dataset: str
    #: The dataset uid of the submission waiting for review (version 1).
    pending_dataset: str
    #: The reference source's JSON, as the API answered its loading.
    reference: dict[str, Any]

    @property
    def release(self) -> str:
        return str(self.published["id"])


def _key(store: Store, organisation: str, role: Role) -> Actor:
    """A new key of a demo organisation, held by a person of its own (four eyes count people)."""
    holder = (
        f"{role.value}.{uuid.uuid4().hex[:4]}@{organisation.lower().replace('_', '-')}.example.org"
    )
    with store.session() as session:
        issued = access.create_key(
            session, organisation_slug=organisation, role=role, holder=holder
        )
    return Actor(organisation, role, issued.token, issued.key.key_id, holder)


def child_marriage_metadata(title: str, abstract: str, areas: list[str]) -> dict[str, Any]:
    """The Kenyan example methodology, retitled for child-marriage figures (SDG 5.3.1)."""
    metadata = kenya_metadata()
    metadata["title"] = title
    metadata["title_translations"] = {}
    metadata["abstract"] = abstract
    metadata["keywords"] = ["child marriage", "girls", "Kenya"]
    metadata["geography"] = {**metadata["geography"], "areas": areas}
    metadata["target_groups"] = [
        {"code": "LNOB_WOMEN_GIRLS", "label": "Women and girls", "identification": "self"},
        {"code": "LNOB_SLUM", "label": "Slum dwellers", "identification": "self"},
    ]
    metadata["sdg_mappings"] = [
        {
            "goal": "5",
            "target": "5.3",
            "indicator": "5.3.1",
            "relation": "complementary",
            "concordance_note": "Women reached by the interviews in these counties, "
            "not a national estimate.",
        }
    ]
    return metadata


def _submit(api: httpx.Client, coalition: Actor, metadata: dict[str, Any], body: str) -> str:
    """Create a dataset with ``metadata``, upload ``body`` and submit it."""
    title = metadata["title"]
    created = api.post(
        "/api/v1/datasets", json={"title": title, "metadata": metadata}, headers=coalition.headers
    )
    assert created.status_code == 201, created.text
    uid: str = created.json()["dataset"]
    uploaded = api.post(
        f"/api/v1/datasets/{uid}/versions/1/uploads",
        content=body.encode(),
        headers={**coalition.headers, "Content-Type": "text/csv"},
    )
    assert uploaded.status_code == 201, uploaded.text
    submitted = api.post(f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers)
    assert submitted.status_code == 200, submitted.text
    return uid


def _load_reference(api: httpx.Client, admin: Actor) -> dict[str, Any]:
    message = sdmx_csv_1(REFERENCE_ROWS, f"{REFERENCE_AGENCY}:DF_SDG_KE(1.0)")
    loaded = api.post(
        "/api/v1/reference-sources",
        content=message,
        params={"name": REFERENCE_NAME, "agency": REFERENCE_AGENCY, "filename": "knbs-sdg.csv"},
        headers={**admin.headers, "Content-Type": "application/vnd.sdmx.data+csv;version=1.0.0"},
    )
    assert loaded.status_code == 201, loaded.text
    return cast(dict[str, Any], loaded.json())


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """``make run``'s deployment on a fresh SQLite store, served live, with the session's data."""
    tmp = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{tmp / 'voicescount.db'}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    store = Store(backend="sqlite", url=database_url, engine=engine, var_dir=tmp)
    settings = store.settings()
    with store.session() as session:
        load_registry(session, agency=AGENCY)
        load_demo(session, settings)
    coalition = _key(store, COALITION, Role.SUBMITTER)
    reviewer = _key(store, OFFICE, Role.REVIEWER)
    approver = _key(store, OFFICE, Role.APPROVER)
    admin = _key(store, OFFICE, Role.ADMIN)
    try:
        with (
            running_server(create_app(settings)) as url,
            httpx.Client(base_url=url, timeout=60) as api,
        ):
            published_dataset = _submit(
                api,
                coalition,
                child_marriage_metadata(PUBLISHED_TITLE, PUBLISHED_ABSTRACT, ["KE-28", "KE-30"]),
                PUBLISHED_CSV,
            )
            # The review steps are written for the TestClient, an httpx.Client like this one.
            published = review_and_publish(
                cast(TestClient, api), reviewer, approver, published_dataset
            )
            reference = _load_reference(api, admin)
            pending_dataset = _submit(
                api,
                coalition,
                child_marriage_metadata(PENDING_TITLE, PENDING_ABSTRACT, ["KE-30"]),
                PENDING_CSV,
            )
            yield Deployment(
                url=url,
                store=store,
                coalition=coalition,
                reviewer=reviewer,
                approver=approver,
                published=published,
                published_dataset=published_dataset,
                pending_dataset=pending_dataset,
                reference=reference,
            )
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------
# The browser


def chromium_path() -> str:
    """Debian's chromium (``make browser`` installs it); Playwright never downloads its own."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.fail(
            "The browser tests need Debian's chromium and it is not installed: run `make browser` "
            "(apt-get install chromium).",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the session (no sandbox: CI runs as root)."""
    launched = playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage"],
    )
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, deployment: Deployment) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies (language, desk session) carried over."""
    fresh = browser.new_context(
        base_url=deployment.url,
        viewport=DESKTOP,  # type: ignore[arg-type]
        locale="en-GB",
        accept_downloads=True,
    )
    fresh.set_default_timeout(15_000)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# ------------------------------------------------------------------------------------------
# Screenshots


class Shoot(Protocol):
    def __call__(self, page: Page, name: str, *, height: int | None = None) -> Path: ...


#: Screenshots are kept small for the repository: at most this many colours, no dithering.
SCREENSHOT_COLOURS = 96


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("VOICESCOUNT_SCREENSHOTS") == "1":
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        return SCREENSHOT_DIR
    return tmp_path_factory.mktemp("screenshots")


def optimise_png(path: Path) -> None:
    """Rewrite a screenshot with a palette of its own (pages are mostly flat colours and text)."""
    with Image.open(path) as shot:
        palette = shot.convert("RGB").quantize(
            colors=SCREENSHOT_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    palette.save(path, optimize=True)


@pytest.fixture
def shoot(screenshot_dir: Path) -> Shoot:
    """``shoot(page, name, height=None)``: a PNG of the page as it stands, 1280 pixels wide, from
    the top down to ``height`` pixels (the whole page if ``None`` or shorter)."""

    def take(page: Page, name: str, *, height: int | None = None) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
        full: int = page.evaluate("() => document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": min(full, height or full)}
        page.screenshot(
            path=str(path),
            full_page=True,
            clip=clip,  # type: ignore[arg-type]
            animations="disabled",
            caret="hide",
        )
        optimise_png(path)
        return path

    return take
