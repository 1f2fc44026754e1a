"""``voicescount submit|validate|status``: a coalition's side of intake, over HTTP.

These commands talk to a voicescount server through :mod:`voicescount.client`, never to a
database: a coalition's data officer runs them on their own machine with their API key. The
server and key come from ``--server``/``--key`` or ``VOICESCOUNT_SERVER``/``VOICESCOUNT_API_KEY``.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import yaml

from voicescount.cli.common import CONTEXT_SETTINGS
from voicescount.client import (
    API_KEY_ENV,
    DEFAULT_SERVER,
    FORMAT_MEDIA_TYPES,
    SERVER_ENV,
    ApiError,
    AuthenticationError,
    Client,
    IssuePublic,
    MetadataIssuePublic,
    PayloadTooLargeError,
    ProgressCallback,
    TransportError,
    UploadRejected,
    ValidationError,
    VersionPublic,
)

P = ParamSpec("P")
R = TypeVar("R")

#: How many issues a summary lists; the rest are in the CSV report.
SHOWN_ISSUES = 20
#: How many suggested codes an issue line offers.
SHOWN_SUGGESTIONS = 3


# ------------------------------------------------------------------------------------------
# Options shared by the commands


def _connection_options(func: Callable[P, R]) -> Callable[P, R]:
    func = click.option(
        "--key",
        envvar=API_KEY_ENV,
        default=None,
        show_envvar=True,
        help="Your API key (vck_…).",
    )(func)
    return click.option(
        "--server",
        envvar=SERVER_ENV,
        default=DEFAULT_SERVER,
        show_default=True,
        show_envvar=True,
        help="Base URL of the voicescount server.",
    )(func)


def _file_options(func: Callable[P, R]) -> Callable[P, R]:
    for option in reversed(
        [
            click.option(
                "--mapping",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="Mapping profile (YAML/JSON) sent with the file: your columns and labels.",
            ),
            click.option("--profile", help="A mapping profile saved on the server, by name."),
            click.option(
                "--format",
                "format_",
                type=click.Choice(sorted(FORMAT_MEDIA_TYPES)),
                help="The file's format (default: detected from its content).",
            ),
            click.option("--encoding", help="Text encoding, e.g. cp1252 (default: UTF-8)."),
            click.option("--sheet", help="Excel worksheet (default: the first)."),
        ]
    ):
        func = option(func)
    return func


def _handle_client_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a client error as 'error: …' with its itemised problems; exit with status 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AuthenticationError as exc:
            click.echo(f"error: {exc.detail or exc.title}", err=True)
            click.echo(f"  check --key (or {API_KEY_ENV}) and --server", err=True)
            sys.exit(1)
        except ApiError as exc:
            click.echo(f"error: {exc.detail or exc.title} (HTTP {exc.status})", err=True)
            _echo_problems(exc.errors)
            sys.exit(1)
        except TransportError as exc:
            click.echo(f"error: cannot reach the voicescount server: {exc}", err=True)
            sys.exit(1)

    return wrapper


def _echo_problems(errors: Sequence[dict[str, Any]]) -> None:
    for item in errors:
        if "issue" in item:  # row-level issues are printed by the validation summary
            continue
        where = item.get("field") or item.get("artefact") or item.get("location") or ""
        click.echo(f"  - {where}: {item.get('message', '')}".rstrip(), err=True)


@contextmanager
def _client(server: str, key: str | None) -> Iterator[Client]:
    if not key:
        raise click.UsageError(f"an API key is needed: pass --key or set {API_KEY_ENV}")
    with Client(server, api_key=key) as client:
        yield client


# ------------------------------------------------------------------------------------------
# Readable summaries


def issue_line(issue: IssuePublic) -> str:
    """``row 12, column County (REF_AREA): 'Mombassa' is not a code… — did you mean KE-28?``"""
    where = []
    if issue.row is not None:
        where.append(f"row {issue.row}")
    if issue.column:
        column = f"column {issue.column}"
        if issue.component and issue.component != issue.column:
            column += f" ({issue.component})"
        where.append(column)
    elif issue.component and issue.component not in issue.message:
        where.append(issue.component)
    message = issue.message
    # The message repeats the component the location already names.
    if issue.component and message.startswith(f"{issue.component}: "):
        message = message[len(issue.component) + 2 :]
    line = f"{', '.join(where) or 'file'}: {message}"
    if issue.suggestions:
        shown = issue.suggestions[:SHOWN_SUGGESTIONS]
        options = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        line += f" — did you mean {options}?"
    if issue.severity != "error":
        line += f" [{issue.severity}]"
    return line


def _echo_summary(
    summary: dict[str, Any], issues: Sequence[IssuePublic], report_url: str | None = None
) -> None:
    """Rows read and stored, columns used, automatic mappings, issues by kind, the first issues."""
    rows = summary.get("rows_read")
    errors = summary.get("errors", sum(1 for i in issues if i.severity == "error"))
    warnings = summary.get("warnings", sum(1 for i in issues if i.severity != "error"))
    if rows is not None:
        click.echo(f"rows read: {rows}, errors: {errors}, warnings: {warnings}")
    columns = (summary.get("columns") or {}).get("components") or {}
    if columns:
        used = ", ".join(f"{column} → {component}" for component, column in columns.items())
        click.echo(f"columns: {used}")
    unused = (summary.get("columns") or {}).get("unused_columns") or []
    if unused:
        click.echo(f"ignored columns: {', '.join(unused)}")
    automatic = summary.get("automatic_mappings") or {}
    if automatic:
        click.echo("labels recognised automatically (check them):")
        for component, labels in sorted(automatic.items()):
            pairs = ", ".join(f"{label!r} → {code}" for label, code in labels.items())
            click.echo(f"  {component}: {pairs}")
    by_kind = summary.get("issues_by_kind") or Counter(i.issue for i in issues)
    if by_kind:
        click.echo("issues by kind:")
        width = max(len(kind) for kind in by_kind)
        for kind, count in sorted(by_kind.items(), key=lambda item: (-item[1], item[0])):
            click.echo(f"  {kind:<{width}}  {count}")
    if issues:
        total = errors + warnings if isinstance(errors, int) and isinstance(warnings, int) else 0
        shown = issues[:SHOWN_ISSUES]
        heading = f"first {len(shown)} of {total} issues:" if total > len(shown) else "issues:"
        click.echo(heading)
        for issue in shown:
            click.echo(f"  {issue_line(issue)}")
    if report_url:
        click.echo(f"full report (CSV): {report_url}")


def _echo_metadata_issues(issues: Sequence[MetadataIssuePublic], heading: str) -> None:
    """The metadata's problems field by field, under ``heading`` (nothing if there are none)."""
    if not issues:
        return
    click.echo(heading)
    for issue in issues:
        suffix = "" if issue.severity == "error" else f" [{issue.severity}]"
        click.echo(f"  - {issue.field}: {issue.message}{suffix}")


@contextmanager
def _progress(path: Path) -> Iterator[ProgressCallback]:
    """A click progress bar on stderr, fed by the client's ``progress(sent, total)``."""
    size = path.stat().st_size
    with click.progressbar(
        length=size,
        label=f"sending {path.name} ({_size(size)})",
        file=sys.stderr,
    ) as bar:
        done = 0

        def update(sent: int, total: int) -> None:
            nonlocal done
            if sent < done:  # a retry starts again from the first byte
                bar.pos = 0
                done = 0
            bar.update(sent - done)
            done = sent

        yield update


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------
# voicescount submit


def _title_for(title: str | None, metadata: Path | None, data: Path) -> str:
    if title:
        return title
    if metadata is not None:
        try:
            document = yaml.safe_load(metadata.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            document = None  # the server reports a broken document properly, field by field
        found = document.get("title") if isinstance(document, dict) else None
        if isinstance(found, str) and found.strip():
            return found.strip()
    return data.stem


def _draft_for(
    client: Client, dataset: str | None, title: str, dataflow: str | None = None
) -> VersionPublic:
    """The draft to fill: a new dataset, the dataset's open draft, or a new version of it."""
    if dataset is None:
        created = client.create_dataset(title, dataflow=dataflow)
        click.echo(f"created dataset {created.dataset}: {created.title}")
        return created
    latest = client.get_dataset(dataset).versions[-1]
    if latest.state == "draft":
        click.echo(f"using draft version {latest.number} of {dataset}")
        return client.get_version(dataset, latest.number)
    # The file given becomes the new version's observations, so the old ones are not copied.
    started = client.start_version(dataset, copy_observations=False)
    state = latest.state.replace("_", " ")
    click.echo(
        f"started version {started.number} of {dataset} (after version {latest.number}, {state})"
    )
    return started


@click.command("submit", context_settings=CONTEXT_SETTINGS)
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Methodology metadata (YAML/JSON). Needed for a new dataset; a new version keeps the "
    "previous version's unless given.",
)
@_file_options
@click.option("--title", help="Title of a new dataset (default: the metadata's title).")
@click.option(
    "--dataset",
    "dataset_id",
    metavar="DS-ID",
    help="Add to this dataset: its open draft, or a new version after a submitted one.",
)
@click.option(
    "--dataflow",
    metavar="AGENCY:ID(VERSION)",
    help="A new dataset reports against this imported national dataflow (default: the "
    "community dataflow).",
)
@click.option("--no-submit", is_flag=True, help="Upload and check, but leave the draft open.")
@_connection_options
@_handle_client_errors
def submit(
    data: Path,
    metadata: Path | None,
    mapping: Path | None,
    profile: str | None,
    format_: str | None,
    encoding: str | None,
    sheet: str | None,
    title: str | None,
    dataset_id: str | None,
    dataflow: str | None,
    no_submit: bool,
    server: str,
    key: str | None,
) -> None:
    """Submit DATA with its methodology metadata to the statistics office.

    Creates a dataset (or fills --dataset), sets the metadata, uploads DATA with a progress bar,
    prints what validation found, and submits unless --no-submit is given or something blocks
    it. Exit status 0 when done, 1 when the upload is rejected, the metadata is not ready or
    screening returns the version.
    """
    if metadata is None and dataset_id is None:
        raise click.UsageError("a new dataset needs --metadata (or name one with --dataset)")
    if dataflow is not None and dataset_id is not None:
        raise click.UsageError("--dataflow is chosen for a new dataset; --dataset keeps its own")
    with _client(server, key) as client:
        draft = _draft_for(client, dataset_id, _title_for(title, metadata, data), dataflow)
        uid, number = draft.dataset, draft.number
        if metadata is not None:
            try:
                draft = client.set_metadata(uid, number, metadata)
            except ValidationError as exc:
                click.echo(f"{metadata.name} was refused: {exc.detail}")
                for item in exc.errors:
                    click.echo(f"  - {item.get('field', '')}: {item.get('message', '')}")
                click.echo(_again(uid, "fix the metadata, then"))
                sys.exit(1)
        if not _upload(client, draft, data, mapping, profile, format_, encoding, sheet):
            click.echo(_again(uid, "fix the file or the mapping, then"))
            sys.exit(1)
        version = client.get_version(uid, number)
        blocking = [i for i in version.metadata_issues if i.severity == "error"]
        _echo_metadata_issues(
            [i for i in version.metadata_issues if i.severity != "error"],
            "metadata to complete before publication:",
        )
        if blocking:
            _echo_metadata_issues(blocking, "not submitted: the metadata is not ready:")
            click.echo(_again(uid, "complete the metadata, then"))
            sys.exit(1)
        if no_submit:
            click.echo(f"draft kept: {uid} version {number} ({version.observation_count} obs.)")
            return
        try:
            submitted = client.submit(uid, number)
        except ValidationError as exc:
            click.echo(f"not submitted: {exc.detail}")
            for item in exc.errors:
                click.echo(f"  - {item.get('field', '')}: {item.get('message', '')}")
            sys.exit(1)
        click.echo(f"submitted {uid} version {number}: {submitted.observation_count} observations")
        click.echo(f"content hash (SHA-256): {submitted.content_hash}")
        if not _echo_screening(submitted.state, submitted.screening or {}):
            click.echo(f"correct them in a new version: run the same command with --dataset {uid}")
            sys.exit(1)


def _echo_screening(state: str, screening: dict[str, Any]) -> bool:
    """Print what the screening at submission found; whether the version went under review."""
    warnings, blocking = screening.get("warnings", 0), screening.get("blocking", 0)
    if state == "returned":
        click.echo(
            f"screening returned the version: {blocking} blocking issue(s), {warnings} warning(s):"
        )
    else:
        click.echo(f"screening passed: now {state.replace('_', ' ')} ({warnings} warning(s))")
    for issue in screening.get("issues", []):
        click.echo(f"  - [{issue['severity']}] {issue['where']}: {issue['message']}")
    return state != "returned"


def _again(uid: str, advice: str) -> str:
    # Without --dataset a second run would create a second dataset.
    return f"{advice} run the same command again with --dataset {uid}"


def _upload(
    client: Client,
    draft: VersionPublic,
    data: Path,
    mapping: Path | None,
    profile: str | None,
    format_: str | None,
    encoding: str | None,
    sheet: str | None,
) -> bool:
    """Upload ``data`` into the draft unless it is already there; False when rejected."""
    digest = _sha256(data)
    for earlier in draft.uploads:
        # Running the command again after fixing the metadata must not upload the rows twice.
        if earlier.status == "accepted" and earlier.sha256 == digest:
            click.echo(
                f"{data.name} is already in this draft (upload {earlier.id}, "
                f"{earlier.rows_stored} rows); not sent again"
            )
            return True
    try:
        with _progress(data) as progress:
            result = client.upload(
                draft.dataset,
                draft.number,
                data,
                format=format_,
                encoding=encoding,
                sheet=sheet,
                profile=profile,
                mapping=mapping,
                progress=progress,
            )
    except (UploadRejected, PayloadTooLargeError) as rejected:
        click.echo(f"upload rejected: {rejected.detail}")
        _echo_summary(rejected.summary, rejected.issues, rejected.report_url)
        return False
    click.echo(f"upload {result.id} accepted: {result.rows_stored} observations stored")
    _echo_summary(result.summary, result.issues)
    return True


# ------------------------------------------------------------------------------------------
# voicescount validate


@click.command("validate", context_settings=CONTEXT_SETTINGS)
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Methodology metadata (YAML/JSON) to check with the file, as for submission.",
)
@_file_options
@click.option(
    "--dataset",
    "dataset_id",
    metavar="DS-ID",
    help="Dry-run the upload against this dataset's draft (its metadata, its observations).",
)
@click.option(
    "--version", "version_number", type=int, help="The draft's number (default: the latest)."
)
@click.option(
    "--dataflow",
    metavar="AGENCY:ID(VERSION)",
    help="Check against this imported national dataflow's codelists (a standalone check).",
)
@_connection_options
@_handle_client_errors
def validate(
    data: Path,
    metadata: Path | None,
    mapping: Path | None,
    profile: str | None,
    format_: str | None,
    encoding: str | None,
    sheet: str | None,
    dataset_id: str | None,
    version_number: int | None,
    dataflow: str | None,
    server: str,
    key: str | None,
) -> None:
    """Check DATA (and --metadata) without storing anything.

    Alone, the file is checked against the SDG codelists, and against the metadata when given.
    With --dataset, the upload is dry-run against that draft. Exit status 1 if anything must be
    fixed.
    """
    if dataset_id is not None and metadata is not None:
        raise click.UsageError(
            "--metadata is for a standalone check; a draft is checked with its own metadata "
            "(set it with 'voicescount submit --no-submit')"
        )
    if version_number is not None and dataset_id is None:
        raise click.UsageError("--version needs --dataset")
    if dataflow is not None and dataset_id is not None:
        raise click.UsageError("--dataflow is for a standalone check; a draft has its own")
    options: dict[str, Any] = {
        "format": format_,
        "encoding": encoding,
        "sheet": sheet,
        "profile": profile,
        "mapping": mapping,
    }
    with _client(server, key) as client, _progress(data) as progress:
        if dataset_id is not None:
            number = version_number or client.get_dataset(dataset_id).versions[-1].number
            result = client.validate(dataset_id, number, data, progress=progress, **options)
        else:
            result = client.check(data, metadata, progress=progress, dataflow=dataflow, **options)
    _echo_summary(result.summary, result.issues)
    data_ok = not any(i.severity == "error" for i in result.issues) and not result.summary.get(
        "errors"
    )
    metadata_ok = True
    if metadata is not None:
        _echo_metadata_issues(result.metadata_issues, f"{metadata.name}:")
        metadata_ok = not any(i.severity == "error" for i in result.metadata_issues)
    if data_ok and metadata_ok:
        click.echo(f"{data.name}: valid" + (f" with {metadata.name}" if metadata else ""))
        return
    broken = [name for name, ok in ((data.name, data_ok), ("the metadata", metadata_ok)) if not ok]
    click.echo(f"not valid: fix {' and '.join(broken)} (nothing was stored)")
    sys.exit(1)


# ------------------------------------------------------------------------------------------
# voicescount status


@click.command("status", context_settings=CONTEXT_SETTINGS)
@click.argument("dataset_id", metavar="[DS-ID]", required=False)
@_connection_options
@_handle_client_errors
def status(dataset_id: str | None, server: str, key: str | None) -> None:
    """Your datasets, or one dataset's versions with their state, observations and uploads."""
    with _client(server, key) as client:
        if dataset_id is None:
            me = client.whoami()
            datasets = client.list_datasets()
            noun = "dataset" if len(datasets) == 1 else "datasets"
            click.echo(f"{len(datasets)} {noun} of {me.organisation} ({me.role})")
            for dataset in datasets:
                latest = dataset.versions[-1] if dataset.versions else None
                state = f"v{latest.number} {latest.state}" if latest else "no version"
                click.echo(f"{dataset.id}  {state:<14}  {dataset.title}")
            return
        dataset = client.get_dataset(dataset_id)
        click.echo(f"{dataset.id}: {dataset.title} ({dataset.organisation})")
        for summary in dataset.versions:
            version = client.get_version(dataset.id, summary.number)
            line = (
                f"version {version.number}  {version.state:<9}  "
                f"{version.observation_count} observations, {version.findings} findings"
            )
            if version.submitted_at:
                line += f", submitted {version.submitted_at:%Y-%m-%d %H:%M} UTC"
            click.echo(line)
            if version.content_hash:
                click.echo(f"  content hash: {version.content_hash}")
            for upload in version.uploads:
                click.echo(
                    f"  upload {upload.id}  {upload.status:<9}  {upload.filename or '-'}  "
                    f"{upload.rows_stored}/{upload.rows_read} rows stored, "
                    f"{upload.errors} errors, {upload.warnings} warnings"
                )
            if version.state == "draft":
                blocking = sum(1 for i in version.metadata_issues if i.severity == "error")
                if blocking:
                    click.echo(f"  metadata: {blocking} problems block submission")


def register(group: click.Group) -> None:
    """Add ``submit``, ``validate`` and ``status`` to the ``voicescount`` group."""
    for command in (submit, validate, status):
        group.add_command(command)
