"""What the SDMX data writers consume: plain, streaming data, independent of the store.

A data message is a :class:`Header`, the :class:`DataStructure` it follows, and a sequence of
data sets; each data set is a :class:`DataSetInfo` with an iterator of :class:`Series`, each
series an iterator of :class:`Observation`. Everything arrives in order and is written as it
arrives, so a writer never holds more than one series.

A data set may also hand out :class:`SeriesBlock` items: runs of whole series as columns, what
a store reads in one fetch. Writers with a column path render a block without an object per
series or observation (where most of the time went); the others take :func:`each_series`,
which turns blocks back into :class:`Series`.

With ``dimension_at_observation = ALL_DIMENSIONS`` ("flat"), a series is still a group of
observations sharing a key, but writers put every dimension on the observation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import compress
from operator import ne

ALL_DIMENSIONS = "AllDimensions"
TIME_PERIOD = "TIME_PERIOD"


class Detail(StrEnum):
    """SDMX-REST 1.5 ``detail`` for data (SDMX-REST 2 maps ``attributes``/``measures`` onto it)."""

    FULL = "full"
    DATAONLY = "dataonly"
    SERIESKEYSONLY = "serieskeysonly"
    NODATA = "nodata"


class Action(StrEnum):
    """SDMX data set action (SDMX-ML ``action``; SDMX-CSV 2.0 ``ACTION`` I/A/R/D)."""

    INFORMATION = "Information"
    APPEND = "Append"
    REPLACE = "Replace"
    DELETE = "Delete"

    @property
    def letter(self) -> str:
        return {"Information": "I", "Append": "A", "Replace": "R", "Delete": "D"}[self.value]


@dataclass(frozen=True)
class Ref:
    """A maintainable artefact reference: agency, id, version."""

    agency: str
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.agency}:{self.id}({self.version})"


@dataclass(frozen=True)
class DataStructure:
    """The parts of a DSD that data messages need, in DSD order."""

    ref: Ref
    #: Series-key dimensions in DSD order, without the time dimension.
    dimensions: tuple[str, ...]
    time_dimension: str = TIME_PERIOD
    measure: str = "OBS_VALUE"
    #: Attributes attached to the whole data set, to series (dimensions) and to observations.
    dataset_attributes: tuple[str, ...] = ()
    series_attributes: tuple[str, ...] = ()
    observation_attributes: tuple[str, ...] = ()
    #: Concept scheme of each component, for SDMX-JSON component descriptions (optional).
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Header:
    id: str
    prepared: datetime
    sender: str
    test: bool = False
    #: The dataflow the message answers for (SDMX-ML ``Structure/StructureUsage``, CSV ``DATAFLOW``).
    flow: Ref | None = None
    #: ``TIME_PERIOD`` (time series) or :data:`ALL_DIMENSIONS` (flat).
    dimension_at_observation: str = TIME_PERIOD


@dataclass(frozen=True)
class DataSetInfo:
    """One data set of a message (voicescount: one published release of one coalition)."""

    #: The data provider as (agency, id) — the DataProviderScheme's agency and the coalition.
    provider: tuple[str, str] | None = None
    action: Action = Action.INFORMATION
    #: SDMX-ML ``validFromDate``/``validToDate`` (for includeHistory answers).
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    #: Data-set-level attribute values.
    attributes: dict[str, str] = field(default_factory=dict)
    #: Identifier used as ``setID`` (SDMX-ML) where given.
    set_id: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    time: str
    #: ``None`` writes no value (a suppressed or missing observation).
    value: float | None
    #: Observation-level attribute values; absent or ``None`` values are not written.
    attributes: dict[str, str]


@dataclass(slots=True)
class Series:
    #: Codes of ``DataStructure.dimensions``, in order.
    key: tuple[str, ...]
    #: Series-level attribute values.
    attributes: dict[str, str]
    observations: Iterable[Observation]


#: An observation attribute column: one value per observation (``None`` or ``""``: absent), or
#: one text for every observation of the block.
AttributeColumn = Sequence[str | None] | str
#: Attributes of one observation beyond the columns: (id, value) pairs, or ``None``.
ExtraAttributes = tuple[tuple[str, str], ...] | None


@dataclass(slots=True)
class SeriesBlock:
    """Consecutive whole series of one data set, one entry per observation in every column.

    Observation ``i`` belongs to the series ``keys[i]`` (codes of ``DataStructure.dimensions``
    joined by ``"."``); the observations of a series are adjacent and no series continues in
    another block. Its attributes are, in this order: each of ``attributes`` that has a value,
    then its ``extra`` pairs. A series' attributes are the ``series_attributes`` values of its
    first observation.
    """

    keys: Sequence[str]
    times: Sequence[str]
    values: Sequence[float | None]
    attributes: Sequence[tuple[str, AttributeColumn]] = ()
    series_attributes: Sequence[tuple[str, Sequence[str | None]]] = ()
    extra: Sequence[ExtraAttributes] | None = None

    def __len__(self) -> int:
        return len(self.times)

    def starts(self) -> list[int]:
        """The position of each series' first observation."""
        keys = self.keys
        if not keys:
            return []
        # compress/map/ne: compared without Python bytecode per observation.
        return [0, *compress(range(1, len(keys)), map(ne, keys[1:], keys[:-1]))]

    def series(self) -> Iterator[Series]:
        """The block as :class:`Series` of :class:`Observation` (the path of writers without
        columns; slower, same content)."""
        starts = self.starts()
        columns = [(a, (c,) * len(self) if isinstance(c, str) else c) for a, c in self.attributes]
        extra = self.extra
        for first, end in zip(starts, [*starts[1:], len(self)], strict=True):
            observations = []
            for i in range(first, end):
                attributes = {a: c[i] for a, c in columns if c[i] is not None}
                if extra is not None and extra[i]:
                    attributes.update(extra[i])  # type: ignore[arg-type]
                observations.append(Observation(self.times[i], self.values[i], attributes))
            yield Series(
                key=tuple(self.keys[first].split(".")),
                attributes={a: c[first] for a, c in self.series_attributes if c[first]},  # type: ignore[misc]
                observations=observations,
            )


DataSets = Iterable[tuple[DataSetInfo, Iterable[Series | SeriesBlock]]]


def each_series(items: Iterable[Series | SeriesBlock]) -> Iterator[Series]:
    """``items`` with every :class:`SeriesBlock` turned into its :class:`Series`."""
    for item in items:
        if type(item) is SeriesBlock:
            yield from item.series()
        else:
            yield item  # type: ignore[misc]


#: ``names(component_id, code) -> name or None``: labels for SDMX-JSON and ``labels=both`` CSV.
NameLookup = Callable[[str, str], str | None]


@dataclass(frozen=True)
class WriteOptions:
    detail: Detail = Detail.FULL
    #: SDMX-CSV ``labels`` (``id`` or ``both``) and ``timeFormat`` (``original``).
    labels: str = "id"
    names: NameLookup | None = None
    #: Preferred language for names (SDMX-JSON ``contentLanguages``).
    language: str = "en"


#: A writer turns a message into chunks of bytes, lazily.
DataWriter = Callable[[Header, DataStructure, DataSets, WriteOptions], Iterator[bytes]]


def format_value(value: float) -> str:
    """An observation value as text: integers without '.0', other floats as Python's shortest
    round-trip repr (what sdmx1 and pandas read back to the same float)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)
