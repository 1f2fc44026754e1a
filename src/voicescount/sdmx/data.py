"""What the SDMX data writers consume: plain, streaming data, independent of the store.

A data message is a :class:`Header`, the :class:`DataStructure` it follows, and a sequence of
data sets; each data set is a :class:`DataSetInfo` with an iterator of :class:`Series`, each
series an iterator of :class:`Observation`. Everything arrives in order and is written as it
arrives, so a writer never holds more than one series.

With ``dimension_at_observation = ALL_DIMENSIONS`` ("flat"), a series is still a group of
observations sharing a key, but writers put every dimension on the observation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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


DataSets = Iterable[tuple[DataSetInfo, Iterable[Series]]]

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
