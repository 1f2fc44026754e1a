""":class:`Client`: one method per intake endpoint, answers parsed into the API's own models."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from voicescount import __version__
from voicescount.api.schemas.access import WhoAmI
from voicescount.api.schemas.intake import (
    CommunitySeriesCreate,
    CommunitySeriesList,
    CommunitySeriesPublic,
    DatasetCreate,
    DatasetPublic,
    DatasetsPublic,
    FindingCreate,
    FindingPublic,
    MappingProfileSaved,
    MappingProfilesPublic,
    ObservationsPublic,
    ReportPublic,
    SuggestionsPublic,
    UploadPublic,
    UploadResult,
    ValidationResult,
    VersionCreate,
    VersionPublic,
)
from voicescount.client._content import (
    Body,
    DocumentInput,
    FileInput,
    FileSource,
    ProgressCallback,
    document_data,
    document_text,
    media_type_for,
    multipart_body,
    raw_body,
)
from voicescount.client._errors import TransportError, error_for

M = TypeVar("M", bound=BaseModel)

#: Where the command line and :meth:`Client.from_env` look when nothing else is said.
DEFAULT_SERVER = "http://127.0.0.1:8000"
SERVER_ENV = "VOICESCOUNT_SERVER"
API_KEY_ENV = "VOICESCOUNT_API_KEY"

#: Validating a large upload takes the server a while before it answers: a long read timeout.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, read=600.0)

API = "/api/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"

_FINDINGS = TypeAdapter(list[FindingPublic])


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


def _version_path(uid: str, number: int) -> str:
    return f"{API}/datasets/{_segment(uid)}/versions/{_segment(number)}"


def _params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class Client:
    """A typed client of a voicescount server's intake API.

    ``Client("https://voices.example.org", api_key="vck_…")``; use it as a context manager, or
    call :meth:`close`. Requests that are safe to repeat (reads, ``PUT``, dry runs, and the
    ``Idempotency-Key`` requests :meth:`create_dataset`, :meth:`upload` and :meth:`submit`) are
    retried ``retries`` times after a connection failure or a 5xx answer, waiting ``backoff``
    seconds, doubled each time. Those three send a fresh UUID key per call unless given one, and
    reuse it on their retries, so a retried call never has a second effect.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        retries: int = 1,
        backoff: float = 0.5,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = max(retries, 0)
        self.backoff = max(backoff, 0.0)
        sent = {"User-Agent": f"voicescount-client/{__version__}", **(headers or {})}
        if api_key:
            sent["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=self.base_url, headers=sent, timeout=timeout, transport=transport
        )

    @classmethod
    def from_env(cls, **options: Any) -> Self:
        """A client for ``$VOICESCOUNT_SERVER`` (default ``http://127.0.0.1:8000``) with
        ``$VOICESCOUNT_API_KEY``."""
        return cls(
            os.environ.get(SERVER_ENV) or DEFAULT_SERVER,
            os.environ.get(API_KEY_ENV) or None,
            **options,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    # -- the one place requests are sent -----------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        body: Body | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one request, retrying when ``retry`` allows; raise the matching error."""
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = body.media_type
            headers["Content-Length"] = str(body.length)
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            request = self._http.build_request(
                method,
                path,
                params=params,
                json=json,
                # A fresh stream per attempt: a retry sends the file from its first byte again.
                content=body.open() if body is not None else content,
                headers=headers,
            )
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                if last:
                    raise TransportError(
                        f"{method} {self.base_url}{path} failed: {str(exc) or type(exc).__name__}"
                    ) from exc
                self._pause(attempt)
                continue
            if response.status_code >= 500 and response.status_code != 501 and not last:
                response.close()
                self._pause(attempt)
                continue
            if response.is_error:
                response.read()
                response.close()
                raise error_for(response, self.base_url)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _pause(self, attempt: int) -> None:
        time.sleep(self.backoff * (2**attempt))

    def _model(self, model: type[M], method: str, path: str, **options: Any) -> M:
        return model.model_validate(self._send(method, path, **options).json())

    @staticmethod
    def _idempotency(key: str | None) -> dict[str, str]:
        return {IDEMPOTENCY_HEADER: key or str(uuid.uuid4())}

    # -- service -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``GET /health``: the server's version and database state (raises on 503)."""
        return self._send("GET", "/health").json()

    def whoami(self) -> WhoAmI:
        """The organisation and role of the client's key."""
        return self._model(WhoAmI, "GET", f"{API}/whoami")

    def methodology_schema(self) -> dict[str, Any]:
        """The JSON Schema of the methodology metadata."""
        return self._send("GET", f"{API}/schemas/methodology").json()

    # -- datasets and versions ---------------------------------------------------------------

    def create_dataset(
        self,
        title: str,
        metadata: DocumentInput | None = None,
        idempotency_key: str | None = None,
        dataflow: str | None = None,
    ) -> VersionPublic:
        """Create a dataset; the answer is its version 1, a draft (``.dataset`` is the id).
        ``dataflow``: an imported national dataflow to report against (``AGENCY:ID(VERSION)``)."""
        payload = DatasetCreate(
            title=title,
            metadata=document_data(metadata) if metadata is not None else None,
            dataflow=dataflow,
        )
        return self._model(
            VersionPublic,
            "POST",
            f"{API}/datasets",
            json=payload.model_dump(mode="json"),
            headers=self._idempotency(idempotency_key),
        )

    def list_datasets(self) -> list[DatasetPublic]:
        """Your organisation's datasets (a statistics office: those with a submitted version)."""
        return self._model(DatasetsPublic, "GET", f"{API}/datasets").data

    def get_dataset(self, uid: str) -> DatasetPublic:
        return self._model(DatasetPublic, "GET", f"{API}/datasets/{_segment(uid)}")

    def start_version(self, uid: str, copy_observations: bool = True) -> VersionPublic:
        """A new draft after the latest (submitted) version; metadata and findings carry over."""
        return self._model(
            VersionPublic,
            "POST",
            f"{API}/datasets/{_segment(uid)}/versions",
            json=VersionCreate(copy_observations=copy_observations).model_dump(),
            # Not idempotent on the server: a blind retry could meet its own new draft (409).
            retry=False,
        )

    def get_version(self, uid: str, n: int) -> VersionPublic:
        """A version: state, metadata and what it lacks (``metadata_issues``), uploads."""
        return self._model(VersionPublic, "GET", _version_path(uid, n))

    def set_metadata(self, uid: str, n: int, metadata: DocumentInput) -> VersionPublic:
        """Replace a draft's methodology metadata: a dict, or a ``.yaml``/``.json`` file."""
        text, media_type = document_text(metadata)
        return self._model(
            VersionPublic,
            "PUT",
            f"{_version_path(uid, n)}/metadata",
            content=text.encode("utf-8"),
            headers={"Content-Type": f"{media_type}; charset=utf-8"},
        )

    def submit(self, uid: str, n: int, idempotency_key: str | None = None) -> VersionPublic:
        """Freeze and submit a draft to the statistics office; the answer has its content hash."""
        return self._model(
            VersionPublic,
            "POST",
            f"{_version_path(uid, n)}/submit",
            headers=self._idempotency(idempotency_key),
        )

    # -- files -------------------------------------------------------------------------------

    @staticmethod
    def _file_body(
        file: FileInput,
        *,
        filename: str | None,
        format: str | None,
        mapping: DocumentInput | None,
        progress: ProgressCallback | None,
        multipart: bool = False,
        fields: Mapping[str, str] | None = None,
    ) -> tuple[Body, str | None]:
        source = FileSource(file, filename)
        media_type = media_type_for(source.filename, format)
        parts = dict(fields or {})
        if mapping is not None:
            parts["mapping"] = document_text(mapping)[0]
        if multipart or parts:
            return multipart_body(source, media_type, parts, progress), source.filename
        return raw_body(source, media_type, progress), source.filename

    def upload(
        self,
        uid: str,
        n: int,
        file: FileInput,
        *,
        filename: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        profile: str | None = None,
        mapping: DocumentInput | None = None,
        idempotency_key: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> UploadResult:
        """Upload observations to a draft, all or nothing.

        ``file`` is a path (streamed from disk in chunks) or bytes. ``profile`` names a saved
        mapping profile; ``mapping`` (a dict or a YAML/JSON file) is sent inline, over it.
        ``progress(sent, total)`` follows the bytes sent (again from 0 on a retry).
        Raises :class:`UploadRejected` (with ``issues`` and ``report_url``) when validation
        finds errors, :class:`PayloadTooLargeError` past the deployment's limits.
        """
        body, name = self._file_body(
            file, filename=filename, format=format, mapping=mapping, progress=progress
        )
        return self._model(
            UploadResult,
            "POST",
            f"{_version_path(uid, n)}/uploads",
            params=_params(
                filename=name, format=format, encoding=encoding, sheet=sheet, profile=profile
            ),
            body=body,
            headers=self._idempotency(idempotency_key),
        )

    def validate(
        self,
        uid: str,
        n: int,
        file: FileInput,
        *,
        filename: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        profile: str | None = None,
        mapping: DocumentInput | None = None,
        progress: ProgressCallback | None = None,
    ) -> ValidationResult:
        """Check a file against a draft exactly as :meth:`upload` would, storing nothing."""
        body, name = self._file_body(
            file, filename=filename, format=format, mapping=mapping, progress=progress
        )
        return self._model(
            ValidationResult,
            "POST",
            f"{_version_path(uid, n)}/validation",
            params=_params(
                filename=name, format=format, encoding=encoding, sheet=sheet, profile=profile
            ),
            body=body,
        )

    def check(
        self,
        file: FileInput,
        metadata: DocumentInput | None = None,
        mapping: DocumentInput | None = None,
        *,
        filename: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        profile: str | None = None,
        progress: ProgressCallback | None = None,
        dataflow: str | None = None,
    ) -> ValidationResult:
        """Check a file, and optionally its metadata, with no dataset at all (``metadata_issues``
        judge the metadata as for submission); against ``dataflow``'s codelists if given."""
        fields = {"metadata": document_text(metadata)[0]} if metadata is not None else {}
        body, name = self._file_body(
            file,
            filename=filename,
            format=format,
            mapping=mapping,
            progress=progress,
            multipart=True,
            fields=fields,
        )
        return self._model(
            ValidationResult,
            "POST",
            f"{API}/validation",
            params=_params(
                filename=name,
                format=format,
                encoding=encoding,
                sheet=sheet,
                profile=profile,
                dataflow=dataflow,
            ),
            body=body,
        )

    def get_upload(self, uid: str, n: int, upload_id: int) -> UploadPublic:
        return self._model(UploadPublic, "GET", f"{_version_path(uid, n)}/uploads/{upload_id}")

    def report(
        self, uid: str, n: int, upload_id: int, limit: int = 1000, offset: int = 0
    ) -> ReportPublic:
        """A page of an upload's validation report."""
        return self._model(
            ReportPublic,
            "GET",
            f"{_version_path(uid, n)}/uploads/{upload_id}/report",
            params={"limit": limit, "offset": offset},
        )

    def report_csv(self, uid: str, n: int, upload_id: int) -> str:
        """An upload's full validation report as CSV text (every issue, one row each)."""
        return self._send("GET", f"{_version_path(uid, n)}/uploads/{upload_id}/report.csv").text

    def download_upload(self, uid: str, n: int, upload_id: int, destination: Path) -> Path:
        """Save the bytes of an upload, exactly as the server received them, to ``destination``."""
        response = self._send(
            "GET", f"{_version_path(uid, n)}/uploads/{upload_id}/file", stream=True
        )
        destination = Path(destination)
        try:
            with destination.open("wb") as handle:
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        finally:
            response.close()
        return destination

    def withdraw_upload(self, uid: str, n: int, upload_id: int) -> UploadPublic:
        """Take an accepted upload's observations out of a draft."""
        # Not retried: a retry after a lost answer would be told the upload is withdrawn already.
        return self._model(
            UploadPublic, "DELETE", f"{_version_path(uid, n)}/uploads/{upload_id}", retry=False
        )

    def observations(
        self, uid: str, n: int, limit: int = 100, offset: int = 0
    ) -> ObservationsPublic:
        """A page of a version's stored observations (``columns`` name the row fields)."""
        return self._model(
            ObservationsPublic,
            "GET",
            f"{_version_path(uid, n)}/observations",
            params={"limit": limit, "offset": offset},
        )

    def iter_observations(
        self, uid: str, n: int, page_size: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Every observation of a version as a dict, fetched a page at a time."""
        offset = 0
        while True:
            page = self.observations(uid, n, limit=page_size, offset=offset)
            for row in page.data:
                yield dict(zip(page.columns, row, strict=True))
            offset += len(page.data)
            if not page.data or offset >= page.total:
                return

    # -- findings ----------------------------------------------------------------------------

    def add_findings(
        self, uid: str, n: int, findings: Sequence[FindingCreate | Mapping[str, Any]]
    ) -> list[FindingPublic]:
        """Add qualitative findings to a draft: all of them, or none if one is invalid."""
        payload = [FindingCreate.model_validate(f).model_dump(mode="json") for f in findings]
        response = self._send(
            "POST", f"{_version_path(uid, n)}/findings", json=payload, retry=False
        )
        return _FINDINGS.validate_python(response.json())

    def list_findings(self, uid: str, n: int) -> list[FindingPublic]:
        return _FINDINGS.validate_python(
            self._send("GET", f"{_version_path(uid, n)}/findings").json()
        )

    def delete_finding(self, uid: str, n: int, position: int) -> None:
        self._send("DELETE", f"{_version_path(uid, n)}/findings/{position}", retry=False)

    # -- mapping profiles, community series, suggestions -------------------------------------

    def list_profiles(self) -> list[MappingProfileSaved]:
        return self._model(MappingProfilesPublic, "GET", f"{API}/mapping-profiles").data

    def get_profile(self, name: str) -> MappingProfileSaved:
        return self._model(MappingProfileSaved, "GET", f"{API}/mapping-profiles/{_segment(name)}")

    def save_profile(self, name: str, profile: DocumentInput) -> MappingProfileSaved:
        """Save (or replace) a mapping profile of your organisation: a dict or a YAML/JSON file."""
        text, media_type = document_text(profile)
        return self._model(
            MappingProfileSaved,
            "PUT",
            f"{API}/mapping-profiles/{_segment(name)}",
            content=text.encode("utf-8"),
            headers={"Content-Type": f"{media_type}; charset=utf-8"},
        )

    def delete_profile(self, name: str) -> None:
        self._send("DELETE", f"{API}/mapping-profiles/{_segment(name)}", retry=False)

    def list_series(self) -> list[CommunitySeriesPublic]:
        """Community series every coalition has defined."""
        return self._model(CommunitySeriesList, "GET", f"{API}/community-series").data

    def define_series(
        self,
        code: str,
        name: str,
        sdg_target: str,
        unit_measure: str,
        sdg_indicators: Sequence[str] = (),
        description: str | None = None,
    ) -> CommunitySeriesPublic:
        """Define a community series (a scorecard item, say) where no global series fits;
        ``code`` starts with your organisation's id."""
        payload = CommunitySeriesCreate(
            code=code,
            name=name,
            sdg_target=sdg_target,
            unit_measure=unit_measure,
            sdg_indicators=list(sdg_indicators),
            description=description,
        )
        return self._model(
            CommunitySeriesPublic,
            "POST",
            f"{API}/community-series",
            json=payload.model_dump(mode="json"),
            retry=False,
        )

    def suggest(self, component: str, value: str, country: str | None = None) -> SuggestionsPublic:
        """How ``value`` resolves for a coded component (SERIES, REF_AREA, SEX…), with ranked
        suggestions."""
        return self._model(
            SuggestionsPublic,
            "GET",
            f"{API}/suggestions",
            params=_params(component=component, value=value, country=country),
        )
