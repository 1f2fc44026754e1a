"""What both SDMX-REST trees share: negotiation, caching headers, SDMX error bodies, assembly
of structure and data answers from the catalogue and the feeds.

SDMX endpoints answer errors as SDMX error messages (SDMX-ML 2.1 on the 1.5 tree, SDMX-JSON or
SDMX-ML 3.0 on the 2.x tree, following Accept), not as problem+json: that is what SDMX clients
parse (pysdmx turns ``mes:Error`` into ``Invalid("code: text")``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from voicescount.api.errors import status_for
from voicescount.config import Settings
from voicescount.errors import InvalidInput, NoResults, NotFound, VoicescountError
from voicescount.publishing import feeds
from voicescount.publishing.catalogue import Catalogue, Selection, resource_types
from voicescount.sdmx import messages
from voicescount.sdmx.data import Header, WriteOptions
from voicescount.sdmx.formats import MediaType, negotiate
from voicescount.sdmx.query import (
    REFERENCES,
    STRUCTURE_DETAILS,
    STRUCTURE_RESOURCES,
    is_semantic,
    values,
)
from voicescount.sdmx.structure_writers import StructureEntry, write_structures
from voicescount.sdmx.structures import ArtefactRecord, Key, short_ref
from voicescount.sdmx.writers import get_data_writer
from voicescount.storage.types import utcnow

logger = logging.getLogger("voicescount")

# Accept-Encoding is added by the GZip middleware whenever it may compress (never twice).
VARY = "Accept, Accept-Language"

#: SDMX-REST ``detail`` for structures → how matched and referenced artefacts are written.
_STUB = {
    "full": (None, None),
    "raw": (None, None),
    "allstubs": ("stub", "stub"),
    "referencestubs": (None, "stub"),
    "allcompletestubs": ("completestub", "completestub"),
    "referencecompletestubs": (None, "completestub"),
    "referencepartial": (None, None),
}


@dataclass(frozen=True)
class Tree:
    """One URL tree: its name and how it writes errors and empty answers."""

    name: str  # "v1" or "v2"
    empty_status: int  # 404 (SDMX-REST 1.5) or 204 (2.x)


V1 = Tree("v1", 404)
V2 = Tree("v2", 204)


def error_response(request: Request, tree: Tree, status: int, text: str) -> Response:
    """An SDMX error message, in the family the client asked for."""
    accept = request.headers.get("accept", "").lower()
    code = messages.sdmx_code(status)
    if "json" in accept or (tree is V2 and "xml" not in accept):
        version = "1.0" if "version=1" in accept else "2.0"
        title = messages.SDMX_TITLES.get(code, "Error")
        body, media = messages.error_json(status, title, text, version), "application/json"
    elif tree is V2 and "version=3" in accept:
        body, media = messages.error_ml30(code, text), "application/xml"
    else:
        body, media = messages.error_ml21(code, text), "application/xml"
    return Response(body, status_code=status, media_type=media, headers={"Vary": VARY})


def answer_errors(request: Request, tree: Tree, exc: VoicescountError) -> Response:
    if isinstance(exc, NoResults):
        if tree.empty_status == 204:
            return Response(status_code=204, headers={"Vary": VARY})
        return error_response(request, tree, 404, f"No results found. {exc.detail}")
    status = status_for(exc)
    if isinstance(exc, InvalidInput) and status == 422:
        # A query SDMX-REST cannot take as written (flowRef, key, parameter value) is a syntax
        # error: 400 with SDMX code 140. Only 2.x has a status for semantic errors (422); 1.5's
        # (403) would read as "not allowed" to clients, so 1.5 answers those with 400 as well.
        status = 422 if tree is V2 and is_semantic(exc) else 400
    if isinstance(exc, NotFound) and status == 404:
        return error_response(request, tree, 404, f"No results found. {exc.detail}")
    return error_response(request, tree, status, exc.detail)


def guarded(request: Request, tree: Tree, produce: Callable[[], Response]) -> Response:
    """Run an endpoint, turning every error into an SDMX error message (never a bare 500)."""
    try:
        return produce()
    except VoicescountError as exc:
        return answer_errors(request, tree, exc)
    except Exception:  # logged like the API's unexpected errors, answered in SDMX
        logger.exception("SDMX endpoint failed: %s", request.url.path)
        return error_response(request, tree, 500, "Internal server error; nothing was changed.")


def not_implemented(request: Request, tree: Tree, what: str) -> Response:
    return error_response(
        request, tree, 501, f"{what} is a standard SDMX-REST endpoint this service does not offer."
    )


# ------------------------------------------------------------------------------------------
# Caching headers


def etag_for(request: Request, media: MediaType, moment: datetime | None) -> str:
    digest = hashlib.sha256(
        "|".join(
            [
                request.url.path,
                str(request.url.query),
                media.content_type,
                moment.isoformat() if moment else "",
            ]
        ).encode()
    ).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(request: Request, etag: str, moment: datetime | None) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
    since = request.headers.get("if-modified-since")
    if since and moment is not None:
        try:
            return moment.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def caching_headers(etag: str, moment: datetime | None) -> dict[str, str]:
    headers = {"ETag": etag, "Vary": VARY}
    if moment is not None:
        headers["Last-Modified"] = format_datetime(moment.astimezone(UTC), usegmt=True)
    return headers


# ------------------------------------------------------------------------------------------
# Structures


def header(settings: Settings, prefix: str = "VC") -> Header:
    now = utcnow()
    return Header(id=f"{prefix}{now:%Y%m%d%H%M%S%f}", prepared=now, sender=settings.agency_id)


def structure_entries(
    catalogue: Catalogue,
    selection: Selection,
    *,
    detail: str,
    item_ids: list[str] | None = None,
) -> list[StructureEntry]:
    matched_stub, referenced_stub = _STUB[detail]
    partial = _partial_codes(catalogue, selection) if detail == "referencepartial" else {}
    entries = []
    for key in selection.matched:
        record = catalogue.record(key)
        items = frozenset(item_ids) if item_ids and record.items else None
        entries.append(StructureEntry(record, stub=matched_stub, partial_items=items))
    for key in selection.referenced:
        record = catalogue.record(key)
        entries.append(StructureEntry(record, stub=referenced_stub, partial_items=partial.get(key)))
    return entries


def _partial_codes(catalogue: Catalogue, selection: Selection) -> dict[Key, frozenset[str]]:
    """For ``referencepartial`` on one of our flows: codelists cut to the codes its data uses."""
    used: dict[str, set[str]] = {}
    for key in selection.matched:
        if key[0] == "dataflow":
            for dimension, codes in (catalogue.used_codes(key) or {}).items():
                used.setdefault(dimension, set()).update(codes)
    if not used:
        return {}
    partial: dict[Key, frozenset[str]] = {}
    dsds = [k for k in selection.referenced if k[0] == "datastructure"]
    for dsd in dsds:
        for component in catalogue.record(dsd).components:
            if component.codelist and component.id in used:
                for key in selection.referenced:
                    if key[0] == "codelist" and short_ref(*key[1:]) == component.codelist:
                        partial[key] = frozenset(used[component.id]) | partial.get(key, frozenset())
    return partial


def structure_response(
    request: Request,
    session: Session,
    settings: Settings,
    offered: tuple[MediaType, ...],
    *,
    resource: str,
    agency: str | None,
    artefact_id: str | None,
    version: str | None,
    item_id: str | None,
    detail: str,
    references: str,
) -> Response:
    media = negotiate(
        request.headers.get("accept"), offered, format_param=request.query_params.get("format")
    )
    detail = (detail or "full").strip().lower()
    references = (references or "none").strip().lower()
    if detail not in STRUCTURE_DETAILS:
        raise InvalidInput(
            f"detail={detail} is not a structure detail; use one of {sorted(STRUCTURE_DETAILS)}."
        )
    if resource.strip().lower() not in STRUCTURE_RESOURCES:
        raise NotFound(
            "SDMX-REST resource", resource, f"{resource!r} is not an SDMX-REST structure resource."
        )
    catalogue = Catalogue(session, settings.agency_id)
    if references not in REFERENCES:
        resource_types(references)  # a type name: raises if it is not one
    matched = catalogue.find(resource, agency, artefact_id, version)
    item_ids = values(item_id)
    if item_ids:
        # An itemID query answers the schemes holding at least one of the items (SDMX-REST 1.5
        # §4.3); none is no result, not an empty partial scheme.
        matched = [key for key in matched if _holds_any(catalogue.record(key), item_ids)]
    if not matched:
        raise NotFound(
            resource,
            f"{agency or 'all'}/{artefact_id or 'all'}/{version or 'latest'}"
            + (f"/{item_id}" if item_ids else ""),
        )
    moment = catalogue.last_modified()
    etag = etag_for(request, media, moment)
    if not_modified(request, etag, moment):
        return Response(status_code=304, headers=caching_headers(etag, moment))
    selection = catalogue.resolve(matched, references)
    entries = structure_entries(catalogue, selection, detail=detail, item_ids=item_ids)
    body = write_structures(entries, header(settings), media)
    return Response(body, media_type=media.content_type, headers=caching_headers(etag, moment))


def _holds_any(record: ArtefactRecord, item_ids: list[str]) -> bool:
    """Whether an item scheme has one of ``item_ids`` (nested ones may be given by path)."""
    held = {item.id for item in record.items}
    return any(item.split(".")[-1] in held for item in item_ids)


# ------------------------------------------------------------------------------------------
# Data


#: Answers of at most this many observations are written before they are sent, not streamed.
SMALL_ANSWER = 1_000


def data_response(
    request: Request,
    session: Session,
    settings: Settings,
    media: MediaType,
    query: feeds.DataQuery,
    options: WriteOptions,
) -> Response:
    fresh = feeds.freshness(session)
    moment = fresh.moment
    etag = etag_for(request, media, moment)
    if not_modified(request, etag, moment):
        return Response(status_code=304, headers=caching_headers(etag, moment))
    answer = feeds.answer(
        session,
        query,
        agency=settings.agency_id,
        base_url=settings.base_url,
        max_observations=settings.max_data_observations,
        sender=settings.agency_id,
        blocks=True,
        fresh=fresh,
    )
    # Names are written by SDMX-JSON and by SDMX-CSV with labels=both only; looking them up
    # reads every codelist of the structure.
    if options.names is None and (media.is_json or (media.is_csv and options.labels == "both")):
        options = WriteOptions(
            detail=options.detail,
            labels=options.labels,
            names=feeds.name_lookup(
                session, feeds.resolve_flow(session, query, settings.agency_id)
            ),
            language=options.language,
        )
    writer = get_data_writer(media)
    chunks: Iterator[bytes] = writer(answer.header, answer.structure, answer.datasets, options)
    if answer.observations <= SMALL_ANSWER:
        # Written at once: a streamed body costs a hop to the thread pool per chunk (and one
        # more to find the end), more than writing a few observations does.
        return Response(
            b"".join(chunks), media_type=media.content_type, headers=caching_headers(etag, moment)
        )
    return StreamingResponse(
        chunks, media_type=media.content_type, headers=caching_headers(etag, moment)
    )


def labels_of(media: MediaType) -> str:
    return dict(media.extra).get("labels", "id")


#: ``references`` an availability query takes, and the artefact types each brings.
AVAILABILITY_REFERENCES = {
    "none": (),
    "all": ("codelist", "conceptscheme", "datastructure", "dataflow", "dataproviderscheme"),
    "codelist": ("codelist",),
    "conceptscheme": ("conceptscheme",),
    "datastructure": ("datastructure",),
    "dataflow": ("dataflow",),
    "dataproviderscheme": ("dataproviderscheme",),
}


def availability_response(
    request: Request,
    session: Session,
    settings: Settings,
    media: MediaType,
    record: ArtefactRecord,
    references: str,
) -> Response:
    """The actual constraint, with the artefacts ``references`` asks for (codelists cut to the
    available codes, as SDMX-REST 1.5 §4.6.1 describes)."""
    wanted = AVAILABILITY_REFERENCES.get((references or "none").strip().lower())
    if wanted is None:
        raise InvalidInput(
            f"references={references} is not offered for availability; use one of "
            f"{', '.join(AVAILABILITY_REFERENCES)}."
        )
    entries = [StructureEntry(record)]
    if wanted:
        catalogue = Catalogue(session, settings.agency_id)
        flow_ref = record.details["attachment"][0]["ref"]
        flow_keys = [
            k for k in catalogue.all_keys() if k[0] == "dataflow" and short_ref(*k[1:]) == flow_ref
        ]
        selection = catalogue.resolve(flow_keys, "descendants")
        members = record.details["cube_regions"][0]["members"]
        extra = [*flow_keys, *selection.referenced]
        if "dataproviderscheme" in wanted:
            extra += [
                k
                for k in catalogue.all_keys()
                if k[0] == "dataproviderscheme" and k[1] == settings.agency_id
            ]
        codes = _codelist_codes(catalogue, selection, members)
        for key in extra:
            if key[0] in wanted:
                entries.append(StructureEntry(catalogue.record(key), partial_items=codes.get(key)))
    body = write_structures(entries, header(settings), media)
    return Response(body, media_type=media.content_type, headers={"Vary": VARY})


def _codelist_codes(
    catalogue: Catalogue, selection: Selection, members: dict[str, dict]
) -> dict[Key, frozenset[str]]:
    codes: dict[Key, frozenset[str]] = {}
    for dsd in (k for k in selection.referenced if k[0] == "datastructure"):
        for component in catalogue.record(dsd).components:
            if component.codelist and component.id in members:
                for key in selection.referenced:
                    if key[0] == "codelist" and short_ref(*key[1:]) == component.codelist:
                        codes[key] = frozenset(members[component.id]["values"])
    return codes
