"""A typed Python client of the voicescount intake API (on httpx).

::

    from pathlib import Path
    from voicescount.client import Client, UploadRejected

    with Client("http://127.0.0.1:8000", api_key="vck_…") as client:
        draft = client.create_dataset("Child marriage in Mombasa")
        client.set_metadata(draft.dataset, draft.number, Path("methodology.yaml"))
        try:
            client.upload(draft.dataset, draft.number, Path("households.csv"))
        except UploadRejected as rejected:
            for issue in rejected.issues:
                print(issue.row, issue.column, issue.message, issue.suggestions)
        else:
            print(client.submit(draft.dataset, draft.number).content_hash)

Answers are the API's own pydantic models (``voicescount.api.schemas``), re-exported here.
Importing this package loads neither FastAPI, Starlette, SQLAlchemy nor SQLModel.

Errors (one tree; every HTTP error carries ``status`` and the RFC 9457 ``problem`` document)::

    ClientError                      base of everything the client raises on purpose
    ├── TransportError               the server could not be reached / the connection failed
    └── ApiError                     the server answered with an error (status, problem, code,
        │                            detail, errors; issues, report_url, upload_id for uploads)
        ├── AuthenticationError      401  no key, or a malformed, unknown or revoked key
        ├── PermissionDeniedError    403  the key's role or organisation may not do this
        ├── NotFoundError            404  no such thing, or not visible to you
        ├── ConflictError            409  a submitted (frozen) version, a request still running…
        ├── ValidationError          422  content is wrong; errors names each field
        │   └── UploadRejected       422  the file failed validation: issues by row and column
        │                                 with suggestions, report_url for the full CSV report
        ├── PayloadTooLargeError     413  more bytes or rows than the deployment accepts
        └── ServerError              5xx  a failure on the server; nothing was stored

Retries: reads, ``PUT``, dry runs and the three ``Idempotency-Key`` calls (``create_dataset``,
``upload``, ``submit``) are retried once after a connection failure or a 5xx answer. Those three
send a new UUID key per call (or the ``idempotency_key`` given) and reuse it on their retries, so
the server carries each call out at most once.
"""

from voicescount.api.schemas.access import WhoAmI
from voicescount.api.schemas.intake import (
    CommunitySeriesPublic,
    DatasetPublic,
    FindingCreate,
    FindingPublic,
    IssuePublic,
    MappingProfileSaved,
    MetadataIssuePublic,
    ObservationsPublic,
    ReportPublic,
    SuggestionsPublic,
    UploadPublic,
    UploadResult,
    ValidationResult,
    VersionPublic,
    VersionSummary,
)
from voicescount.client._client import (
    API_KEY_ENV,
    DEFAULT_SERVER,
    DEFAULT_TIMEOUT,
    SERVER_ENV,
    Client,
)
from voicescount.client._content import (
    FORMAT_MEDIA_TYPES,
    DocumentInput,
    FileInput,
    ProgressCallback,
)
from voicescount.client._errors import (
    ApiError,
    AuthenticationError,
    ClientError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ServerError,
    TransportError,
    UploadRejected,
    ValidationError,
)

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_SERVER",
    "DEFAULT_TIMEOUT",
    "FORMAT_MEDIA_TYPES",
    "SERVER_ENV",
    "ApiError",
    "AuthenticationError",
    "Client",
    "ClientError",
    "CommunitySeriesPublic",
    "ConflictError",
    "DatasetPublic",
    "DocumentInput",
    "FileInput",
    "FindingCreate",
    "FindingPublic",
    "IssuePublic",
    "MappingProfileSaved",
    "MetadataIssuePublic",
    "NotFoundError",
    "ObservationsPublic",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ProgressCallback",
    "ReportPublic",
    "ServerError",
    "SuggestionsPublic",
    "TransportError",
    "UploadPublic",
    "UploadRejected",
    "UploadResult",
    "ValidationError",
    "ValidationResult",
    "VersionPublic",
    "VersionSummary",
    "WhoAmI",
]

# Errors and models say they belong here, as httpx does, so tracebacks and reprs name the
# public path (voicescount.client.UploadRejected) rather than a private module.
for _name in __all__:
    _member = globals()[_name]
    if isinstance(_member, type) and _member.__module__.startswith("voicescount.client."):
        _member.__module__ = "voicescount.client"
del _name, _member
