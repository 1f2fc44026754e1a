"""Review: the case file of a version, assessment, disclosure control, return, decision;
a statistics office's review settings; what awaits you (inbox)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from voicescount.access.roles import Principal
from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.review import (
    AssessmentRequest,
    CasePublic,
    DecisionRequest,
    InboxPublic,
    ReturnRequest,
    ReviewSettingsPublic,
    ReviewSettingsUpdate,
    RubricPublic,
    SuppressionsPublic,
)
from voicescount.errors import PermissionDenied
from voicescount.intake import metadata as methodology
from voicescount.review import rubric as rubrics
from voicescount.review import service as review
from voicescount.types import OrgKind

router = APIRouter(tags=["review"])

PREFIX = "/datasets/{uid}/versions/{number}/review"


def _case(session: Session, principal: Principal, file: review.CaseFile) -> CasePublic:
    steward = principal.organisation_kind is OrgKind.STEWARD
    return CasePublic(**review.describe(session, file, for_steward=steward))


@router.get(PREFIX, response_model=CasePublic, summary="The review case of a version")
def get_case(uid: str, number: int, session: SessionDep, principal: PrincipalDep) -> CasePublic:
    return _case(session, principal, review.case_file(session, principal, uid, number))


@router.get(
    f"{PREFIX}/rubric",
    response_model=RubricPublic,
    summary="The rubric to assess against, with ratings the metadata suggest",
)
def get_rubric(uid: str, number: int, session: SessionDep, principal: PrincipalDep) -> RubricPublic:
    return RubricPublic(**review.suggestions(session, principal, uid, number))


@router.put(
    f"{PREFIX}/assessment",
    response_model=CasePublic,
    summary="Record (or revise) the rubric assessment (reviewers and approvers)",
)
def assess(
    uid: str, number: int, body: AssessmentRequest, session: SessionDep, principal: PrincipalDep
) -> CasePublic:
    data = body.model_dump(exclude_none=True)
    return _case(session, principal, review.assess(session, principal, uid, number, data))


@router.post(
    f"{PREFIX}/disclosure",
    response_model=CasePublic,
    summary="Apply disclosure control with the office's thresholds (reviewers and approvers)",
)
def apply_disclosure(
    uid: str, number: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> CasePublic:
    file = review.apply_disclosure(session, principal, uid, number, agency=settings.agency_id)
    return _case(session, principal, file)


@router.get(
    f"{PREFIX}/suppressions",
    response_model=SuppressionsPublic,
    summary="The suppression report: every cell withheld or flagged, and why (JSON or CSV)",
    responses={200: {"content": {"text/csv": {}}}},
)
def suppressions(
    uid: str,
    number: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    format: Annotated[str | None, Query(description="'csv' for a CSV file")] = None,
) -> Any:
    file = review.case_file(session, principal, uid, number)
    version_id = file.handle.version.id
    assert version_id is not None
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        filename = f"{uid}-v{number}-suppressions.csv"
        return StreamingResponse(
            review.suppression_csv(session, version_id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return SuppressionsPublic(
        disclosure=file.case.disclosure,
        data=list(review.suppressions(session, version_id)),  # type: ignore[arg-type]
    )


@router.post(
    f"{PREFIX}/return",
    response_model=CasePublic,
    summary="Return a version under review to its coalition, saying why",
)
def return_version(
    uid: str, number: int, body: ReturnRequest, session: SessionDep, principal: PrincipalDep
) -> CasePublic:
    file = review.return_version(session, principal, uid, number, reason=body.reason)
    return _case(session, principal, file)


@router.post(
    f"{PREFIX}/decision",
    response_model=CasePublic,
    summary="Decide: official, complementary, contextual or rejected (approvers; four eyes)",
)
def decide(
    uid: str, number: int, body: DecisionRequest, session: SessionDep, principal: PrincipalDep
) -> CasePublic:
    file = review.decide(
        session,
        principal,
        uid,
        number,
        decision=body.decision,
        reason=body.reason,
        conditions=body.conditions,
        caveat=body.caveat,
    )
    return _case(session, principal, file)


# ------------------------------------------------------------------------------------------
# A statistics office's settings


def _settings_public(session: Session, principal: Principal) -> ReviewSettingsPublic:
    if principal.organisation_kind is not OrgKind.STEWARD:
        raise PermissionDenied("Review settings belong to statistics offices (stewards).")
    current = review.steward_settings(session, principal.organisation_id)
    rubric = review.rubric_for(session, principal.organisation_id)
    return ReviewSettingsPublic(
        organisation=principal.organisation_slug,
        frequency_threshold=current.frequency_threshold,
        reliability_threshold=current.reliability_threshold,
        rubric_is_default=current.rubric is None,
        rubric=rubric.model_dump(mode="json"),
        updated_at=current.updated_at,
    )


@router.get(
    "/review-settings",
    response_model=ReviewSettingsPublic,
    summary="Your statistics office's disclosure thresholds and rubric",
)
def get_settings(session: SessionDep, principal: PrincipalDep) -> ReviewSettingsPublic:
    return _settings_public(session, principal)


@router.patch(
    "/review-settings",
    response_model=ReviewSettingsPublic,
    summary="Change the disclosure thresholds (admins and approvers)",
)
def update_settings(
    body: ReviewSettingsUpdate, session: SessionDep, principal: PrincipalDep
) -> ReviewSettingsPublic:
    review.update_settings(
        session,
        principal,
        frequency_threshold=body.frequency_threshold,
        reliability_threshold=body.reliability_threshold,
    )
    return _settings_public(session, principal)


@router.put(
    "/review-settings/rubric",
    response_model=ReviewSettingsPublic,
    summary="Load your office's own rubric (YAML or JSON; admins and approvers)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
async def put_rubric(
    request: Request, session: SessionDep, principal: PrincipalDep
) -> ReviewSettingsPublic:
    content_type = request.headers.get("content-type", "")
    text = (await request.body()).decode("utf-8", errors="replace")
    as_json = "json" in content_type if content_type else text.lstrip().startswith("{")
    document = methodology.parse_metadata_text(text, "The rubric", as_json=as_json)
    review.update_settings(session, principal, rubric=document)
    return _settings_public(session, principal)


@router.delete(
    "/review-settings/rubric",
    response_model=ReviewSettingsPublic,
    summary="Go back to the default rubric (admins and approvers)",
)
def reset_rubric(session: SessionDep, principal: PrincipalDep) -> ReviewSettingsPublic:
    review.update_settings(session, principal, reset_rubric=True)
    return _settings_public(session, principal)


@router.get("/rubrics/default", summary="The default rubric shipped with voicescount")
def default_rubric() -> dict[str, Any]:
    return rubrics.default_rubric().model_dump(mode="json")


@router.get("/schemas/rubric", summary="JSON Schema of a rubric file")
def rubric_schema(settings: SettingsDep) -> dict[str, Any]:
    return rubrics.rubric_json_schema(f"{settings.base_url.rstrip('/')}/api/v1/schemas/rubric")


# ------------------------------------------------------------------------------------------
# What awaits you


@router.get(
    "/inbox",
    response_model=InboxPublic,
    summary="Versions waiting for your organisation, with what to do next",
)
def inbox(session: SessionDep, principal: PrincipalDep) -> InboxPublic:
    items = review.inbox(session, principal)
    return InboxPublic(data=items, count=len(items))  # type: ignore[arg-type]
