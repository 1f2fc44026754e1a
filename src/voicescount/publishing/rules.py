"""Pure rules of publishing: identifiers, labels, the producer type. No I/O."""

from __future__ import annotations

from typing import Any

from voicescount.sdmx.structures import parse_ref

#: CL_REVIEW_DECISION codes a release can carry, and how a VNR table reads them.
DECISIONS: dict[str, str] = {
    "OFFICIAL": "accepted for official reporting",
    "COMPLEMENTARY": "citizen-generated data complementing official statistics",
    "CONTEXTUAL": "contextual evidence, for narrative use only",
}
QUALITY_OUTCOMES = frozenset({"MET", "MET_WITH_CONDITIONS", "NOT_MET"})

#: Methodology metadata ``producer.organisation.type`` → CL_PRODUCER_TYPE code.
PRODUCER_TYPES: dict[str, str] = {
    "CSO": "CSO",
    "NGO": "CSO",
    "CBO": "CBO",
    "coalition": "COALITION",
    "academic": "ACADEMIC",
    "other": "OTHER",
}


def release_uid(dataset_uid: str, number: int) -> str:
    """The stable identifier of a released version (also its SDMX data set id)."""
    return f"{dataset_uid}-v{number}"


def sdmx_data_url(
    base_url: str, agency: str, flow_id: str, provider: str, dataflow: str | None = None
) -> str:
    """The SDMX-REST 1.5 URL of a coalition's data in the flow its release is disseminated in
    (what a release links): the community flow ``agency:flow_id``, or the imported ``dataflow``
    (``AGENCY:ID(VERSION)``) the dataset reports against."""
    flow = ",".join(release_flow(agency, flow_id, dataflow))
    return f"{base_url.rstrip('/')}/sdmx/v1/data/{flow}/all/{agency},{provider}"


def release_flow(agency: str, flow_id: str, dataflow: str | None) -> tuple[str, str, str]:
    """(agency, id, version) of the flow a release is disseminated in: the imported
    ``dataflow`` (``AGENCY:ID(VERSION)``) its dataset reports against, else the community flow
    ``agency:flow_id`` in its latest version."""
    if dataflow:
        ref = parse_ref(dataflow)
        return ref.agency, ref.id, ref.version
    return agency, flow_id, "latest"


def producer_type(metadata: dict[str, Any]) -> str:
    """The CL_PRODUCER_TYPE code for the producer the metadata names (OTHER if unsure)."""
    organisation = (metadata.get("producer") or {}).get("organisation") or {}
    return PRODUCER_TYPES.get(str(organisation.get("type", "")), "OTHER")


def default_caveat(provider: str, steward: str, decision: str) -> str:
    """The caveat line printed beside a figure: who produced it, who reviewed it, as what."""
    if decision == "OFFICIAL":
        return f"Data produced by {provider}; accepted by {steward} for official reporting."
    return f"Citizen-generated data produced by {provider}; reviewed by {steward} ({DECISIONS[decision]})."
