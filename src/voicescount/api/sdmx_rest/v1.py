"""SDMX-REST 1.5 (SDMX 2.1) under ``/sdmx/v1``: structures, data, availability; 501 for the rest.

Defaults follow the spec: GenericData 2.1 for data (sdmx1 reads it without a DSD), Structure 2.1
for structures and availability; ``text/csv`` means SDMX-CSV 1.0; no results is 404 with SDMX
error code 100.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from voicescount.api.deps import SessionDep, SettingsDep
from voicescount.api.sdmx_rest import common
from voicescount.api.sdmx_rest.common import V1
from voicescount.publishing import availability, feeds
from voicescount.sdmx import formats, query
from voicescount.sdmx.data import WriteOptions

router = APIRouter(prefix="/sdmx/v1", tags=["sdmx-rest-1.5"])

DATA_SUMMARY = "Data of a dataflow (SDMX-REST 1.5): /data/{flowRef}/{key}/{providerRef}"


def _data(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    flow_ref: str,
    key: str | None,
    provider_ref: str | None,
) -> Response:
    def produce() -> Response:
        params = request.query_params
        media = formats.negotiate(
            request.headers.get("accept"),
            formats.DATA_V1,
            csv_alias=formats.DATA_CSV_10,
            format_param=params.get("format"),
        )
        data_query = parse_data_query(flow_ref, key, provider_ref, params)
        options = WriteOptions(
            detail=query.parse_detail(params.get("detail")), labels=common.labels_of(media)
        )
        return common.data_response(request, session, settings, media, data_query, options)

    return common.guarded(request, V1, produce)


@router.get("/data/{flow_ref}", summary=DATA_SUMMARY)
def data_flow(
    request: Request, session: SessionDep, settings: SettingsDep, flow_ref: str
) -> Response:
    return _data(request, session, settings, flow_ref, None, None)


@router.get("/data/{flow_ref}/{key}", summary=DATA_SUMMARY)
def data_key(
    request: Request, session: SessionDep, settings: SettingsDep, flow_ref: str, key: str
) -> Response:
    return _data(request, session, settings, flow_ref, key, None)


def parse_data_query(
    flow_ref: str, key: str | None, provider_ref: str | None, params: Mapping[str, str]
) -> feeds.DataQuery:
    """The data query a 1.5 data path and its parameters ask (also used to cite such a URL)."""
    flow = query.parse_flow_ref(flow_ref)
    return feeds.DataQuery(
        flow_agency=flow.agency,
        flow_id=flow.id,
        flow_version=flow.version,
        key=query.parse_key(key),
        providers=query.parse_providers(provider_ref),
        start_period=params.get("startPeriod"),
        end_period=params.get("endPeriod"),
        updated_after=query.parse_datetime(params.get("updatedAfter"), "updatedAfter"),
        first_n=query.parse_positive(params.get("firstNObservations"), "firstNObservations"),
        last_n=query.parse_positive(params.get("lastNObservations"), "lastNObservations"),
        dimension_at_observation=query.parse_dimension_at_observation(
            params.get("dimensionAtObservation")
        ),
        include_history=query.parse_bool(params.get("includeHistory"), "includeHistory"),
        as_of=query.parse_datetime(params.get("asOf"), "asOf"),
    )


@router.get("/data/{flow_ref}/{key}/{provider_ref}", summary=DATA_SUMMARY)
def data_provider(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    flow_ref: str,
    key: str,
    provider_ref: str,
) -> Response:
    return _data(request, session, settings, flow_ref, key, provider_ref)


def _availability(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    flow_ref: str,
    key: str | None = None,
    provider_ref: str | None = None,
    component_id: str | None = None,
) -> Response:
    def produce() -> Response:
        params = request.query_params
        media = formats.negotiate(
            request.headers.get("accept"), formats.STRUCTURE_V1, format_param=params.get("format")
        )
        # The same query as a data query of the path; availability reads its key, providers,
        # periods and updatedAfter.
        data_query = parse_data_query(flow_ref, key, provider_ref, params)
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

    return common.guarded(request, V1, produce)


AVAILABILITY_SUMMARY = "Data availability: an actual content constraint for a data query"


@router.get("/availableconstraint/{flow_ref}", summary=AVAILABILITY_SUMMARY)
def availability_flow(
    request: Request, session: SessionDep, settings: SettingsDep, flow_ref: str
) -> Response:
    return _availability(request, session, settings, flow_ref)


@router.get("/availableconstraint/{flow_ref}/{key}", summary=AVAILABILITY_SUMMARY)
def availability_key(
    request: Request, session: SessionDep, settings: SettingsDep, flow_ref: str, key: str
) -> Response:
    return _availability(request, session, settings, flow_ref, key)


@router.get("/availableconstraint/{flow_ref}/{key}/{provider_ref}", summary=AVAILABILITY_SUMMARY)
def availability_provider(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    flow_ref: str,
    key: str,
    provider_ref: str,
) -> Response:
    return _availability(request, session, settings, flow_ref, key, provider_ref)


@router.get(
    "/availableconstraint/{flow_ref}/{key}/{provider_ref}/{component_id}",
    summary=AVAILABILITY_SUMMARY,
)
def availability_component(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    flow_ref: str,
    key: str,
    provider_ref: str,
    component_id: str,
) -> Response:
    return _availability(request, session, settings, flow_ref, key, provider_ref, component_id)


@router.get("/metadata/{path:path}", summary="Reference metadata (not implemented: 501)")
def metadata(request: Request, path: str) -> Response:
    return common.not_implemented(request, V1, "Reference metadata")


@router.get("/schema/{path:path}", summary="Schemas (not implemented: 501)")
def schema(request: Request, path: str) -> Response:
    return common.not_implemented(request, V1, "The schema query")


def _structure(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    resource: str,
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
            formats.STRUCTURE_V1,
            resource=resource,
            agency=agency,
            artefact_id=artefact_id,
            version=version,
            item_id=item_id,
            detail=params.get("detail", "full"),
            references=params.get("references", "none"),
        )

    return common.guarded(request, V1, produce)


STRUCTURE_SUMMARY = (
    "Structures (SDMX-REST 1.5): /{resource}/{agencyID}/{resourceID}/{version}/{itemID}"
)


@router.get("/{resource}", summary=STRUCTURE_SUMMARY)
def structures(
    request: Request, session: SessionDep, settings: SettingsDep, resource: str
) -> Response:
    return _structure(request, session, settings, resource)


@router.get("/{resource}/{agency}", summary=STRUCTURE_SUMMARY)
def structures_agency(
    request: Request, session: SessionDep, settings: SettingsDep, resource: str, agency: str
) -> Response:
    return _structure(request, session, settings, resource, agency)


@router.get("/{resource}/{agency}/{artefact_id}", summary=STRUCTURE_SUMMARY)
def structures_id(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    resource: str,
    agency: str,
    artefact_id: str,
) -> Response:
    return _structure(request, session, settings, resource, agency, artefact_id)


@router.get("/{resource}/{agency}/{artefact_id}/{version}", summary=STRUCTURE_SUMMARY)
def structures_version(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    resource: str,
    agency: str,
    artefact_id: str,
    version: str,
) -> Response:
    return _structure(request, session, settings, resource, agency, artefact_id, version)


@router.get("/{resource}/{agency}/{artefact_id}/{version}/{item_id}", summary=STRUCTURE_SUMMARY)
def structures_item(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    resource: str,
    agency: str,
    artefact_id: str,
    version: str,
    item_id: str,
) -> Response:
    return _structure(request, session, settings, resource, agency, artefact_id, version, item_id)
