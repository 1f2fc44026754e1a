"""``api_router``: every JSON API router under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from voicescount.api.routers import (
    audit,
    catalogue,
    citations,
    comparison,
    datasets,
    mapping,
    organisations,
    provenance,
    releases,
    reviews,
    sdg,
    structures,
    webhooks,
)

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(organisations.router)
api_router.include_router(structures.router)
api_router.include_router(sdg.router)
api_router.include_router(datasets.router)
api_router.include_router(mapping.router)
api_router.include_router(reviews.router)
api_router.include_router(releases.router)
api_router.include_router(citations.router)
api_router.include_router(catalogue.router)
api_router.include_router(provenance.router)
api_router.include_router(comparison.router)
api_router.include_router(webhooks.router)
api_router.include_router(audit.router)
