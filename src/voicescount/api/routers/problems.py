"""``GET /problems/{code}``: what each problem+json ``type`` means, so problem types resolve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from voicescount.api.errors import problem_catalogue
from voicescount.errors import NotFound

router = APIRouter(prefix="/problems", tags=["problems"])


@router.get("", summary="Every problem type the API answers with")
def list_problems() -> dict[str, Any]:
    catalogue = problem_catalogue()
    return {
        "data": [{"code": code, **entry} for code, entry in catalogue.items()],
        "count": len(catalogue),
    }


@router.get("/{code}", summary="One problem type")
def get_problem(code: str) -> dict[str, Any]:
    catalogue = problem_catalogue()
    if code not in catalogue:
        raise NotFound("problem type", code)
    return {"code": code, **catalogue[code]}
