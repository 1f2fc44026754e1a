"""The structure catalogue SDMX-REST serves: stored artefacts plus those made from live data.

Stored: everything in the registry (the global SDG structures, voicescount's own, imported
national ones). Made on request: the DataProviderScheme (every coalition is a DataProvider of
the one maintenance agency), a ProvisionAgreement for each flow a coalition has published data
in, and an actual ContentConstraint for each of our flows with data (the values it holds).

References between artefacts form a graph that :meth:`Catalogue.resolve` walks the way
SDMX-REST 1.5 §4.3 defines ``references`` (children, descendants, parents, parentsandsiblings,
all, ancestors, or one artefact type).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from voicescount.errors import InvalidInput, NotImplementedFeature
from voicescount.publishing import feeds
from voicescount.registry import repository, voices
from voicescount.sdmx.query import SERVED_RESOURCES, STRUCTURE_RESOURCES, is_latest, values
from voicescount.sdmx.structures import (
    ArtefactRecord,
    ItemRecord,
    Key,
    parse_ref,
    short_ref,
)
from voicescount.storage.tables import (
    CommunitySeries,
    DsdComponent,
    Organisation,
    PublishedObservation,
    Release,
    SdgIndicator,
    SdgSeriesIndicator,
    StructureArtefact,
    StructureItem,
)
from voicescount.storage.tables.intake import DIMENSIONS
from voicescount.types import ArtefactType, OrgKind

#: SDMX 2.1 fixes the id and version of organisation schemes.
PROVIDER_SCHEME_ID = "DATA_PROVIDERS"
PROVIDER_SCHEME_VERSION = "1.0"

#: Resource names of the two trees → the artefact types they select.
RESOURCE_TYPES: dict[str, tuple[ArtefactType, ...]] = {
    **{t.value: (t,) for t in ArtefactType},
    "dataconstraint": (ArtefactType.CONTENTCONSTRAINT,),
    "actualconstraint": (ArtefactType.CONTENTCONSTRAINT,),
    "allowedconstraint": (ArtefactType.CONTENTCONSTRAINT,),
    "structure": tuple(ArtefactType),
}

#: Order of types in messages (SDMX-ML lists structures by kind; readers do not care).
TYPE_ORDER = tuple(ArtefactType)


def resource_types(resource: str) -> tuple[ArtefactType, ...]:
    name = resource.strip().lower()
    if name not in STRUCTURE_RESOURCES:
        raise InvalidInput(f"{resource!r} is not an SDMX structure resource.")
    if name not in SERVED_RESOURCES:
        raise NotImplementedFeature(f"{name} queries are not implemented by this service.")
    return RESOURCE_TYPES[name]


@dataclass
class Selection:
    """What a structure query returns: the matched artefacts and those it references."""

    matched: list[Key]
    referenced: list[Key]


class Catalogue:
    def __init__(self, session: Session, agency: str) -> None:
        self.session = session
        self.agency = agency
        self.rows: dict[Key, StructureArtefact] = {}
        for row in session.exec(select(StructureArtefact)):
            self.rows[(row.artefact_type, row.agency_id, row.artefact_id, row.version)] = row
        self.dynamic: dict[Key, ArtefactRecord] = {}
        for record in self._dynamic_records():
            self.dynamic[record.key] = record
        self._children: dict[Key, set[Key]] | None = None
        self._parents: dict[Key, set[Key]] | None = None

    # -- finding --------------------------------------------------------------------------

    def all_keys(self) -> list[Key]:
        return [*self.rows, *self.dynamic]

    def find(
        self, resource: str, agency: str | None, artefact_id: str | None, version: str | None
    ) -> list[Key]:
        """Artefacts matching a query path (lists with ``+``/``,``; ``all``/``*``; ``latest``)."""
        types = {t.value for t in resource_types(resource)}
        agencies = values(agency)
        ids = values(artefact_id)
        versions = values(version) if not is_latest(version) else None
        latest = is_latest(version)
        found = [
            key
            for key in self.all_keys()
            if key[0] in types
            and (agencies is None or key[1] in agencies)
            and (ids is None or key[2] in ids)
            and (versions is None or key[3] in versions)
        ]
        if resource.strip().lower() in ("actualconstraint", "allowedconstraint"):
            wanted = "actual" if resource.strip().lower() == "actualconstraint" else "allowable"
            found = [k for k in found if (self._details(k).get("role") or "").lower() == wanted]
        if latest:
            newest: dict[tuple[str, str, str], Key] = {}
            for key in found:
                group = key[:3]
                if group not in newest or repository.version_key(key[3]) > repository.version_key(
                    newest[group][3]
                ):
                    newest[group] = key
            found = list(newest.values())
        return sorted(found, key=_order)

    def _details(self, key: Key) -> dict:
        if key in self.dynamic:
            return self.dynamic[key].details
        return self.rows[key].details

    def last_modified(self) -> datetime | None:
        moments = [row.created_at for row in self.rows.values()]
        changed = feeds.last_change(self.session)
        if changed is not None:
            moments.append(changed)
        return max(moments) if moments else None

    # -- references -----------------------------------------------------------------------

    def _graph(self) -> tuple[dict[Key, set[Key]], dict[Key, set[Key]]]:
        if self._children is None or self._parents is None:
            by_ref = {(k[0], short_ref(k[1], k[2], k[3])): k for k in self.all_keys()}
            children: dict[Key, set[Key]] = defaultdict(set)
            for key in self.all_keys():
                for kind, ref in _detail_refs(key, self._details(key)):
                    if (target := by_ref.get((kind, ref))) is not None:
                        children[key].add(target)
            for key, kind, ref in self._stored_item_refs():
                if (target := by_ref.get((kind, ref))) is not None:
                    children[key].add(target)
            parents: dict[Key, set[Key]] = defaultdict(set)
            for parent, kids in children.items():
                for kid in kids:
                    parents[kid].add(parent)
            self._children, self._parents = children, parents
        return self._children, self._parents

    def _stored_item_refs(self) -> Iterable[tuple[Key, str, str]]:
        """References held by DSD components (concepts, codelists) and concepts (codelists)."""
        pk_to_key = {row.id: key for key, row in self.rows.items()}
        for pk, concept, codelist in self.session.exec(
            select(DsdComponent.artefact_pk, DsdComponent.concept, DsdComponent.codelist)
        ):
            if (key := pk_to_key.get(pk)) is None:
                continue
            yield key, "conceptscheme", parse_ref(concept).maintainable
            if codelist:
                yield key, "codelist", codelist
        scheme_pks = [r.id for k, r in self.rows.items() if k[0] == "conceptscheme"]
        for pk, details in self.session.exec(
            select(StructureItem.artefact_pk, StructureItem.details).where(
                col(StructureItem.artefact_pk).in_(scheme_pks)
            )
        ):
            if details and details.get("codelist") and pk in pk_to_key:
                yield pk_to_key[pk], "codelist", details["codelist"]

    def resolve(self, matched: list[Key], references: str) -> Selection:
        children, parents = self._graph()
        mode = references.strip().lower()
        found: set[Key] = set()
        if mode == "none":
            pass
        elif mode == "children":
            found = set().union(*(children[k] for k in matched)) if matched else set()
        elif mode == "descendants":
            found = _closure(matched, children)
        elif mode == "parents":
            found = set().union(*(parents[k] for k in matched)) if matched else set()
        elif mode == "ancestors":
            found = _closure(matched, parents)
        elif mode == "parentsandsiblings":
            found = _siblings(matched, children, parents)
        elif mode == "all":
            found = _siblings(matched, children, parents) | _closure(matched, children)
        else:
            types = {t.value for t in resource_types(mode)}
            related = (
                _closure(matched, children) | set().union(*(parents[k] for k in matched))
                if matched
                else set()
            )
            found = {k for k in related if k[0] in types}
        found -= set(matched)
        return Selection(matched=matched, referenced=sorted(found, key=_order))

    # -- records --------------------------------------------------------------------------

    def record(self, key: Key) -> ArtefactRecord:
        if key in self.dynamic:
            return self.dynamic[key]
        return repository.record_of_row(self.session, self.rows[key])

    def used_codes(self, flow_key: Key) -> dict[str, set[str]] | None:
        """Codes each dimension uses in the published data of one of our flows (for
        ``referencepartial``), or ``None`` if the flow has none."""
        return self._availability(flow_key)

    # -- dynamic artefacts ----------------------------------------------------------------

    def _dynamic_records(self) -> Iterable[ArtefactRecord]:
        providers = list(
            self.session.exec(
                select(Organisation)
                .where(Organisation.kind == OrgKind.DATA_PROVIDER.value)
                .order_by(col(Organisation.slug))
            )
        )
        scheme = ArtefactRecord(
            type=ArtefactType.DATAPROVIDERSCHEME,
            agency=self.agency,
            id=PROVIDER_SCHEME_ID,
            version=PROVIDER_SCHEME_VERSION,
            is_final=False,
            names={"en": "Coalitions and civil-society organisations that provide data"},
            items=[ItemRecord(id=p.slug, names={"en": p.name}) for p in providers],
        )
        yield scheme
        flows = self._latest_flows()
        scheme_ref = short_ref(self.agency, PROVIDER_SCHEME_ID, PROVIDER_SCHEME_VERSION)
        for slug, flow_ids in self._provider_flows().items():
            for flow_id in sorted(flow_ids):
                flow = flows.get(flow_id)
                if flow is None:
                    continue
                yield ArtefactRecord(
                    type=ArtefactType.PROVISIONAGREEMENT,
                    agency=self.agency,
                    id=f"{slug}_{flow_id}",
                    version="1.0.0",
                    names={"en": f"{slug} reports to {flow_id}"},
                    details={
                        "dataflow": short_ref(*flow[1:]),
                        "data_provider": f"{scheme_ref}.{slug}",
                    },
                )
        for flow_id, flow in sorted(flows.items()):
            region = self._availability(flow)
            if region is None:
                continue
            yield ArtefactRecord(
                type=ArtefactType.CONTENTCONSTRAINT,
                agency=self.agency,
                id=f"CC_{flow_id}",
                version="1.0.0",
                is_final=False,
                names={"en": f"Data available in {flow_id}"},
                details={
                    "role": "actual",
                    "attachment": [{"type": "dataflow", "ref": short_ref(*flow[1:])}],
                    "cube_regions": [
                        {
                            "included": True,
                            "members": {
                                dim: {"included": True, "values": sorted(codes)}
                                for dim, codes in region.items()
                            },
                        }
                    ],
                },
            )

    def _latest_flows(self) -> dict[str, Key]:
        newest: dict[str, Key] = {}
        for key in self.rows:
            if key[0] != "dataflow" or key[1] != self.agency:
                continue
            current = newest.get(key[2])
            if current is None or repository.version_key(key[3]) > repository.version_key(
                current[3]
            ):
                newest[key[2]] = key
        return newest

    def _current_release_ids(self) -> list[int]:
        return [
            r.id  # type: ignore[misc]
            for r in self.session.exec(
                select(Release).where(
                    col(Release.superseded_at).is_(None), col(Release.withdrawn_at).is_(None)
                )
            )
        ]

    def _provider_flows(self) -> dict[str, set[str]]:
        """For each coalition with current data: the flows its published series fall in."""
        statement = (
            select(Organisation.slug, PublishedObservation.series)
            .join(Release, col(Release.organisation_id) == col(Organisation.id))
            .join(PublishedObservation, col(PublishedObservation.release_id) == col(Release.id))
            .where(col(Release.superseded_at).is_(None), col(Release.withdrawn_at).is_(None))
            .distinct()
        )
        goals = _series_goals(self.session)
        flows: dict[str, set[str]] = defaultdict(set)
        for slug, series in self.session.exec(statement):
            flows[slug].add(voices.FLOW_ID)
            for goal in goals.get(series, ()):
                flows[slug].add(voices.goal_flow(goal))
        return flows

    def _availability(self, flow_key: Key) -> dict[str, set[str]] | None:
        release_ids = self._current_release_ids()
        if not release_ids or flow_key[1] != self.agency:
            return None
        flow_row = self.rows.get(flow_key)
        allowed = feeds.flow_series(self.session, flow_row) if flow_row is not None else None
        statement = (
            select(PublishedObservation.series_key)
            .where(col(PublishedObservation.release_id).in_(release_ids))
            .distinct()
        )
        if allowed is not None:
            statement = statement.where(col(PublishedObservation.series).in_(sorted(allowed)))
        region: dict[str, set[str]] = defaultdict(set)
        dimensions = DIMENSIONS
        for series_key in self.session.exec(statement):
            for dim, code in zip(dimensions, series_key.split("."), strict=False):
                region[dim].add(code)
        if not region:
            return None
        periods = self.session.exec(
            select(
                func.min(PublishedObservation.time_period),
                func.max(PublishedObservation.time_period),
            ).where(col(PublishedObservation.release_id).in_(release_ids))
        ).one()
        if periods[0] is not None:
            region["TIME_PERIOD"] = {periods[0], periods[1]}
        return dict(region)


def _series_goals(session: Session) -> dict[str, set[str]]:
    goals: dict[str, set[str]] = defaultdict(set)
    for series, goal in session.exec(
        select(SdgSeriesIndicator.series_code, SdgIndicator.goal_code).join(
            SdgIndicator, col(SdgIndicator.code) == col(SdgSeriesIndicator.indicator_code)
        )
    ):
        goals[series].add(goal)
    for community in session.exec(select(CommunitySeries)):
        goals[community.code].add(community.sdg_target.split(".")[0])
    return goals


def _detail_refs(key: Key, details: dict) -> Iterable[tuple[str, str]]:
    record = ArtefactRecord(
        type=ArtefactType(key[0]), agency=key[1], id=key[2], version=key[3], details=details
    )
    yield from record.references()


def _closure(start: Iterable[Key], edges: dict[Key, set[Key]]) -> set[Key]:
    seen: set[Key] = set()
    pending = list(start)
    while pending:
        for target in edges.get(pending.pop(), ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _siblings(
    matched: list[Key], children: dict[Key, set[Key]], parents: dict[Key, set[Key]]
) -> set[Key]:
    found: set[Key] = set()
    for key in matched:
        for parent in parents[key]:
            found.add(parent)
            found |= children[parent]
    return found


def _order(key: Key) -> tuple[int, str, str, tuple]:
    return (TYPE_ORDER.index(ArtefactType(key[0])), key[1], key[2], repository.version_key(key[3]))
