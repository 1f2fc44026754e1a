"""Citations: of a release, in every common format, and of an SDMX data query, pinned to the
releases it returns. Public, like the releases and the data they cite."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request as StarletteRequest

from voicescount.api.deps import SessionDep, SettingsDep
from voicescount.api.sdmx_rest import v1 as sdmx_v1
from voicescount.api.sdmx_rest import v2 as sdmx_v2
from voicescount.config import Settings
from voicescount.errors import InvalidInput, NotAcceptable
from voicescount.provenance import citation
from voicescount.publishing import citing, feeds

router = APIRouter(tags=["citations"])

#: Format name → media type of the answer.
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "apa": "text/plain; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "csl": "application/vnd.citationstyles.csl+json",
    "datacite-xml": "application/vnd.datacite.datacite+xml",
    "datacite-json": "application/vnd.datacite.datacite+json",
    "json": "application/json",
}
#: Media types a client may ask for (DOI content negotiation's names) → format.
ACCEPTED = {
    "text/x-bibliography": "text",
    "text/plain": "text",
    "application/x-bibtex": "bibtex",
    "application/x-research-info-systems": "ris",
    "application/vnd.citationstyles.csl+json": "csl",
    "application/vnd.datacite.datacite+xml": "datacite-xml",
    "application/xml": "datacite-xml",
    "text/xml": "datacite-xml",
    "application/vnd.datacite.datacite+json": "datacite-json",
    "application/json": "json",
}
RELEASE_FORMATS = ("text", "apa", "bibtex", "ris", "csl", "datacite-xml", "datacite-json", "json")
QUERY_FORMATS = ("json", "text", "bibtex", "ris", "csl")
SUFFIXES = {"bibtex": ".bib", "ris": ".ris", "datacite-xml": ".xml"}


@dataclass(frozen=True)
class Choice:
    format: str
    media_type: str


def _accept(header: str) -> list[tuple[str, dict[str, str]]]:
    """Media ranges of an Accept header, best first (q, then order)."""
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";") if p.strip()]
        if not pieces:
            continue
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            ranges.append((-q, order, pieces[0].lower(), params))
    return [(media, params) for _, _, media, params in sorted(ranges)]


def negotiate(request: Request, fmt: str | None, offered: tuple[str, ...], default: str) -> Choice:
    """``format=`` wins over Accept; ``text/x-bibliography; style=apa`` asks for APA."""
    if fmt:
        chosen = fmt.strip().lower()
        if chosen not in offered:
            raise _refusal(offered, f"format={fmt}")
        return Choice(chosen, MEDIA_TYPES[chosen])
    header = request.headers.get("accept", "")
    if not header.strip():
        return Choice(default, MEDIA_TYPES[default])
    for media, params in _accept(header):
        if media.endswith("/*"):
            # A wildcard takes the default, or else the first offered format of that type.
            kind = media[:-1]
            fits = [
                f for f in (default, *offered) if media == "*/*" or MEDIA_TYPES[f].startswith(kind)
            ]
            if fits:
                return Choice(fits[0], MEDIA_TYPES[fits[0]])
            continue
        chosen = ACCEPTED.get(media)
        if chosen == "text" and params.get("style", "").lower() == "apa" and "apa" in offered:
            chosen = "apa"
        if chosen in offered:
            answer = MEDIA_TYPES[chosen]
            if media == "text/x-bibliography":
                answer = "text/x-bibliography; charset=utf-8"
            return Choice(chosen, answer)
    raise _refusal(offered, header)


def _refusal(offered: tuple[str, ...], asked: str) -> NotAcceptable:
    return NotAcceptable(
        f"Cannot answer with {asked!r}; ask for one of the formats listed.",
        errors=[{"format": f, "media_type": MEDIA_TYPES[f]} for f in offered],
    )


def _response(body: str, choice: Choice, filename: str) -> Response:
    headers = {"Vary": "Accept"}
    suffix = SUFFIXES.get(choice.format)
    if suffix:
        headers["Content-Disposition"] = f'inline; filename="{filename}{suffix}"'
    return Response(body.encode("utf-8"), media_type=choice.media_type, headers=headers)


FORMAT_HELP = (
    "text (DataCite form), apa, bibtex, ris, csl, datacite-xml, datacite-json or json "
    "(all at once); overrides the Accept header"
)


@router.get(
    "/releases/{release_id}/citation",
    summary="Cite a release: DataCite text, APA, BibTeX, RIS, CSL-JSON, DataCite XML/JSON",
    response_class=Response,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
def release_citation(
    release_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[str | None, Query(description=FORMAT_HELP)] = None,
) -> Response:
    choice = negotiate(request, format, RELEASE_FORMATS, "text")
    record = citing.cite_release(
        session, release_id, base_url=settings.base_url, agency=settings.agency_id
    )
    if choice.format == "json":
        body = json.dumps(citation.everything(record), ensure_ascii=False, indent=2)
    else:
        body = citation.render(record, choice.format)
    return _response(body, choice, record.key)


# ------------------------------------------------------------------------------------------
# Data queries


class QueryCitationRequest(BaseModel):
    url: str = Field(
        description="An SDMX-REST data URL of this service (/sdmx/v1/data/… or /sdmx/v2/data/…)",
        max_length=20_000,
    )


V1_DATA = "/sdmx/v1/data/"
V2_DATA = "/sdmx/v2/data/"


def _local_path(url: str, bases: list[str]) -> tuple[str, str, str]:
    """(absolute URL, path from /sdmx on, query string) of a data URL of this service."""
    parts = urlsplit(url.strip())
    path = parts.path
    absolute = url.strip()
    if parts.scheme or parts.netloc:
        for base in bases:
            root = urlsplit(base)
            prefix = root.path.rstrip("/")
            same = (parts.scheme, parts.netloc.lower()) == (root.scheme, root.netloc.lower())
            if same and path.startswith(prefix + "/sdmx/"):
                path = path[len(prefix) :]
                break
        else:
            raise InvalidInput(
                f"{url!r} is not a data URL of this service; cite a URL under "
                f"{bases[0].rstrip('/')}/sdmx/v1/data/ or /sdmx/v2/data/.",
                errors=[{"field": "url", "message": "not a data URL of this service"}],
            )
    else:
        # A path alone: from /sdmx on, or with the deployment's own path prefix in front.
        prefix = urlsplit(bases[0]).path.rstrip("/")
        if prefix and path.startswith(prefix + "/sdmx/"):
            path = path[len(prefix) :]
        absolute = bases[0].rstrip("/") + path + (f"?{parts.query}" if parts.query else "")
    if not (path.startswith(V1_DATA) or path.startswith(V2_DATA)):
        raise InvalidInput(
            "Only SDMX-REST data queries are cited here: /sdmx/v1/data/{flowRef}/{key}/"
            "{providerRef} or /sdmx/v2/data/{context}/{agency}/{id}/{version}/{key}.",
            errors=[{"field": "url", "message": "not a data query"}],
        )
    return absolute, path, parts.query


def _segments(rest: str, most: int, tree: str) -> list[str]:
    segments = [unquote(s) for s in rest.rstrip("/").split("/")]
    if not segments or not segments[0] or len(segments) > most or "" in segments:
        raise InvalidInput(
            f"Not an SDMX-REST {tree} data path: {rest!r}.",
            errors=[{"field": "url", "message": "malformed data path"}],
        )
    return segments


def _v1_query(segments: list[str], params: QueryParams) -> feeds.DataQuery:
    flow_ref, key, provider_ref = [*segments, None, None][:3]
    assert flow_ref is not None
    return sdmx_v1.parse_data_query(flow_ref, key, provider_ref, params)


def _v2_query(
    segments: list[str], query_string: str, session: Session, settings: Settings
) -> feeds.DataQuery:
    # The 2.x tree's own parsing, fed the cited URL's query string.
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": query_string.encode()}
    context, agency, resource_id, version, key = [*segments, None, None, None, None][:5]
    assert context is not None
    data_query, chosen = sdmx_v2._query(
        StarletteRequest(scope), context, agency, resource_id, version, key, 15
    )
    return sdmx_v2._with_components(session, settings, data_query, chosen)


def data_query(
    url: str, request: Request, session: Session, settings: Settings
) -> tuple[str, feeds.DataQuery]:
    """The absolute URL and the data query a cited SDMX-REST data URL asks."""
    bases = [settings.base_url, str(request.base_url)]
    absolute, path, query_string = _local_path(url, bases)
    if path.startswith(V1_DATA):
        segments = _segments(path[len(V1_DATA) :], 3, "1.5")
        return absolute, _v1_query(segments, QueryParams(query_string))
    segments = _segments(path[len(V2_DATA) :], 5, "2.x")
    return absolute, _v2_query(segments, query_string, session, settings)


def _cite_query(
    url: str, fmt: str | None, request: Request, session: Session, settings: Settings
) -> Response:
    choice = negotiate(request, fmt, QUERY_FORMATS, "json")
    absolute, parsed = data_query(url, request, session, settings)
    cited = citing.cite_query(
        session,
        parsed,
        url=absolute,
        agency=settings.agency_id,
        base_url=settings.base_url,
        max_observations=settings.max_data_observations,
    )
    body = citation.QUERY_RENDERERS[choice.format](cited)
    return _response(body, choice, "query")


QUERY_SUMMARY = "Cite an SDMX data query: the releases it returns, and a URL pinned with asOf"
QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPES[f].split(";")[0]: {} for f in QUERY_FORMATS}}
}


@router.get(
    "/citations/query", summary=QUERY_SUMMARY, response_class=Response, responses=QUERY_RESPONSES
)
def cite_query(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    url: Annotated[str, Query(description="An SDMX-REST data URL of this service")],
    format: Annotated[
        str | None, Query(description="json (default), text, bibtex, ris or csl")
    ] = None,
) -> Response:
    return _cite_query(url, format, request, session, settings)


@router.post(
    "/citations/query",
    summary=QUERY_SUMMARY + " (the URL in the body, for long keys)",
    response_class=Response,
    responses=QUERY_RESPONSES,
)
def cite_query_post(
    body: QueryCitationRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[
        str | None, Query(description="json (default), text, bibtex, ris or csl")
    ] = None,
) -> Response:
    return _cite_query(body.url, format, request, session, settings)
