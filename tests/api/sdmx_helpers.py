"""Shared helpers of the SDMX-REST tests (tests/api/test_sdmx_rest_*.py).

The tests share a *world* per backend (the session fixture ``sdmx_world`` of
tests/api/conftest.py): a database of its own (SQLite file, or a PostgreSQL schema of the test
database) with the SDG structures loaded, an in-process app over it, and data published by
several coalitions in several releases (:func:`populate`). It is never changed after that, and
no other test writes to it, so answers are exact: no other test's releases appear in a query
without a provider, in the provider scheme, in constraints or in ETags.

Readers: GenericData and structure messages with sdmx1 (no DSD needed for GenericData),
SDMX-CSV with the csv module, error bodies with lxml.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
import pytest
import sdmx
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from tests.api.test_intake import kenya_metadata
from tests.conftest import AGENCY, Actor, Store
from tests.review_steps import review_and_publish
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.registry import repository
from voicescount.registry import service as registry
from voicescount.storage import migrate
from voicescount.storage.db import make_engine
from voicescount.storage.tables import StructureArtefact
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

MES_21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
MES_30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

FLOW = "DF_SDG_COMMUNITY"
#: The 15 series-key dimensions of DSD_SDG_COMMUNITY, in order.
DIMENSIONS = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
)
#: Child marriage before 18 (SDG 5.3.1) and extreme poverty (SDG 1.1.1): two goals, two flows.
MARRIAGE = "SP_DYN_MRBF18"
POVERTY = "SI_POV_DAY1"


def key(**codes: str) -> str:
    """A series key for the URL: the named dimensions set, the others wildcarded (empty)."""
    unknown = set(codes) - set(DIMENSIONS)
    assert not unknown, unknown
    return ".".join(codes.get(d, "") for d in DIMENSIONS)


# ------------------------------------------------------------------------------------------
# A store of one's own


def fresh_store(request: pytest.FixtureRequest, backend: str) -> Iterator[Store]:
    """A migrated database with the SDG structures loaded, private to the caller."""
    tmp = request.getfixturevalue("tmp_path_factory").mktemp(f"sdmx-{backend}")
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'voicescount.db'}"
    else:
        base = make_url(request.getfixturevalue("postgres_url"))
        schema = f"sdmx_{uuid.uuid4().hex[:12]}"
        admin = make_engine(base.render_as_string(hide_password=False))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        registry.load_registry(session, agency=AGENCY)
    try:
        yield Store(backend=backend, url=url, engine=engine, var_dir=tmp)
    finally:
        engine.dispose()
        if schema is not None:
            admin = make_engine(make_url(url).difference_update_query(["options"]))
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


def actor(store: Store, kind: OrgKind, role: Role, slug: str, country: str | None = None) -> Actor:
    with store.session() as session:
        access.create_organisation(
            session, slug=slug, name=f"{slug} coalition", kind=kind, country=country
        )
        holder = f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
        issued = access.create_key(session, organisation_slug=slug, role=role, holder=holder)
        return Actor(
            org=slug, role=role, token=issued.token, key_id=issued.key.key_id, holder=holder
        )


# ------------------------------------------------------------------------------------------
# Publishing through the API


@dataclass(frozen=True)
class Row:
    """One observation as a coalition uploads it (codes, not labels)."""

    series: str
    area: str
    sex: str
    year: int
    value: float


def csv_of(rows: Iterable[Row]) -> bytes:
    lines = ["Indicator,County,Gender,Year,Value,Respondents"]
    lines += [f"{r.series},{r.area},{r.sex},{r.year},{r.value:g},100" for r in rows]
    return ("\n".join(lines) + "\n").encode()


def metadata() -> dict[str, Any]:
    found = kenya_metadata()
    found["reference_period"] = {"start": "1800-01-01", "end": "2030-12-31"}
    return found


def submit(
    client: TestClient,
    coalition: Actor,
    rows: Iterable[Row],
    number: int = 1,
    uid: str | None = None,
) -> str:
    """Upload ``rows`` as version ``number`` of a dataset (a new one unless ``uid``) and submit."""
    if uid is None:
        created = client.post(
            "/api/v1/datasets",
            json={"title": "Community data", "metadata": metadata()},
            headers=coalition.headers,
        )
        assert created.status_code == 201, created.text
        uid = created.json()["dataset"]
    if number > 1:
        made = client.post(
            f"/api/v1/datasets/{uid}/versions",
            json={"copy_observations": False},
            headers=coalition.headers,
        )
        assert made.status_code == 201, made.text
    uploaded = client.post(
        f"/api/v1/datasets/{uid}/versions/{number}/uploads",
        content=csv_of(rows),
        headers={**coalition.headers, "Content-Type": "text/csv"},
    )
    assert uploaded.status_code == 201, uploaded.text
    submitted = client.post(
        f"/api/v1/datasets/{uid}/versions/{number}/submit", headers=coalition.headers
    )
    assert submitted.status_code == 200, submitted.text
    return uid


def publish(client: TestClient, office: Office, uid: str, number: int = 1) -> str:
    """Review (protect, assess, decide) and publish a submitted version; the release id."""
    release = review_and_publish(client, office.reviewer, office.approver, uid, number)
    return str(release["id"])


@dataclass(frozen=True)
class Office:
    """A statistics office's reviewer and approver (two people: four eyes)."""

    reviewer: Actor
    approver: Actor


def withdraw(client: TestClient, approver: Actor, release: str) -> None:
    response = client.post(
        f"/api/v1/releases/{release}/withdraw",
        json={"reason": "The community withdrew its consent."},
        headers=approver.headers,
    )
    assert response.status_code == 200, response.text


def moment() -> datetime:
    """Now, strictly between what happened before and what happens after."""
    time.sleep(0.02)
    now = utcnow()
    time.sleep(0.02)
    return now


# ------------------------------------------------------------------------------------------
# The world of a test module


@dataclass
class World:
    store: Store
    client: TestClient
    office: Office
    #: Coalitions by short name (their slugs are unique to the world).
    coalitions: dict[str, Actor] = field(default_factory=dict)
    #: Releases by short name → release id (``{dataset}-v{n}``).
    releases: dict[str, str] = field(default_factory=dict)
    #: Datasets by short name → uid.
    datasets: dict[str, str] = field(default_factory=dict)
    #: Moments between the world's events.
    moments: dict[str, datetime] = field(default_factory=dict)

    def org(self, name: str) -> str:
        return self.coalitions[name].org

    def add_coalition(self, name: str) -> Actor:
        slug = f"{name.upper()}_{uuid.uuid4().hex[:6].upper()}"
        self.coalitions[name] = actor(
            self.store, OrgKind.DATA_PROVIDER, Role.SUBMITTER, slug, country="KE"
        )
        return self.coalitions[name]


def open_world(store: Store) -> Iterator[World]:
    with TestClient(create_app(store.settings())) as client:
        slug = f"NSO_{uuid.uuid4().hex[:6]}"
        approver = actor(store, OrgKind.STEWARD, Role.APPROVER, slug)
        with store.session() as session:
            holder = f"reviewer-{uuid.uuid4().hex[:6]}@example.org"
            issued = access.create_key(
                session, organisation_slug=slug, role=Role.REVIEWER, holder=holder
            )
            reviewer = Actor(slug, Role.REVIEWER, issued.token, issued.key.key_id, holder)
        yield World(store=store, client=client, office=Office(reviewer, approver))


#: alpha's main dataset: child marriage in three series over 2019–2024.
ALPHA_MAIN = [
    Row(MARRIAGE, area, sex, year, base + (year - 2019))
    for area, sex, base in (("KE-28", "F", 20.0), ("KE-28", "M", 4.0), ("KE-30", "F", 15.0))
    for year in range(2019, 2025)
]
#: beta's main dataset: extreme poverty (goal 1) in two counties, 2020–2022.
BETA_MAIN = [
    Row(POVERTY, area, "_T", year, base + year - 2020)
    for area, base in (("KE-01", 30.0), ("KE-47", 40.0))
    for year in range(2020, 2023)
]
#: alpha's revised dataset: version 1, then version 2 superseding it.
ALPHA_REVISED_V1 = [Row(MARRIAGE, "KE-01", "F", 2022, 10.0)]
ALPHA_REVISED_V2 = [
    Row(MARRIAGE, "KE-01", "F", 2022, 12.0),
    Row(MARRIAGE, "KE-01", "F", 2023, 13.0),
]
#: beta's dataset that is published and then withdrawn.
BETA_WITHDRAWN = [Row(POVERTY, "KE-10", "_T", 2021, 33.0)]
#: gamma's dataset, submitted and never published.
GAMMA_UNPUBLISHED = [Row(MARRIAGE, "KE-20", "F", 2023, 99.0)]
#: delta's long series of stunting (goal 2): 2,400 observations, for streaming.
STUNTING = "SH_STA_STNT"
BULK_YEARS = range(1825, 2025)
DELTA_BULK = [
    Row(STUNTING, area, sex, year, round(10 + (year % 17) * 0.5, 1))
    for area in ("KE-01", "KE-28", "KE-30", "KE-47")
    for sex in ("F", "M", "_T")
    for year in BULK_YEARS
]
#: The version of CL_PRODUCER_TYPE added beside 1.0.0, so that ``latest`` has a choice.
NEWER = "1.1.0"


def populate(world: World) -> World:
    """Four coalitions, six releases, a supersession, a withdrawal, an unpublished version.

    Moments: ``start`` (before anything), ``released`` (after the first five releases),
    ``changed`` (after the supersession and the withdrawal). Also a second version of
    VOICES:CL_PRODUCER_TYPE (:data:`NEWER`) that nothing references.
    """
    client, office = world.client, world.office
    alpha, beta, gamma, delta = (
        world.add_coalition(n) for n in ("alpha", "beta", "gamma", "delta")
    )
    world.moments["start"] = moment()
    for name, coalition, rows in (
        ("alpha_main", alpha, ALPHA_MAIN),
        ("beta_main", beta, BETA_MAIN),
        ("alpha_revised", alpha, ALPHA_REVISED_V1),
        ("beta_withdrawn", beta, BETA_WITHDRAWN),
        ("delta_bulk", delta, DELTA_BULK),
    ):
        world.datasets[name] = submit(client, coalition, rows)
        world.releases[name] = publish(client, office, world.datasets[name])
    world.datasets["gamma_unpublished"] = submit(client, gamma, GAMMA_UNPUBLISHED)
    world.moments["released"] = moment()
    submit(client, alpha, ALPHA_REVISED_V2, number=2, uid=world.datasets["alpha_revised"])
    world.releases["alpha_revised_v2"] = publish(client, office, world.datasets["alpha_revised"], 2)
    withdraw(client, office.approver, world.releases["beta_withdrawn"])
    world.moments["changed"] = moment()
    with world.store.session() as session:
        row = session.exec(
            select(StructureArtefact).where(
                StructureArtefact.artefact_type == "codelist",
                StructureArtefact.agency_id == AGENCY,
                StructureArtefact.artefact_id == "CL_PRODUCER_TYPE",
            )
        ).one()
        record = repository.record_of_row(session, row)
        repository.insert_record(session, replace(record, version=NEWER), origin="test")
        session.commit()
    return world


def build_world(request: pytest.FixtureRequest, backend: str) -> Iterator[World]:
    """The populated world of one backend (a session fixture in tests/api/conftest.py)."""
    for store in fresh_store(request, backend):
        for world in open_world(store):
            yield populate(world)


# ------------------------------------------------------------------------------------------
# Reading answers


@dataclass(frozen=True)
class Obs:
    """One observation read back from a data message."""

    dataset: str | None  # setID
    action: str | None
    key: dict[str, str]
    period: str
    value: float | None
    attributes: dict[str, str]


def read_generic(body: bytes) -> list[Obs]:
    """Every observation of an SDMX-ML 2.1 GenericData message, read by sdmx1 without a DSD.

    sdmx1 does not keep a data set's ``action`` and ``setID``; they come from the XML, data
    set by data set in the same order.
    """
    message = sdmx.read_sdmx(io.BytesIO(body))
    headers = generic_datasets(body)
    assert len(headers) == len(message.data)
    found = []
    for dataset, attributes in zip(message.data, headers, strict=True):
        for observation in dataset.obs:
            codes = {k: str(v.value) for k, v in observation.key.values.items()}
            period = codes.pop("TIME_PERIOD")
            value = observation.value
            found.append(
                Obs(
                    dataset=attributes.get("setID"),
                    action=attributes.get("action"),
                    key=codes,
                    period=period,
                    value=None if value is None else float(value),
                    attributes={k: str(v.value) for k, v in observation.attrib.items()},
                )
            )
    return found


def generic_datasets(body: bytes) -> list[dict[str, str]]:
    """The attributes of each ``mes:DataSet`` of a GenericData message (action, setID, …)."""
    root = etree.fromstring(body)
    return [dict(node.attrib) for node in root.iterfind(f"{{{MES_21}}}DataSet")]


def read_csv(body: bytes | str) -> list[dict[str, str]]:
    content = body.decode("utf-8") if isinstance(body, bytes) else body
    return list(csv.DictReader(io.StringIO(content)))


def read_structures(body: bytes) -> Any:
    """A structure message, read by sdmx1."""
    return sdmx.read_sdmx(io.BytesIO(body))


@dataclass(frozen=True)
class Artefact:
    """A maintainable artefact of an SDMX-ML structure message (2.1 or 3.0), as written."""

    kind: str  # element name: Codelist, Dataflow, ContentConstraint, DataConstraint…
    agency: str
    id: str
    version: str
    element: Any = field(compare=False, hash=False, repr=False)

    @property
    def stub(self) -> bool:
        return self.element.get("isExternalReference") == "true"

    @property
    def partial(self) -> bool:
        return self.element.get("isPartial") == "true"

    def children(self, name: str) -> list[Any]:
        """Direct child elements called ``name`` (any namespace)."""
        return [c for c in self.element if etree.QName(c).localname == name]


def artefacts(body: bytes) -> list[Artefact]:
    """Every maintainable artefact of an SDMX-ML structure message (2.1 or 3.0)."""
    assert body.startswith(XML_DECLARATION), body[:200]
    root = etree.fromstring(body)
    structures = root.find(f"{{{MES_21}}}Structures")
    if structures is None:
        structures = root.find(f"{{{MES_30}}}Structures")
    assert structures is not None, body[:500]
    return [
        Artefact(
            etree.QName(element).localname,
            element.get("agencyID"),
            element.get("id"),
            element.get("version"),
            element,
        )
        for group in structures
        for element in group
    ]


def kinds(body: bytes) -> dict[str, set[str]]:
    """``{element name: {id, …}}`` of a structure message."""
    found: dict[str, set[str]] = {}
    for artefact in artefacts(body):
        found.setdefault(artefact.kind, set()).add(artefact.id)
    return found


@dataclass(frozen=True)
class SdmxError:
    code: int
    text: str
    root: str  # prefixed root element name, e.g. "mes:Error"


def sdmx_error(response: httpx.Response) -> SdmxError:
    """The SDMX-ML error message a response carries (XML asserted)."""
    body = response.content
    assert body.startswith(XML_DECLARATION), body[:200]
    root = etree.fromstring(body)
    assert etree.QName(root).localname == "Error", body[:300]
    message = root[0]
    assert etree.QName(message).localname == "ErrorMessage"
    text_ = "".join(message.itertext()).strip()
    return SdmxError(int(message.get("code")), text_, root_name(body))


def json_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body.get("errors"), list) and body["errors"], body
    error: dict[str, Any] = body["errors"][0]
    return error


def root_name(body: bytes) -> str:
    """The root element's name as written (prefix included), e.g. ``mes:GenericData``."""
    start = body.index(b"?>") + 2
    opening = body[start:].lstrip()
    assert opening.startswith(b"<"), opening[:100]
    name = opening[1:].split(maxsplit=1)[0].rstrip(b">")
    return name.decode()
