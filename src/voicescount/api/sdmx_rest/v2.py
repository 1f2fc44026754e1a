"""SDMX-REST 2.x (SDMX 3.0) under ``/sdmx/v2``: structure, data, availability; 501 for the rest.

Defaults follow the spec: SDMX-JSON 2.0 for data and structures; ``text/csv`` means SDMX-CSV
2.0; no results is 204. ``,`` separates values and ``*`` is the wildcard (``+`` is accepted in
keys too, as sdmx1 sends it); ``c[...]`` filters components, ``attributes``/``measures``
replace ``detail``.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from voicescount.api.deps import SessionDep, SettingsDep
from voicescount.api.sdmx_rest import common
from voicescount.api.sdmx_rest.common import V2
from voicescount.errors import InvalidInput, NotFound, NotImplementedFeature
from voicescount.publishing import availability, feeds
from voicescount.registry import voices
from voicescount.sdmx import formats, query
from voicescount.sdmx.data import WriteOptions

router = APIRouter(prefix="/sdmx/v2", tags=["sdmx-rest-2"])

CONTEXTS = frozenset({"dataflow", "datastructure", "provisionagreement", "*"})


def _flow_from_context(
    context: str, agency: str | None, resource_id: str | None
) -> tuple[str | None, str, frozenset[str] | None]:
    """(flow agency, flow id, providers) for a data or availability context."""
    context = context.strip().lower()
    if context not in CONTEXTS:
        raise InvalidInput(f"context must be one of {sorted(CONTEXTS)}, not {context!r}.")
    if resource_id is None or resource_id in ("*", ""):
        raise NotImplementedFeature(
            "Data across every structure at once is not offered; name a dataflow "
            "(/data/dataflow/AGENCY/ID/VERSION/KEY)."
        )
    if context == "datastructure":
        raise NotImplementedFeature(
            "The datastructure context is not offered; query a dataflow of the structure."
        )
    agency = None if agency in (None, "*", "all") else agency
    if context == "provisionagreement":
        # Our provision agreements are named PROVIDER_FLOW (see the catalogue).
        for flow_id in sorted(_flow_ids(), key=len, reverse=True):
            suffix = f"_{flow_id}"
            if resource_id.endswith(suffix):
                return agency, flow_id, frozenset({resource_id[: -len(suffix)]})
        raise NotFound("provisionagreement", resource_id)
    return agency, resource_id, None


def _flow_ids() -> list[str]:
    return [voices.FLOW_ID, *(voices.goal_flow(str(goal)) for goal in range(1, 18))]


def _query(
    request: Request,
    context: str,
    agency: str | None,
    resource_id: str | None,
    version: str | None,
    key: str | None,
    dimensions: int | None = None,
) -> tuple[feeds.DataQuery, dict[str, frozenset[str]]]:
    params = request.query_params
    flow_agency, flow_id, providers = _flow_from_context(context, agency, resource_id)
    components = query.parse_components(dict(params))
    parsed_key = query.parse_key(key, dimensions)
    return feeds.DataQuery(
        flow_agency=flow_agency,
        flow_id=flow_id,
        flow_version=None if query.is_latest(version) or version == "*" else version,
        key=parsed_key,
        providers=providers,
        start_period=components.start_period,
        end_period=components.end_period,
        updated_after=query.parse_datetime(params.get("updatedAfter"), "updatedAfter"),
        first_n=query.parse_positive(params.get("firstNObservations"), "firstNObservations"),
        last_n=query.parse_positive(params.get("lastNObservations"), "lastNObservations"),
        dimension_at_observation=query.parse_dimension_at_observation(
            params.get("dimensionAtObservation")
        ),
        include_history=query.parse_bool(params.get("includeHistory"), "includeHistory"),
        as_of=query.parse_datetime(params.get("asOf"), "asOf"),
    ), components.key


def _with_components(
    session: SessionDep,
    settings: SettingsDep,
    data_query: feeds.DataQuery,
    chosen: dict[str, frozenset[str]],
) -> feeds.DataQuery:
    """``c[DIM]=…`` narrows the key position of DIM (and combines with a key in the path)."""
    if not chosen:
        return data_query
    flow = feeds.resolve_flow(session, data_query, settings.agency_id)
    structure = feeds.data_structure(session, flow)
    dimensions = structure.dimensions
    key = list(data_query.key or tuple(None for _ in dimensions))
    for component, codes in chosen.items():
        known = (
            *dimensions,
            structure.measure,
            *structure.dataset_attributes,
            *structure.series_attributes,
            *structure.observation_attributes,
        )
        if component not in known:
            raise query.semantic_error(
                f"c[{component}]: {flow.artefact_id} has no component {component}."
            )
        if component not in dimensions:
            raise NotImplementedFeature(
                f"c[{component}] filters a component that is not a series-key dimension; "
                "only dimensions and the time period can be filtered."
            )
        position = dimensions.index(component)
        key[position] = codes if key[position] is None else key[position] & codes
    return replace(data_query, key=tuple(key))


def _data(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str | None = None,
    resource_id: str | None = None,
    version: str | None = None,
    key: str | None = None,
) -> Response:
    def produce() -> Response:
        params = request.query_params
        media = formats.negotiate(
            request.headers.get("accept"),
            formats.DATA_V2,
            csv_alias=formats.DATA_CSV_20,
            format_param=params.get("format"),
        )
        data_query, chosen = _query(request, context, agency, resource_id, version, key, 15)
        data_query = _with_components(session, settings, data_query, chosen)
        options = WriteOptions(
            detail=query.detail_from_v2(params.get("attributes"), params.get("measures")),
            labels=common.labels_of(media),
        )
        return common.data_response(request, session, settings, media, data_query, options)

    return common.guarded(request, V2, produce)


DATA_SUMMARY = "Data (SDMX-REST 2.x): /data/{context}/{agencyID}/{resourceID}/{version}/{key}"


@router.get("/data/{context}", summary=DATA_SUMMARY)
def data_context(
    request: Request, session: SessionDep, settings: SettingsDep, context: str
) -> Response:
    return _data(request, session, settings, context)


@router.get("/data/{context}/{agency}", summary=DATA_SUMMARY)
def data_agency(
    request: Request, session: SessionDep, settings: SettingsDep, context: str, agency: str
) -> Response:
    return _data(request, session, settings, context, agency)


@router.get("/data/{context}/{agency}/{resource_id}", summary=DATA_SUMMARY)
def data_resource(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
) -> Response:
    return _data(request, session, settings, context, agency, resource_id)


@router.get("/data/{context}/{agency}/{resource_id}/{version}", summary=DATA_SUMMARY)
def data_version(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
) -> Response:
    return _data(request, session, settings, context, agency, resource_id, version)


@router.get("/data/{context}/{agency}/{resource_id}/{version}/{key}", summary=DATA_SUMMARY)
def data_key(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
) -> Response:
    return _data(request, session, settings, context, agency, resource_id, version, key)


def _availability(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str | None = None,
    component_id: str | None = None,
) -> Response:
    def produce() -> Response:
        params = request.query_params
        media = formats.negotiate(
            request.headers.get("accept"), formats.STRUCTURE_V2, format_param=params.get("format")
        )
        data_query, chosen = _query(request, context, agency, resource_id, version, key, 15)
        data_query = _with_components(session, settings, data_query, chosen)
        record = availability.available(
            session,
            data_query,
            agency=settings.agency_id,
            base_url=settings.base_url,
            mode=params.get("mode", "exact"),
            component=component_id,
        )
        return common.availability_response(
            request, session, settings, media, record, params.get("references", "none")
        )

    return common.guarded(request, V2, produce)


AVAILABILITY_SUMMARY = (
    "Availability: /availability/{context}/{agencyID}/{resourceID}/{version}/{key}/{componentID}"
)


@router.get(
    "/availability/{context}/{agency}/{resource_id}/{version}", summary=AVAILABILITY_SUMMARY
)
def availability_version(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
) -> Response:
    return _availability(request, session, settings, context, agency, resource_id, version)


@router.get(
    "/availability/{context}/{agency}/{resource_id}/{version}/{key}", summary=AVAILABILITY_SUMMARY
)
def availability_key(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
) -> Response:
    return _availability(request, session, settings, context, agency, resource_id, version, key)


@router.get(
    "/availability/{context}/{agency}/{resource_id}/{version}/{key}/{component_id}",
    summary=AVAILABILITY_SUMMARY,
)
def availability_component(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    context: str,
    agency: str,
    resource_id: str,
    version: str,
    key: str,
    component_id: str,
) -> Response:
    return _availability(
        request, session, settings, context, agency, resource_id, version, key, component_id
    )


def _structure(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    structure_type: str,
    agency: str | None = None,
    artefact_id: str | None = None,
    version: str | None = None,
    item_id: str | None = None,
) -> Response:
    def produce() -> Response:
        params = request.query_params
        return common.structure_response(
            request,
            session,
            settings,
            formats.STRUCTURE_V2,
            resource=structure_type,
            agency=agency,
            artefact_id=artefact_id,
            version=version,
            item_id=item_id,
            detail=params.get("detail", "full"),
            references=params.get("references", "none"),
        )

    return common.guarded(request, V2, produce)


STRUCTURE_SUMMARY = (
    "Structures (SDMX-REST 2.x): /structure/{type}/{agencyID}/{resourceID}/{version}/{itemID}"
)


@router.get("/structure/{structure_type}", summary=STRUCTURE_SUMMARY)
def structures(
    request: Request, session: SessionDep, settings: SettingsDep, structure_type: str
) -> Response:
    return _structure(request, session, settings, structure_type)


@router.get("/structure/{structure_type}/{agency}", summary=STRUCTURE_SUMMARY)
def structures_agency(
    request: Request, session: SessionDep, settings: SettingsDep, structure_type: str, agency: str
) -> Response:
    return _structure(request, session, settings, structure_type, agency)


@router.get("/structure/{structure_type}/{agency}/{artefact_id}", summary=STRUCTURE_SUMMARY)
def structures_id(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    structure_type: str,
    agency: str,
    artefact_id: str,
) -> Response:
    return _structure(request, session, settings, structure_type, agency, artefact_id)


@router.get(
    "/structure/{structure_type}/{agency}/{artefact_id}/{version}", summary=STRUCTURE_SUMMARY
)
def structures_version(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    structure_type: str,
    agency: str,
    artefact_id: str,
    version: str,
) -> Response:
    return _structure(request, session, settings, structure_type, agency, artefact_id, version)


@router.get(
    "/structure/{structure_type}/{agency}/{artefact_id}/{version}/{item_id}",
    summary=STRUCTURE_SUMMARY,
)
def structures_item(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    structure_type: str,
    agency: str,
    artefact_id: str,
    version: str,
    item_id: str,
) -> Response:
    return _structure(
        request, session, settings, structure_type, agency, artefact_id, version, item_id
    )


@router.api_route(
    "/{endpoint}/{path:path}",
    methods=["GET", "POST", "PUT", "DELETE"],
    summary="Other standard endpoints (schema, metadata, registration): 501",
    # A catch-all answering 501/404, not an operation; in OpenAPI its four methods would
    # share one operation id.
    include_in_schema=False,
)
def other(request: Request, endpoint: str, path: str) -> Response:
    if path.endswith("/") and request.method == "GET":
        # pysdmx ends every query without parameters with "/" (structure/codelist/A/CL_X/);
        # this route would swallow it before Starlette's trailing-slash redirect, so redirect here.
        query_string = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(request.url.path.rstrip("/") + query_string, status_code=307)
    if endpoint.lower() in ("schema", "metadata", "registration"):
        return common.not_implemented(request, V2, f"The {endpoint} query")
    return common.error_response(request, V2, 404, f"No SDMX-REST endpoint /{endpoint}.")
