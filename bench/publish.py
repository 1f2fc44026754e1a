"""Publishing speed: SDMX data out of the HTTP endpoint, beside sdmx1 writing the same observations.

    make bench-publish                    # 20,000 observations, both backends, about 2 minutes
    .venv/bin/python bench/publish.py --rows 1000000 [--peer-rows 100000]
        [--backends sqlite,postgresql]
        [--pg-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each backend, a child process builds a fresh store through the intake path and the review
workflow (migrated, registry loaded, a coalition uploads N generated observations through
``voicescount.intake.uploads.process`` and submits them to screening, a statistics office's
reviewer applies disclosure control and assesses them against the default rubric, another person
of the office, an approver, decides and publishes them with
``voicescount.publishing.service.publish``). Then ``voicescount serve`` (one uvicorn worker) runs
on that store, and this script:

1. downloads ``/sdmx/v1/data/DF_SDG_COMMUNITY`` as SDMX-ML 2.1 GenericData,
   StructureSpecificData and SDMX-CSV 1.0, streaming the body to nowhere, and reports obs/s end
   to end, the server process's CPU time and its peak resident memory during each download;
2. sends one-series queries (a full 15-part key) one after another for latency percentiles,
   then from several client threads at once for requests per second, and does the same with a
   bare FastAPI handler served the same way, as the floor of what one worker can do.

sdmx1's ``to_xml`` (structure-specific and generic) and ``to_csv`` run on the same observations
(read from the store through ``voicescount.publishing.feeds``), each in a child process of its
own (this script re-invokes itself with ``--child``). The ratios to sdmx1 are given on wall time
and on CPU time. See docs/performance.md ("Publishing").

The goals (issue "Publishing"): at least 10× sdmx1's rate end to end (aim 20×), under 150 MB peak
for 1M observations, and on a 1M store with one worker a one-series query at p99 under 20 ms and
at least 300 requests/s. The script reports; it never fails on speed, only on errors (a rejected
upload, a server that does not start, a download with the wrong number of observations).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datagen
import intake as intake_bench
import memory

BACKENDS = intake_bench.BACKENDS
AGENCY = intake_bench.AGENCY
FLOW = "DF_SDG_COMMUNITY"
RESULT_PREFIX = intake_bench.RESULT_PREFIX
HERE = Path(__file__).resolve().parent

#: The three representations of the issue, as an SDMX client asks for them on the 1.5 tree.
FORMATS: dict[str, dict[str, str]] = {
    "generic": {},  # GenericData 2.1 is the default of /sdmx/v1
    "structure-specific": {"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"},
    "csv": {"Accept": "text/csv"},
}
#: sdmx1's counterparts of FORMATS.
PEER_FORMATS = ("structure-specific", "generic", "csv")

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

GOAL_RATIO, AIM_RATIO = 10, 20
GOAL_PEAK_MB = 150
GOAL_P99_MS, GOAL_RPS = 20.0, 300.0


# --- children -------------------------------------------------------------------------------


def child_prepare(args: argparse.Namespace) -> dict[str, Any]:
    """A store with one published release of ``args.rows`` observations, through the intake path.

    Runs in a process of its own: nothing of it (caches, the SDG registry in memory) stays in the
    server, which starts afterwards on the finished store as a real deployment would.
    """
    from sqlmodel import Session

    from voicescount.access import service as access
    from voicescount.config import Settings
    from voicescount.intake import service as intake
    from voicescount.intake import uploads
    from voicescount.publishing import service as publishing
    from voicescount.registry import service as registry
    from voicescount.review import service as review
    from voicescount.review import workflow
    from voicescount.storage import migrate
    from voicescount.storage.blobs import BlobStore
    from voicescount.storage.db import make_engine, session_scope
    from voicescount.types import OrgKind, Role

    workdir = Path(args.workdir)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    engine = make_engine(args.database_url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        registry.load_registry(session, agency=AGENCY)
    coalition, office = f"BENCH_{args.country}", "BENCH_NSO"
    with Session(engine, expire_on_commit=False) as session:
        access.create_organisation(
            session,
            slug=coalition,
            name=f"Benchmark coalition ({args.country})",
            kind=OrgKind.DATA_PROVIDER,
            country=args.country,
        )
        access.create_organisation(
            session, slug=office, name="Benchmark statistics office", kind=OrgKind.STEWARD
        )
        submitter = access.authenticate(
            session,
            access.create_key(
                session, organisation_slug=coalition, role=Role.SUBMITTER, holder="bench"
            ).token,
        )
        # Four eyes: the reviewer who assesses and the approver who decides are two people.
        reviewer, approver = (
            access.authenticate(
                session,
                access.create_key(
                    session, organisation_slug=office, role=role, holder=f"bench-{role.value}"
                ).token,
            )
            for role in (Role.REVIEWER, Role.APPROVER)
        )
        handle = intake.create_dataset(
            session,
            submitter,
            title="Benchmark release",
            metadata=review_metadata(args.country),
        )
    uid = handle.dataset.uid
    timings["setup"] = time.perf_counter() - started

    settings = Settings(
        database_url=args.database_url,
        var_dir=workdir,
        blob_dir=workdir / "blobs",
        agency_id=AGENCY,
        max_upload_rows=max(args.rows, Settings().max_upload_rows),
        max_upload_bytes=max(Path(args.data).stat().st_size, Settings().max_upload_bytes),
    )
    store = BlobStore(settings.resolved_blob_dir)
    with Path(args.data).open("rb") as source:
        blob = store.put_file(source)
    request = uploads.UploadRequest(filename="observations.csv", media_type="text/csv")
    started = time.perf_counter()
    with session_scope(engine) as session:
        outcome = uploads.process(
            session, submitter, uid, 1, blob, request, settings=settings, store=store
        )
    timings["upload"] = time.perf_counter() - started
    if not outcome.accepted:
        first = "; ".join(f"row {i.row}: {i.kind}: {i.message}" for i in outcome.issues[:5])
        raise SystemExit(f"the upload was rejected: {first}")

    started = time.perf_counter()
    with session_scope(engine) as session:
        submitted = review.submit(session, submitter, uid, 1, settings=settings, store=store)
        if submitted.handle.version.state != workflow.UNDER_REVIEW:
            raise SystemExit(f"screening returned the upload: {submitted.case.screening}")
    timings["submit"] = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(engine) as session:
        disclosure, outcome, decision = _review(session, reviewer, approver, uid)
    timings["review"] = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(engine) as session:
        release = publishing.publish(session, approver, uid, 1, agency=AGENCY)
        published = release.observation_count
        release_uid = release.uid
    timings["publish"] = time.perf_counter() - started
    if published != args.rows:
        raise SystemExit(f"{published:,} observations published, {args.rows:,} expected")

    started = time.perf_counter()
    series_keys = _sample_series(engine, args.latency_keys)
    timings["analyse"] = time.perf_counter() - started
    engine.dispose()
    return {
        "release": release_uid,
        "observations": published,
        "series_keys": series_keys,
        "timings": timings,
        "disclosure": disclosure,
        "outcome": outcome,
        "decision": decision,
    }


def review_metadata(country: str) -> dict[str, Any]:
    """The intake benchmark's metadata, declaring exactly the target groups the generated rows
    hold: screening blocks data about a group the metadata do not declare."""
    metadata = intake_bench.metadata_for(country)
    metadata["target_groups"] = [
        {
            "code": code,
            "label": code.removeprefix("LNOB_").replace("_", " ").capitalize(),
            "identification": "self",
        }
        for code in datagen.TARGET_GROUPS
        if code != "_T"
    ]
    return metadata


def _review(
    session: Any, reviewer: Any, approver: Any, uid: str
) -> tuple[dict[str, int], str, str]:
    """The statistics office's review of version 1, as the demo loader does it: disclosure
    control, the default rubric rated as the metadata suggest (the top level elsewhere), and the
    approver's decision: complementary data (contextual if the criteria are not met).

    Returns what disclosure control did (cells per rule), the rubric's outcome and the decision.
    """
    from voicescount.review import service as review

    protected = review.apply_disclosure(session, reviewer, uid, 1, agency=AGENCY)
    disclosure = dict(protected.case.disclosure["counts"])
    suggested = review.suggestions(session, reviewer, uid, 1)
    rubric = suggested["rubric"]
    top = max(level["value"] for level in rubric["scale"])
    ratings = {}
    for criterion in rubric["criteria"]:
        suggestion = suggested["suggestions"].get(criterion["id"])
        ratings[criterion["id"]] = {
            "rating": suggestion["rating"] if suggestion else top,
            "evidence": suggestion["evidence"] if suggestion else "Benchmark data: checked.",
        }
    file = review.assess(session, reviewer, uid, 1, {"ratings": ratings})
    outcome = file.case.quality_outcome
    decision = "CONTEXTUAL" if outcome == "NOT_MET" else "COMPLEMENTARY"
    review.decide(
        session,
        approver,
        uid,
        1,
        decision=decision,
        conditions="Benchmark data: generated, not statistics."
        if outcome == "MET_WITH_CONDITIONS"
        else None,
    )
    return disclosure, outcome, decision


def _sample_series(engine: Any, count: int) -> list[str]:
    """``count`` series keys of the release spread over the store, for one-series queries.

    Spread keys stand for clients asking for different series; one key asked 2,000 times would
    measure the database's cache of a single page.
    """
    from sqlalchemy import text

    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Statistics for the planner, as autovacuum would gather them shortly after a release.
            connection.execute(text("ANALYZE published_observation"))
        else:
            connection.execute(text("ANALYZE"))
        connection.commit()
        keys = [
            row[0]
            for row in connection.execute(
                text("SELECT DISTINCT series_key FROM published_observation ORDER BY series_key")
            )
        ]
    step = max(1, len(keys) // count)
    return keys[::step][:count]


def _sdmx1_read_store(database_url: str, rows: int) -> tuple[Any, list[Any]]:
    """The first ``rows`` published observations, as voicescount's writers get them."""
    from voicescount.publishing import feeds
    from voicescount.storage.db import make_engine, session_scope

    engine = make_engine(database_url)
    query = feeds.DataQuery(flow_agency=None, flow_id=FLOW, flow_version=None)
    collected: list[Any] = []
    total = 0
    with session_scope(engine) as session:
        answer = feeds.answer(
            session,
            query,
            agency=AGENCY,
            base_url="http://127.0.0.1:8000",
            max_observations=10**9,
            sender=AGENCY,
        )
        for _info, series_iter in answer.datasets:
            for series in series_iter:
                series.observations = list(series.observations)
                collected.append(series)
                total += len(series.observations)
                if total >= rows:
                    break
            break
    engine.dispose()
    return answer.structure, collected


def child_peer(args: argparse.Namespace) -> dict[str, Any]:
    """Time one sdmx1 writer on ``args.rows`` observations read from the store."""
    import sdmx

    import peer_writers

    structure, series = _sdmx1_read_store(args.database_url, args.rows)
    started = time.perf_counter()
    message = peer_writers.data_message(structure, series, args.format)
    del series
    build_seconds = time.perf_counter() - started
    observations = peer_writers.count(message)
    baseline = memory.reset_peak()
    cpu = time.process_time()
    started = time.perf_counter()
    size = peer_writers.write(message, args.format)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = memory.peak_mib()
    return {
        "step": f"sdmx1 {sdmx.__version__}",
        "format": args.format,
        "rows": observations,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "bytes": size,
        "build_seconds": build_seconds,
        "baseline_mib": baseline,
        "peak_mib": peak,
    }


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A uvicorn process (one worker, so the process is the worker) and its memory."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.status = Path(f"/proc/{self.process.pid}/status")
        self.clear_refs = Path(f"/proc/{self.process.pid}/clear_refs")

    def wait_ready(self, path: str, timeout: float = 120.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}; see its log")
            try:
                if httpx.get(self.base + path, timeout=5).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer {path} within {timeout:.0f} s")

    def _kib(self, name: str) -> int:
        for line in self.status.read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
        raise RuntimeError(f"{name} is not in {self.status}")

    def rss_mib(self) -> float:
        return self._kib("VmRSS") / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server so far, all threads (``/proc/<pid>/stat``).

        CPU per request holds up when other work shares the machine, where wall time does not.
        """
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    @contextmanager
    def peak(self) -> Iterator[dict[str, float]]:
        """The server's resident size at the start of the block and its peak during it (MiB).

        The kernel's high-water mark is reset through ``clear_refs`` (we own the process); where
        that is refused, VmRSS is sampled every 50 ms instead (a peak between samples is missed).
        """
        found: dict[str, float] = {}
        try:
            self.clear_refs.write_text("5")
            exact = True
        except OSError:
            exact = False
        found["start_mib"] = self.rss_mib()
        samples = [found["start_mib"]]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.05):
                samples.append(self.rss_mib())

        sampler = None if exact else threading.Thread(target=sample, daemon=True)
        if sampler is not None:
            sampler.start()
        try:
            yield found
        finally:
            stop.set()
            if sampler is not None:
                sampler.join()
            found["peak_mib"] = self._kib("VmHWM") / 1024 if exact else max(samples)
            found["method"] = 1.0 if exact else 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@contextmanager
def serving(
    kind: str, database_url: str, workdir: Path, args: argparse.Namespace
) -> Iterator[Server]:
    """``voicescount serve`` on the store (``kind="voicescount"``) or the bare handler."""
    port = free_port()
    env = {
        **os.environ,
        "VOICESCOUNT_DATABASE_URL": database_url,
        "VOICESCOUNT_VAR_DIR": str(workdir),
        "VOICESCOUNT_AGENCY_ID": AGENCY,
        # Access logs would cost every request a log line; a deployment behind a proxy logs there.
        "VOICESCOUNT_LOG_LEVEL": args.log_level,
        "VOICESCOUNT_BASE_URL": f"http://127.0.0.1:{port}",
    }
    if kind == "voicescount":
        command = [
            str(Path(sys.executable).with_name("voicescount")),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ]
        ready = "/health"
    else:
        # The same uvicorn settings as `voicescount serve`, on an app with one trivial handler.
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "hello_app:app",
            "--app-dir",
            str(HERE),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            args.log_level,
        ]
        ready = "/hello"
    server = Server(command, env, port, workdir / f"server-{kind}.log")
    try:
        server.wait_ready(ready)
        yield server
    finally:
        server.stop()


# --- measurements -----------------------------------------------------------------------------


@dataclass
class Download:
    backend: str
    format: str
    rows: int
    seconds: float
    bytes: int
    first_byte: float
    start_mib: float
    peak_mib: float
    #: The server's CPU time during the download (s): a figure other load barely moves.
    server_cpu: float
    encoding: str = "identity"

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def growth_mib(self) -> float:
        return self.peak_mib - self.start_mib


def download(
    server: Server, backend: str, fmt: str, rows: int, encoding: str, *, check: bool
) -> Download:
    """One full download, streamed to nowhere; ``check`` counts the observations in the body."""
    import httpx

    headers = {**FORMATS[fmt], "Accept-Encoding": encoding}
    counter = ObservationCounter(fmt) if check else None
    received = 0
    with server.peak() as memory_found, httpx.Client(timeout=600) as client:
        cpu = server.cpu_seconds()
        started = time.perf_counter()
        with client.stream("GET", f"{server.base}/sdmx/v1/data/{FLOW}", headers=headers) as answer:
            if answer.status_code != 200:
                raise SystemExit(f"{fmt}: HTTP {answer.status_code}: {answer.read()[:500]!r}")
            first_byte = 0.0
            # iter_bytes decodes gzip as any client must; identity passes through.
            for chunk in answer.iter_bytes():
                if not first_byte:
                    first_byte = time.perf_counter() - started
                received += len(chunk)
                if counter is not None:
                    counter.feed(chunk)
        seconds = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu
    if counter is not None and counter.count != rows:
        raise SystemExit(f"{backend} {fmt}: {counter.count:,} observations, {rows:,} expected")
    return Download(
        backend,
        fmt,
        rows,
        seconds,
        received,
        first_byte,
        memory_found["start_mib"],
        memory_found["peak_mib"],
        cpu,
        encoding,
    )


def warm_up(server: Server, series_keys: list[str], formats: list[str]) -> None:
    """One small query per format first, as a deployed server has answered before: the first
    request imports the writers and reads the structures, which no download should pay for."""
    import httpx

    with httpx.Client(base_url=server.base, timeout=60) as client:
        for fmt in formats:
            for key in series_keys:
                answer = client.get(f"/sdmx/v1/data/{FLOW}/{key}", headers=FORMATS[fmt])
                if answer.status_code != 200:
                    raise SystemExit(f"warm-up {fmt}: HTTP {answer.status_code}")


class ObservationCounter:
    """Counts observations in a streamed body (obs elements, or CSV lines after the header)."""

    def __init__(self, fmt: str) -> None:
        self.needle = {"generic": b"<gen:Obs>", "structure-specific": b"<Obs ", "csv": b"\n"}[fmt]
        self.count = -1 if fmt == "csv" else 0
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self.tail + chunk
        self.count += data.count(self.needle)
        # Keep a needle's length minus one so a needle split across chunks is counted once.
        keep = len(self.needle) - 1
        self.tail = data[-keep:] if keep else b""
        if keep:
            self.count -= self.tail.count(self.needle)


@dataclass
class Latency:
    target: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    sequential_rps: float
    concurrent_rps: float
    concurrent_p50_ms: float
    concurrent_p99_ms: float
    threads: int
    #: The server's CPU time per request (ms), one client and many.
    cpu_ms: float
    concurrent_cpu_ms: float
    errors: int = 0
    bytes_per_response: float = 0.0


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def hammer(
    base: str, paths: list[str], requests: int, threads: int, headers: dict[str, str]
) -> tuple[list[float], float, int, int]:
    """``requests`` GETs from ``threads`` threads (one keep-alive connection each).

    Returns the latencies (s), the wall time, the errors and the bytes of one answer.
    """
    import httpx

    latencies: list[float] = []
    errors = 0
    size = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    start_gate = threading.Barrier(threads + 1)

    def work() -> None:
        nonlocal errors, size
        own: list[float] = []
        own_errors = 0
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            start_gate.wait()
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    break
                path = paths[number % len(paths)]
                started = time.perf_counter()
                answer = client.get(path)
                body = answer.content
                own.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    own_errors += 1
                elif not size:
                    size = len(body)
        with lock:
            latencies.extend(own)
            errors += own_errors

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start_gate.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    return sorted(latencies), wall, errors, size


def measure_latency(
    server: Server, target: str, paths: list[str], args: argparse.Namespace
) -> Latency:
    headers = {"Accept-Encoding": "identity"}
    # Warm-up: first requests import modules, fill caches and open the database connections.
    hammer(server.base, paths, min(200, args.requests), 1, headers)
    cpu = server.cpu_seconds()
    sequential, wall, errors, size = hammer(server.base, paths, args.requests, 1, headers)
    middle = server.cpu_seconds()
    concurrent, concurrent_wall, concurrent_errors, _ = hammer(
        server.base, paths, args.requests, args.threads, headers
    )
    end = server.cpu_seconds()
    return Latency(
        target=target,
        requests=args.requests,
        p50_ms=percentile(sequential, 0.50) * 1000,
        p95_ms=percentile(sequential, 0.95) * 1000,
        p99_ms=percentile(sequential, 0.99) * 1000,
        max_ms=sequential[-1] * 1000,
        sequential_rps=len(sequential) / wall,
        concurrent_rps=len(concurrent) / concurrent_wall,
        concurrent_p50_ms=percentile(concurrent, 0.50) * 1000,
        concurrent_p99_ms=percentile(concurrent, 0.99) * 1000,
        threads=args.threads,
        cpu_ms=(middle - cpu) / len(sequential) * 1000,
        concurrent_cpu_ms=(end - middle) / len(concurrent) * 1000,
        errors=errors + concurrent_errors,
        bytes_per_response=size,
    )


# --- the parent ---------------------------------------------------------------------------------


def run_child(arguments: list[str]) -> dict[str, Any]:
    """Run this script with ``arguments`` (``--child …``) and return the result it printed."""
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    payload = None
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            payload = json.loads(line[len(RESULT_PREFIX) :])
        else:
            print(line)
    if completed.returncode != 0 or payload is None:
        raise SystemExit(f"step failed (exit {completed.returncode}): {' '.join(arguments)}")
    return payload


@dataclass
class BackendRun:
    backend: str
    prepared: dict[str, Any]
    downloads: list[Download] = field(default_factory=list)
    latency: Latency | None = None


def measure_backend(
    backend: str, files: datagen.Files, args: argparse.Namespace, workroot: Path
) -> tuple[BackendRun, list[dict[str, Any]]]:
    workdir = workroot / backend
    workdir.mkdir(parents=True, exist_ok=True)
    peers: list[dict[str, Any]] = []
    with intake_bench.database(backend, workdir, args.pg_admin_url) as url:
        common = ["--database-url", url, "--rows", str(files.rows), "--country", args.country]
        print(f"{backend}: loading and publishing {files.rows:,} observations …", flush=True)
        prepared = run_child(
            [
                "--child",
                "prepare",
                *common,
                "--data",
                str(files.tidy_csv),
                "--workdir",
                str(workdir),
                "--latency-keys",
                str(args.latency_keys),
            ]
        )
        shutil.rmtree(workdir / "blobs", ignore_errors=True)
        timings = prepared["timings"]
        print(
            f"{backend}: upload {timings['upload']:.1f} s, submit and screening "
            f"{timings['submit']:.1f} s, review {timings['review']:.1f} s, "
            f"publish {timings['publish']:.1f} s; {prepared['outcome']}, "
            f"{prepared['decision']}; disclosure control: "
            + ", ".join(
                f"{rule} {count:,}" for rule, count in sorted(prepared["disclosure"].items())
            ),
            flush=True,
        )
        run = BackendRun(backend, prepared)
        with serving("voicescount", url, workdir, args) as server:
            warm_up(server, prepared["series_keys"][:1], args.format_list)
            for encoding in args.encoding_list:
                for fmt in args.format_list:
                    for attempt in range(args.repeat):
                        print(f"{backend}: GET {fmt} ({encoding}) …", flush=True)
                        run.downloads.append(
                            download(server, backend, fmt, files.rows, encoding, check=attempt == 0)
                        )
            if not args.no_latency:
                paths = [f"/sdmx/v1/data/{FLOW}/{key}" for key in prepared["series_keys"]]
                print(f"{backend}: one-series queries …", flush=True)
                run.latency = measure_latency(server, f"one series ({backend})", paths, args)
        if backend == args.peer_backend and not args.no_peer:
            for fmt in args.peer_format_list:
                print(f"sdmx1: {fmt} on {args.peer_rows:,} observations …", flush=True)
                peers.append(
                    run_child(
                        [
                            "--child",
                            "peer",
                            "--database-url",
                            url,
                            "--rows",
                            str(args.peer_rows),
                            "--format",
                            fmt,
                        ]
                    )
                )
    return run, peers


def measure_hello(args: argparse.Namespace, workroot: Path) -> Latency:
    with serving("hello", "", workroot, args) as server:
        print("bare FastAPI handler …", flush=True)
        return measure_latency(server, "bare FastAPI handler", ["/hello"], args)


def table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    rows = [header, *lines]
    widths = [max(len(line[i]) for line in rows) for i in range(len(header))]
    for number, line in enumerate(rows):
        cells = [
            cell.ljust(width) if index < 2 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def report(runs: list[BackendRun], peers: list[dict[str, Any]], hello: Latency | None) -> None:
    """The writers' table: wall-clock rates and the ratio to sdmx1's, and the same on CPU time
    (the server process's during a download, sdmx1's process's while it writes), which load
    from other processes on the machine barely moves."""
    peer_rate = {p["format"]: p["rows"] / p["seconds"] for p in peers}
    peer_cpu_rate = {p["format"]: p["rows"] / max(p["cpu_seconds"], 1e-9) for p in peers}
    nan = float("nan")
    lines = []
    for p in peers:
        lines.append(
            (
                f"sdmx1 to_{'csv' if p['format'] == 'csv' else 'xml'}",
                p["format"],
                f"{p['rows']:,}",
                f"{p['seconds']:.2f}",
                f"{p['rows'] / p['seconds']:,.0f}",
                f"{p['cpu_seconds']:.2f}",
                f"{p['bytes'] / 2**20:,.1f}",
                f"{p['baseline_mib']:,.0f} → {p['peak_mib']:,.0f}",
                "1.0",
                "1.0",
            )
        )
    for run in runs:
        for d in run.downloads:
            cpu_rate = d.rows / max(d.server_cpu, 1e-9)
            lines.append(
                (
                    f"HTTP {run.backend}" + ("" if d.encoding == "identity" else f" {d.encoding}"),
                    d.format,
                    f"{d.rows:,}",
                    f"{d.seconds:.2f}",
                    f"{d.rate:,.0f}",
                    f"{d.server_cpu:.2f}",
                    f"{d.bytes / 2**20:,.1f}",
                    f"{d.start_mib:,.0f} → {d.peak_mib:,.0f}",
                    f"{d.rate / peer_rate.get(d.format, nan):.1f}",
                    f"{cpu_rate / peer_cpu_rate.get(d.format, nan):.1f}",
                )
            )
    print()
    table(
        (
            "writer",
            "format",
            "rows",
            "s",
            "obs/s",
            "CPU s",
            "MiB out",
            "RSS MiB start → peak",
            "× sdmx1",
            "× sdmx1 CPU",
        ),
        lines,
    )
    latencies = [r.latency for r in runs if r.latency is not None]
    if hello is not None:
        latencies.append(hello)
    if latencies:
        print()
        table(
            (
                "target",
                "bytes",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "req/s 1 thread",
                "req/s N threads",
                "p50/p99 ms N threads",
                "errors",
            ),
            [
                (
                    latency.target,
                    f"{latency.bytes_per_response:,.0f}",
                    f"{latency.p50_ms:.1f}",
                    f"{latency.p95_ms:.1f}",
                    f"{latency.p99_ms:.1f}",
                    f"{latency.max_ms:.1f}",
                    f"{latency.sequential_rps:,.0f}",
                    f"{latency.concurrent_rps:,.0f} ({latency.threads})",
                    f"{latency.concurrent_p50_ms:.1f} / {latency.concurrent_p99_ms:.1f}",
                    str(latency.errors),
                )
                for latency in latencies
            ],
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="observations (default 1M)")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="sqlite, postgresql (default both)"
    )
    parser.add_argument(
        "--pg-admin-url", default=intake_bench.DEFAULT_PG_ADMIN, help="may CREATE DATABASE"
    )
    parser.add_argument("--country", default="KE", choices=datagen.PILOT_COUNTRIES)
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help=f"of {', '.join(FORMATS)} (default all)"
    )
    parser.add_argument(
        "--encodings",
        default="identity",
        help="Accept-Encoding values to download with, e.g. identity,gzip (default identity)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="downloads per format (default 1)")
    parser.add_argument(
        "--peer-rows",
        type=int,
        default=None,
        help="observations sdmx1 writes (default: --rows; it holds them all as objects)",
    )
    parser.add_argument(
        "--peer-backend", default=None, help="store the sdmx1 observations are read from"
    )
    parser.add_argument(
        "--peer-formats", default=",".join(PEER_FORMATS), help="sdmx1 writers to time"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip sdmx1")
    parser.add_argument("--requests", type=int, default=2000, help="one-series queries per run")
    parser.add_argument("--threads", type=int, default=16, help="client threads for req/s")
    parser.add_argument("--latency-keys", type=int, default=500, help="distinct series asked")
    parser.add_argument("--no-latency", action="store_true", help="skip the one-series queries")
    parser.add_argument("--log-level", default="warning", help="the server's (default warning)")
    parser.add_argument("--workdir", help="keep generated files and databases here")
    # Internal: one step in a child process.
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    def listed(value: str, known: tuple[str, ...] | dict[str, Any], what: str) -> list[str]:
        items = [v.strip() for v in value.split(",") if v.strip()]
        unknown = sorted(set(items) - set(known))
        if unknown:
            parser.error(f"unknown {what}: {', '.join(unknown)}")
        return items

    args.backend_list = listed(args.backends, BACKENDS, "backend(s)")
    args.format_list = listed(args.formats, FORMATS, "format(s)")
    args.peer_format_list = listed(args.peer_formats, PEER_FORMATS, "sdmx1 format(s)")
    args.encoding_list = listed(args.encodings, ("identity", "gzip"), "encoding(s)")
    if args.peer_rows is None:
        args.peer_rows = args.rows
    if args.peer_backend is None:
        args.peer_backend = args.backend_list[0] if args.backend_list else "sqlite"
    capacity = datagen.KeySpace.for_country(args.country).size
    if args.child is None and args.rows > capacity:
        parser.error(f"{args.country}'s codes give {capacity:,} distinct keys; ask for fewer rows")
    return args


def run(args: argparse.Namespace, workroot: Path) -> None:
    print(f"voicescount publishing benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {intake_bench.machine()}")
    print(f"load average before: {intake_bench.load_average()}")
    if "postgresql" in args.backend_list:
        try:
            version = intake_bench.postgres_version(args.pg_admin_url)
        except Exception as exc:  # any driver error: say where, not a traceback
            raise SystemExit(f"PostgreSQL did not answer at {args.pg_admin_url}: {exc}") from None
        print(f"PostgreSQL {version} at {args.pg_admin_url}")
    started = time.perf_counter()
    files = datagen.write_files(workroot / "data", args.rows, args.country)
    print(f"data: {args.rows:,} rows of {args.country} in {time.perf_counter() - started:.0f} s")

    runs: list[BackendRun] = []
    peers: list[dict[str, Any]] = []
    for backend in args.backend_list:
        run_, found = measure_backend(backend, files, args, workroot)
        runs.append(run_)
        peers.extend(found)
    hello = None if args.no_latency else measure_hello(args, workroot)
    report(runs, peers, hello)
    print(f"\nload average at the end: {intake_bench.load_average()}")


CHILDREN: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "prepare": child_prepare,
    "peer": child_peer,
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        result = CHILDREN[args.child](args)
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0
    if args.workdir:
        workroot = Path(args.workdir)
        workroot.mkdir(parents=True, exist_ok=True)
        run(args, workroot)
    else:
        with tempfile.TemporaryDirectory(prefix="voicescount-bench-") as tmp:
            run(args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
