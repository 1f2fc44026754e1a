"""What intake validates against, read from the registry: codebooks per component, and the
:class:`~voicescount.intake.vocabulary.Vocabulary` for metadata and findings.

Codelists change rarely and are read often, so the items of each artefact are cached per process
by the artefact's content hash (a replaced non-final artefact gets a new hash).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from sqlmodel import Session, select

from voicescount.errors import StructureError
from voicescount.mapping.labels import BUILT_IN_LABELS
from voicescount.mapping.resolve import Codebook, Suggester
from voicescount.registry import repository, search, voices
from voicescount.sdmx.structures import parse_ref, short_ref
from voicescount.storage.tables import (
    CommunitySeries,
    DsdComponent,
    SdgGoal,
    SdgIndicator,
    SdgSeries,
    SdgSeriesIndicator,
    SdgTarget,
)
from voicescount.types import ArtefactType


@dataclass(frozen=True)
class CodelistItems:
    codes: frozenset[str]
    names: dict[str, str]
    parents: dict[str, str | None]


_ITEMS_BY_HASH: dict[str, CodelistItems] = {}


def codelist_items(session: Session, ref: str) -> CodelistItems:
    parsed = parse_ref(ref)
    row = repository.get_artefact(
        session, ArtefactType.CODELIST.value, parsed.agency, parsed.id, parsed.version
    )
    if row is None or row.id is None:
        raise StructureError(f"Codelist {ref} is not registered.", artefact=f"codelist {ref}")
    cached = _ITEMS_BY_HASH.get(row.content_hash)
    if cached is None:
        items = repository.items(session, row.id)
        cached = CodelistItems(
            codes=frozenset(i.item_id for i in items),
            names={i.item_id: i.names.get("en") or next(iter(i.names.values()), "") for i in items},
            parents={i.item_id: i.parent_id for i in items},
        )
        if len(_ITEMS_BY_HASH) > 64:
            _ITEMS_BY_HASH.clear()
        _ITEMS_BY_HASH[row.content_hash] = cached
    return cached


@lru_cache(maxsize=1)
def alpha2_to_m49() -> dict[str, str]:
    text = resources.files("voicescount.registry.data").joinpath("countries.csv").read_text("utf-8")
    return {row["alpha2"]: row["m49"] for row in csv.DictReader(text.splitlines())}


def community_dsd_components(session: Session, agency: str) -> list[DsdComponent]:
    rows = repository.find_artefacts(
        session,
        artefact_type=ArtefactType.DATASTRUCTURE.value,
        agency=agency,
        artefact_id=voices.DSD_ID,
        latest=True,
    )
    if not rows or rows[0].id is None:
        raise StructureError(
            f"The community DSD {agency}:{voices.DSD_ID} is not loaded; run 'voicescount registry "
            "load'.",
            artefact=f"datastructure {agency}:{voices.DSD_ID}",
        )
    return repository.components(session, rows[0].id)


@dataclass(frozen=True)
class ReportingStructure:
    """An imported dataflow a dataset reports against, instead of the community one.

    Its DSD must have the SDG dimensions in the SDG order (as national SDG DSDs derived from the
    global one do): observations keep one series key whichever flow they are reported against.
    Its codelists replace the community ones for the components both DSDs have.
    """

    flow: str
    #: Component id → codelist reference, for the coded components of the flow's DSD.
    codelists: dict[str, str]


def reporting_structure(session: Session, agency: str, dataflow: str) -> ReportingStructure | None:
    """The imported dataflow ``dataflow`` names (``AGENCY:ID(VERSION)``, or ``AGENCY:ID`` for the
    latest version); ``None`` for a flow of the deployment's own agency (the community flows).
    :class:`StructureError` when it is not registered or its DSD cannot hold SDG series keys."""
    text = dataflow.strip()
    try:
        ref = parse_ref(text if text.endswith(")") else f"{text}(latest)")
    except ValueError as exc:
        raise StructureError(str(exc), artefact=f"dataflow {text}") from exc
    if ref.agency == agency:
        return None
    rows = repository.find_artefacts(
        session,
        artefact_type=ArtefactType.DATAFLOW.value,
        agency=ref.agency,
        artefact_id=ref.id,
        version=None if ref.version == "latest" else ref.version,
        latest=ref.version == "latest",
    )
    if not rows:
        raise StructureError(
            f"The dataflow {text} is not in the registry; an administrator imports it first "
            "(POST /api/v1/structures).",
            artefact=f"dataflow {text}",
        )
    flow = rows[-1]
    flow_ref = short_ref(flow.agency_id, flow.artefact_id, flow.version)
    dsd_ref = parse_ref(flow.details["structure"])
    dsd = repository.get_artefact(
        session, ArtefactType.DATASTRUCTURE.value, dsd_ref.agency, dsd_ref.id, dsd_ref.version
    )
    if dsd is None or dsd.id is None:
        raise StructureError(
            f"The DSD {dsd_ref} of dataflow {flow_ref} is not in the registry.",
            artefact=f"dataflow {flow_ref}",
        )
    components = repository.components(session, dsd.id)
    community = community_dsd_components(session, agency)
    theirs = [c.component_id for c in components if c.role in ("dimension", "time_dimension")]
    ours = [c.component_id for c in community if c.role in ("dimension", "time_dimension")]
    if theirs != ours:
        raise StructureError(
            f"The DSD {dsd_ref} of dataflow {flow_ref} has the dimensions {', '.join(theirs)}; "
            "a dataset can report against a flow whose DSD has the SDG dimensions in the SDG "
            f"order ({', '.join(ours)}).",
            artefact=f"datastructure {dsd_ref}",
        )
    return ReportingStructure(
        flow=flow_ref,
        codelists={c.component_id: c.codelist for c in components if c.codelist},
    )


class RegistryVocabulary:
    """The Vocabulary protocol answered from the store, for one deployment agency (and, for a
    dataset reporting against an imported dataflow, that flow's areas and groups)."""

    def __init__(
        self,
        session: Session,
        agency: str,
        organisation_id: int | None = None,
        structure: ReportingStructure | None = None,
    ) -> None:
        self.session = session
        self.agency = agency
        self.organisation_id = organisation_id
        self._goals = set(session.exec(select(SdgGoal.code)))
        self._targets = set(session.exec(select(SdgTarget.code)))
        self._indicators = set(session.exec(select(SdgIndicator.code)))
        links: dict[str, set[str]] = {}
        for series, indicator in session.exec(
            select(SdgSeriesIndicator.series_code, SdgSeriesIndicator.indicator_code)
        ):
            links.setdefault(series, set()).add(indicator)
        self._series = {code: frozenset(v) for code, v in links.items()}
        for code in session.exec(select(SdgSeries.code)):
            self._series.setdefault(code, frozenset())
        for community in self.community_series():
            self._series[community.code] = frozenset(community.sdg_indicators)
        codelists = structure.codelists if structure is not None else {}
        self._areas = codelist_items(
            session, codelists.get("REF_AREA", f"{agency}:CL_AREA({voices.VERSION})")
        )
        # Target groups describe whom the data is about: the community groups stay valid in the
        # metadata whatever flow the observations are coded for.
        self._groups = codelist_items(session, f"{agency}:CL_CUST_BREAKDOWN({voices.VERSION})")
        breakdown = codelists.get("CUST_BREAKDOWN")
        self._breakdowns = codelist_items(session, breakdown) if breakdown else self._groups
        self._units = codelist_items(session, "IAEG-SDGs:CL_UNIT_MEASURE(1.8)")

    @classmethod
    def of_dataset(
        cls, session: Session, agency: str, organisation_id: int, dataflow: str | None
    ) -> RegistryVocabulary:
        """The vocabulary of a coalition's dataset, reporting against ``dataflow`` if set."""
        structure = reporting_structure(session, agency, dataflow) if dataflow else None
        return cls(session, agency, organisation_id=organisation_id, structure=structure)

    def community_series(self) -> list[CommunitySeries]:
        statement = select(CommunitySeries)
        if self.organisation_id is not None:
            statement = statement.where(CommunitySeries.organisation_id == self.organisation_id)
        return list(self.session.exec(statement))

    def goal_exists(self, code: str) -> bool:
        return code in self._goals

    def target_exists(self, code: str) -> bool:
        return code in self._targets

    def indicator_exists(self, code: str) -> bool:
        return code in self._indicators

    def series_indicators(self, code: str) -> frozenset[str] | None:
        return self._series.get(code)

    def area_exists(self, code: str) -> bool:
        return code in self._areas.codes

    def area_within(self, code: str, ancestor: str) -> bool:
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            if current == ancestor:
                return True
            seen.add(current)
            current = self._areas.parents.get(current)
        return False

    def country_area(self, alpha2: str) -> str | None:
        m49 = alpha2_to_m49().get(alpha2.upper())
        if m49 is not None and m49 in self._areas.codes:
            return m49
        # National area codelists often code the country by its alpha-2 code (Kenya's: KE).
        return alpha2.upper() if alpha2.upper() in self._areas.codes else None

    def parents_among(self, codes: Iterable[str], dimension: str) -> dict[str, str]:
        """Child → nearest ancestor that is also among ``codes``, for REF_AREA or
        CUST_BREAKDOWN (disclosure control adds up children to their parent)."""
        items = self._areas if dimension == "REF_AREA" else self._breakdowns
        present = set(codes)
        found: dict[str, str] = {}
        for code in present:
            seen = {code}
            current = items.parents.get(code)
            while current is not None and current not in seen:
                if current in present:
                    found[code] = current
                    break
                seen.add(current)
                current = items.parents.get(current)
        return found

    def target_group_exists(self, code: str) -> bool:
        return code in self._groups.codes or code in self._breakdowns.codes

    def unit_exists(self, code: str) -> bool:
        return code in self._units.codes


def _series_suggester(session: Session) -> Suggester:
    # The index is taken now, not per call: suggestions are computed while rows stream into a
    # PostgreSQL COPY, when the connection cannot run another query.
    index = search.get_index(session)

    def suggest(value: str, limit: int) -> list[str]:
        query = value.strip()[:200]
        if not query:
            return []
        return [hit.code for hit in index.search(query, kind="series", limit=limit)]

    return suggest


def codebooks(
    session: Session,
    agency: str,
    *,
    organisation_id: int | None,
    country_area: str | None = None,
    structure: ReportingStructure | None = None,
) -> dict[str, Codebook]:
    """A codebook for each coded component of the community DSD (dimensions and attributes),
    from the codelist ``structure`` gives the component where it gives one."""
    books: dict[str, Codebook] = {}
    overlay = structure.codelists if structure is not None else {}
    for component in community_dsd_components(session, agency):
        codelist = overlay.get(component.component_id, component.codelist)
        if not codelist:
            continue
        items = codelist_items(session, codelist)
        codes = set(items.codes)
        names = dict(items.names)
        labels = dict(BUILT_IN_LABELS.get(component.component_id, {}))
        preferred: frozenset[str] = frozenset()
        suggester = None
        if component.component_id == "SERIES":
            names = {code: _without_indicator_suffix(name) for code, name in names.items()}
            statement = select(CommunitySeries)
            if organisation_id is not None:
                statement = statement.where(CommunitySeries.organisation_id == organisation_id)
            for community in session.exec(statement):
                codes.add(community.code)
                names[community.code] = community.name
            suggester = _series_suggester(session)
        if component.component_id == "REF_AREA" and country_area:
            preferred = frozenset(
                code for code in codes if _within(items.parents, code, country_area)
            )
        books[component.component_id] = Codebook(
            component=component.component_id,
            codelist=codelist,
            codes=frozenset(codes),
            names=names,
            labels={code: tuple(v) for code, v in labels.items()},
            preferred=preferred,
            suggester=suggester,
            places=component.component_id == "REF_AREA",
        )
    return books


def _within(parents: dict[str, str | None], code: str, ancestor: str) -> bool:
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _without_indicator_suffix(name: str) -> str:
    # CL_SERIES names end with the indicator in brackets: "… before age 18 [5.3.1]".
    if name.endswith("]") and " [" in name:
        return name[: name.rindex(" [")]
    return name
