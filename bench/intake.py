"""Intake speed: validating and storing observations from CSV, beside sdmx1 reading the same rows.

    .venv/bin/python bench/intake.py --rows 1000000 [--backends sqlite,postgresql]
        [--pg-admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each row count (N/10 and N) and backend, one child process prepares a fresh store (migrated,
registry loaded, a coalition with a draft dataset, the CSV in the blob store) and another times
``voicescount.intake.uploads.process`` on it end to end: parse, map, validate, bulk insert,
duplicate check, report, commit. sdmx1 reading the same observations as SDMX-CSV 2.0 is timed
beside it, in a process of its own too, so that no step's peak memory includes another's (this
script re-invokes itself with ``--child``). See bench/README.md and docs/performance.md.

The goal (issue "Intake") is at least 10× sdmx1's rate, aiming at 150,000 obs/s, with memory
that does not grow with the row count. The script reports; it never fails on speed, only on
errors (a rejected upload, a row count that does not match, a database that cannot be reached).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datagen
import memory
import peer

DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")
AGENCY = "VOICES"
GOAL_RATIO = 10
AIM_RATE = 150_000
#: Files at least this big set sdmx1's reference rate for the goal.
REFERENCE_ROWS = 100_000
#: Marks the child's result on its standard output (anything else there is passed through).
RESULT_PREFIX = "BENCH-RESULT "
#: Where the prepare step leaves what the upload step needs (key, dataset, blob).
PREPARED = "prepared.json"
EXAMPLE_METADATA = (
    Path(__file__).resolve().parents[1] / "docs" / "examples" / "kenya-dialogues.yaml"
)


# --- children: one measured step each ---------------------------------------------------------


def metadata_for(country: str) -> dict[str, Any]:
    """The Kenya example metadata, restated for a quantitative upload over the generated rows."""
    from voicescount.intake.metadata import load_metadata_file

    metadata = load_metadata_file(EXAMPLE_METADATA)
    metadata["title"] = f"Community survey of groups left behind ({country}, benchmark)"
    metadata["unit_of_measure"] = "PT"
    metadata["reference_period"] = {
        "start": f"{datagen.FIRST_YEAR}-01-01",
        "end": f"{datagen.LAST_YEAR}-12-31",
    }
    metadata["geography"] = {
        "country": country,
        "areas": [datagen.country_m49(country)],
        "lowest_level": "county",
    }
    return metadata


def child_prepare(args: argparse.Namespace) -> dict[str, Any]:
    """A store ready for an upload: migrated, registry loaded, a coalition, a draft, the blob.

    Runs in a process of its own so that the measured upload starts from a process that has
    done nothing else (its peak memory is the upload's).
    """
    from sqlmodel import Session

    from voicescount.access import service as access
    from voicescount.intake import service as intake
    from voicescount.registry import service as registry
    from voicescount.storage import migrate
    from voicescount.storage.blobs import BlobStore
    from voicescount.storage.db import make_engine
    from voicescount.types import OrgKind, Role

    started = time.perf_counter()
    engine = make_engine(args.database_url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        registry.load_registry(session, agency=AGENCY)
    slug = f"BENCH_{args.country}"
    with Session(engine, expire_on_commit=False) as session:
        access.create_organisation(
            session,
            slug=slug,
            name=f"Benchmark coalition ({args.country})",
            kind=OrgKind.DATA_PROVIDER,
            country=args.country,
        )
        issued = access.create_key(
            session, organisation_slug=slug, role=Role.SUBMITTER, holder="bench/intake.py"
        )
        principal = access.authenticate(session, issued.token)
        handle = intake.create_dataset(
            session, principal, title="Benchmark upload", metadata=metadata_for(args.country)
        )
    engine.dispose()
    with Path(args.data).open("rb") as source:
        blob = BlobStore(Path(args.workdir) / "blobs").put_file(source)
    return {
        "token": issued.token,
        "uid": handle.dataset.uid,
        "version_id": handle.version.id,
        "sha256": blob.sha256,
        "size": blob.size,
        "path": str(blob.path),
        "setup_seconds": time.perf_counter() - started,
    }


def child_intake(args: argparse.Namespace) -> dict[str, Any]:
    """Time one upload through ``uploads.process`` in a store :func:`child_prepare` made."""
    from sqlmodel import Session

    from voicescount.access import service as access
    from voicescount.config import Settings
    from voicescount.intake import uploads
    from voicescount.storage import observations
    from voicescount.storage.blobs import BlobStore, StoredBlob
    from voicescount.storage.db import make_engine, session_scope

    workdir = Path(args.workdir)
    prepared = json.loads((workdir / PREPARED).read_text())
    settings = Settings(
        database_url=args.database_url,
        var_dir=workdir,
        blob_dir=workdir / "blobs",
        agency_id=AGENCY,
        max_upload_rows=max(args.rows, Settings().max_upload_rows),
        max_upload_bytes=max(prepared["size"], Settings().max_upload_bytes),
    )
    store = BlobStore(settings.resolved_blob_dir)
    blob = StoredBlob(prepared["sha256"], prepared["size"], Path(prepared["path"]))
    request = uploads.UploadRequest(filename="observations.csv", media_type="text/csv")
    engine = make_engine(args.database_url)
    with Session(engine) as session:
        principal = access.authenticate(session, prepared["token"])

    profiler = cProfile.Profile() if args.profile else None
    baseline = memory.reset_peak()
    started = time.perf_counter()
    with session_scope(engine) as session:
        if profiler is not None:
            profiler.enable()
        outcome = uploads.process(
            session, principal, prepared["uid"], 1, blob, request, settings=settings, store=store
        )
        if profiler is not None:
            profiler.disable()
    seconds = time.perf_counter() - started
    peak = memory.peak_mib()

    if profiler is not None:
        profiler.dump_stats(args.profile)
    if not outcome.accepted:
        first = "; ".join(f"row {i.row}: {i.kind}: {i.message}" for i in outcome.issues[:5])
        raise SystemExit(
            f"the upload was rejected ({outcome.summary.get('errors')} errors): {first}"
        )
    with Session(engine) as session:
        stored = observations.count(session, prepared["version_id"])
    engine.dispose()
    if stored != args.rows:
        raise SystemExit(f"{stored:,} observations stored, {args.rows:,} expected")
    return {
        "step": args.backend,
        "rows": args.rows,
        "seconds": seconds,
        "baseline_mib": baseline,
        "peak_mib": peak,
    }


def child_peer(args: argparse.Namespace) -> dict[str, Any]:
    """Time sdmx1 reading ``args.data`` (SDMX-CSV 2.0)."""
    import sdmx  # imported before the peak is reset: the import is not part of reading

    dsd = peer.community_dsd()
    baseline = memory.reset_peak()
    started = time.perf_counter()
    count = peer.read(Path(args.data), dsd)
    seconds = time.perf_counter() - started
    peak = memory.peak_mib()
    if count != args.rows:
        raise SystemExit(f"sdmx1 read {count:,} observations, {args.rows:,} expected")
    return {
        "step": f"sdmx1 {sdmx.__version__}",
        "rows": args.rows,
        "seconds": seconds,
        "baseline_mib": baseline,
        "peak_mib": peak,
    }


# --- the parent: data, databases, children, the table -------------------------------------------


@dataclass
class Result:
    step: str
    rows: int
    seconds: float
    #: Resident size when the step started, and its peak during the step (MiB).
    baseline_mib: float
    peak_mib: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def growth_mib(self) -> float:
        return self.peak_mib - self.baseline_mib


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


@contextmanager
def database(backend: str, workdir: Path, pg_admin_url: str) -> Iterator[str]:
    """A URL for a brand-new database: a SQLite file, or a throwaway PostgreSQL database."""
    if backend == "sqlite":
        path = workdir / "voicescount.db"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from voicescount.storage.db import make_engine

    name = f"voicescount_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def measure_intake(
    backend: str,
    files: datagen.Files,
    args: argparse.Namespace,
    workroot: Path,
    profile: Path | None = None,
) -> Result:
    workdir = workroot / f"{backend}-{files.rows}{'-profile' if profile else ''}"
    workdir.mkdir(parents=True, exist_ok=True)
    with database(backend, workdir, args.pg_admin_url) as url:
        common = [
            "--backend",
            backend,
            "--database-url",
            url,
            "--data",
            str(files.tidy_csv),
            "--rows",
            str(files.rows),
            "--country",
            args.country,
            "--workdir",
            str(workdir),
        ]
        prepared = run_child(["--child", "prepare", *common])
        (workdir / PREPARED).write_text(json.dumps(prepared))
        extra = ["--profile", str(profile)] if profile is not None else []
        result = Result(**run_child(["--child", "intake", *common, *extra]))
    shutil.rmtree(workdir / "blobs", ignore_errors=True)
    return result


def measure_peer(files: datagen.Files) -> Result:
    return Result(
        **run_child(["--child", "peer", "--data", str(files.sdmx_csv), "--rows", str(files.rows)])
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_total = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory_total = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory_total}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def median(runs: list[Result]) -> Result:
    """The run of median duration, with the largest peak memory of all runs."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    chosen = ordered[len(ordered) // 2]
    worst = max(runs, key=lambda run: run.growth_mib)
    return replace(chosen, baseline_mib=worst.baseline_mib, peak_mib=worst.peak_mib)


def postgres_version(pg_admin_url: str) -> str:
    from sqlalchemy import text

    from voicescount.storage.db import make_engine

    engine = make_engine(pg_admin_url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


def print_table(results: list[Result], peers: dict[int, Result]) -> None:
    """Step, rows, seconds, obs/s, memory, ratio to sdmx1 (per-observation rates)."""
    header = ("step", "rows", "seconds", "obs/s", "RSS start MiB", "peak +MiB", "× sdmx1")
    lines = [header]
    for result in results:
        peer_result = peers.get(result.rows) or max(peers.values(), key=lambda p: p.rows)
        ratio = result.rate / peer_result.rate
        lines.append(
            (
                result.step,
                f"{result.rows:,}",
                f"{result.seconds:.1f}",
                f"{result.rate:,.0f}",
                f"{result.baseline_mib:,.0f}",
                f"{result.growth_mib:,.0f}",
                "1.0" if result.step.startswith("sdmx1") else f"{ratio:.1f}",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        cells = [
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def print_profile(path: Path, limit: int = 25) -> None:
    print(f"\nprofile {path.name} (cProfile; times include its overhead)")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(limit)


CHILDREN = {"prepare": child_prepare, "intake": child_intake, "peer": child_peer}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="observations (default 1M)")
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN, help="may CREATE DATABASE")
    parser.add_argument(
        "--country",
        default="KE",
        choices=datagen.PILOT_COUNTRIES,
        help="pilot country whose areas the rows use (the dataset's geography; default KE)",
    )
    parser.add_argument(
        "--peer-max-rows",
        type=int,
        default=1_000_000,
        help="largest row count sdmx1 reads (it holds every observation in memory, ~5 KiB each);"
        " above it the ratio uses its rate at the largest count it read",
    )
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the N/10 run that shows memory is flat"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per step; the median is reported (default 1)"
    )
    parser.add_argument("--workdir", help="keep generated files and databases here")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="afterwards, profile one upload of N rows per backend with cProfile into DIR",
    )
    # Internal: one measured step in a child process.
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)}")
    args.backend_list = backends
    if args.rows < 10:
        parser.error("--rows must be at least 10")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    capacity = datagen.KeySpace.for_country(args.country).size
    if args.child is None and args.rows > capacity:
        parser.error(f"{args.country}'s codes give {capacity:,} distinct keys; ask for fewer rows")
    return args


def run(args: argparse.Namespace, workroot: Path) -> None:
    sizes = [args.rows] if args.no_scaling else [args.rows // 10, args.rows]
    print(f"voicescount intake benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"load average before: {load_average()} (other work on the machine slows every step)")
    if "postgresql" in args.backend_list:
        try:
            version = postgres_version(args.pg_admin_url)
        except Exception as exc:  # any driver error: say where, not a traceback
            raise SystemExit(f"PostgreSQL did not answer at {args.pg_admin_url}: {exc}") from None
        print(f"PostgreSQL {version} at {args.pg_admin_url}")
    peer_sizes = [n for n in sizes if n <= args.peer_max_rows] or [args.peer_max_rows]
    started = time.perf_counter()
    files = {
        n: datagen.write_files(workroot / "data", n, args.country)
        for n in sorted({*sizes, *peer_sizes})
    }
    print(
        f"data: {', '.join(f'{n:,}' for n in files)} rows of {args.country} "
        f"(tidy CSV {files[args.rows].tidy_csv.stat().st_size / 2**20:,.0f} MiB, SDMX-CSV 2.0 "
        f"{files[args.rows].sdmx_csv.stat().st_size / 2**20:,.0f} MiB at N), written in "
        f"{time.perf_counter() - started:.0f} s\n"
    )

    results: list[Result] = []
    peers: dict[int, Result] = {}
    for n in peer_sizes:
        print(f"sdmx1 reading {n:,} rows of SDMX-CSV 2.0 …", flush=True)
        peers[n] = median([measure_peer(files[n]) for _ in range(args.repeat)])
    for n in sizes:
        for backend in args.backend_list:
            print(f"{backend}: uploading {n:,} rows …", flush=True)
            runs = [measure_intake(backend, files[n], args, workroot) for _ in range(args.repeat)]
            results.append(median(runs))

    print()
    if max(peer_sizes) < args.rows:
        print(
            f"note: sdmx1 was measured at {max(peer_sizes):,} rows only (--peer-max-rows); ratios "
            "at larger counts compare per-observation rates with that run."
        )
    print_table([*peers.values(), *results], peers)
    # sdmx1 slows down on big files (it holds every observation) and tiny files are all fixed
    # cost, so the goal is set by its best rate on files of a realistic size.
    sized = [p for p in peers.values() if p.rows >= REFERENCE_ROWS]
    reference = max(sized or [peers[max(peers)]], key=lambda p: p.rate)
    goal = GOAL_RATIO * reference.rate
    print(
        f"\n{'median of ' + str(args.repeat) + ' runs each; ' if args.repeat > 1 else ''}"
        "peak +MiB: the step's peak resident size above its size at the start, in the measuring "
        "process (the PostgreSQL server's memory is not in it). Load average at the end: "
        f"{load_average()}."
    )
    print(
        f"goal: ≥{GOAL_RATIO}× sdmx1 ({reference.rate:,.0f} obs/s on {reference.rows:,} rows) = "
        f"{goal:,.0f} obs/s; aim {AIM_RATE:,} obs/s"
    )
    for result in results:
        if result.rows != args.rows:
            continue
        verdict = "meets" if result.rate >= goal else "misses"
        aim = "reaches" if result.rate >= AIM_RATE else "is below"
        print(f"  {result.step}: {verdict} the goal and {aim} the aim ({result.rate:,.0f} obs/s)")

    if args.profile:
        directory = Path(args.profile)
        directory.mkdir(parents=True, exist_ok=True)
        for backend in args.backend_list:
            path = directory / f"intake-{backend}-{args.rows}.pstats"
            print(f"\n{backend}: profiling an upload of {args.rows:,} rows …", flush=True)
            profiled = measure_intake(backend, files[args.rows], args, workroot, profile=path)
            print(f"{backend}: {profiled.seconds:.1f} s under cProfile")
            print_profile(path)


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
