"""The values disclosure control works on: cells, the steward's policy, hierarchies and outcomes.

Pure data: nothing here knows about the database or the web, so the algorithm can be tested (and
re-run by a reviewer) on plain tuples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

#: SDMX ids of the 15 series-key dimensions of the SDG DSD, in DSD order. A copy of
#: ``voicescount.storage.tables.intake.DIMENSIONS`` (a test keeps them equal): importing it would
#: pull the database layer into this pure package.
SDG_DIMENSIONS: tuple[str, ...] = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
)

#: SDMX CL_CONF_STATUS: F free, A primary confidentiality (small count), D secondary
#: confidentiality set by the sender (to protect an A cell).
ConfStatus = Literal["F", "A", "D"]
#: Why a cell got its outcome (one per cell; a suppressed cell is never also "low-reliability").
Rule = Literal["primary", "secondary", "low-reliability", "unknown-n", "free"]
UnknownN = Literal["flag", "suppress"]

#: SDMX CL_OBS_STATUS "Missing value; suppressed".
OBS_SUPPRESSED = "Q"
#: SDMX CL_OBS_STATUS "Low reliability".
OBS_LOW_RELIABILITY = "U"

RULES: tuple[Rule, ...] = ("primary", "secondary", "low-reliability", "unknown-n", "free")


@dataclass(frozen=True, slots=True)
class Cell:
    """One observation as disclosure control sees it.

    ``key`` holds the dimension codes (the 15 SDG dimensions, in DSD order, for real data);
    ``n`` is the unweighted number of respondents behind the value (``UNWEIGHTED_N``), ``None``
    when the producer did not give it; ``value`` is ``None`` when the observation has none.
    """

    id: int
    key: tuple[str, ...]
    period: str
    value: float | None
    n: int | None

    def __post_init__(self) -> None:
        if self.n is not None and self.n < 0:
            raise ValueError(f"cell {self.id}: unweighted n must not be negative, got {self.n}")

    @property
    def series_key(self) -> str:
        return ".".join(self.key)

    @classmethod
    def from_observation(cls, observation: ObservationLike) -> Cell:
        """A cell from a stored observation (``series_key`` split on '.')."""
        if observation.id is None:
            raise ValueError("the observation has no id yet (not stored)")
        return cls(
            id=observation.id,
            key=tuple(observation.series_key.split(".")),
            period=observation.time_period,
            value=observation.obs_value,
            n=observation.unweighted_n,
        )


class ObservationLike(Protocol):
    """What :meth:`Cell.from_observation` reads (``storage.tables.intake.Observation`` fits)."""

    @property
    def id(self) -> int | None: ...
    @property
    def series_key(self) -> str: ...
    @property
    def time_period(self) -> str: ...
    @property
    def obs_value(self) -> float | None: ...
    @property
    def unweighted_n(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Policy:
    """A steward's disclosure-control settings.

    Cells with ``n < frequency_threshold`` are suppressed (primary); published cells with
    ``n < reliability_threshold`` are flagged low reliability. ``unknown_n`` says what happens to
    a cell without an unweighted n: ``flag`` publishes it and lists it for the reviewer,
    ``suppress`` treats it like a small cell. ``exact_check`` runs the linear-algebra audit after
    the margin heuristic and suppresses more until no withheld value can be derived by combining
    margins (see ``disclosure.audit``); turning it off leaves only the per-margin guarantee.
    """

    frequency_threshold: int = 10
    reliability_threshold: int = 30
    total_code: str = "_T"
    unknown_n: UnknownN = "flag"
    exact_check: bool = True

    def __post_init__(self) -> None:
        if self.frequency_threshold < 0 or self.reliability_threshold < 0:
            raise ValueError("thresholds must not be negative")
        if not self.total_code:
            raise ValueError("the total code must not be empty")
        if self.unknown_n not in ("flag", "suppress"):
            raise ValueError(f"unknown_n must be 'flag' or 'suppress', got {self.unknown_n!r}")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What publication does with one cell.

    ``obs_status`` is ``Q`` for a withheld cell, ``U`` for a low-reliability one and ``None`` when
    disclosure control has nothing to say (the observation keeps the OBS_STATUS it came with).
    For a secondary suppression ``protects`` is the id of the cell it hides and ``round`` the
    iteration that chose it (round 1 protects primary cells, later rounds the earlier choices).
    """

    cell_id: int
    conf_status: ConfStatus
    obs_status: str | None
    reason: str
    rule: Rule
    protects: int | None = None
    round: int | None = None

    @property
    def withheld(self) -> bool:
        """Whether the value must be published empty."""
        return self.conf_status != "F"


class Hierarchies:
    """Parent → children code lists for the hierarchical dimensions (an area's sub-areas, a
    group's sub-groups), each adding the equation parent = sum of the children present.

    Keys are dimension positions in the cell key or, for SDG keys, dimension ids::

        Hierarchies({"REF_AREA": {"404": ["KE-01", "KE-28"]},
                     "CUST_BREAKDOWN": {"LNOB_CASTE": ["LNOB_SC", "LNOB_ST"]}})
    """

    def __init__(
        self,
        children: Mapping[int | str, Mapping[str, Iterable[str]]] | None = None,
        dimensions: Sequence[str] = SDG_DIMENSIONS,
    ) -> None:
        self._children: dict[int, dict[str, tuple[str, ...]]] = {}
        self._parents: dict[int, dict[str, tuple[str, ...]]] = {}
        for where, tree in (children or {}).items():
            position = where if isinstance(where, int) else _position(where, dimensions)
            level = self._children.setdefault(position, {})
            for parent, kids in tree.items():
                kids = tuple(kids)
                if parent in kids:
                    raise ValueError(f"code {parent!r} is listed as its own child")
                level[parent] = tuple(dict.fromkeys((*level.get(parent, ()), *kids)))
        for position, level in self._children.items():
            parents: dict[str, list[str]] = {}
            for parent, kids in level.items():
                for kid in kids:
                    parents.setdefault(kid, []).append(parent)
            self._parents[position] = {kid: tuple(ps) for kid, ps in parents.items()}

    @classmethod
    def from_parents(
        cls,
        parents: Mapping[int | str, Mapping[str, str]],
        dimensions: Sequence[str] = SDG_DIMENSIONS,
    ) -> Hierarchies:
        """From child → parent maps (how area lists usually come: each county names its country)."""
        children: dict[int | str, dict[str, list[str]]] = {}
        for where, tree in parents.items():
            level = children.setdefault(where, {})
            for child, parent in tree.items():
                level.setdefault(parent, []).append(child)
        return cls(children, dimensions)

    @property
    def positions(self) -> frozenset[int]:
        return frozenset(self._children)

    def children_at(self, position: int) -> Mapping[str, tuple[str, ...]]:
        return self._children.get(position, {})

    def parents_at(self, position: int) -> Mapping[str, tuple[str, ...]]:
        return self._parents.get(position, {})

    def as_dict(
        self, dimensions: Sequence[str] = SDG_DIMENSIONS
    ) -> dict[str, dict[str, list[str]]]:
        """JSON-ready, keyed by dimension id where the position has one."""
        return {
            dimension_name(position, dimensions): {p: list(k) for p, k in level.items()}
            for position, level in sorted(self._children.items())
        }


def dimension_name(position: int, dimensions: Sequence[str] = SDG_DIMENSIONS) -> str:
    return dimensions[position] if 0 <= position < len(dimensions) else f"position {position}"


def _position(dimension: str, dimensions: Sequence[str]) -> int:
    try:
        return list(dimensions).index(dimension)
    except ValueError:
        raise ValueError(f"unknown dimension {dimension!r}") from None
