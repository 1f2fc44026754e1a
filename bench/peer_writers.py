"""The peer of publishing: sdmx1 writing the observations voicescount publishes.

The observations come from the store, through ``voicescount.publishing.feeds`` (the same series,
keys and attributes the HTTP endpoint writes), and become an sdmx1 ``DataMessage`` with a DSD
built in sdmx1's own information model (SDMX 2.1): the 15 dimensions, TIME_PERIOD, OBS_VALUE and
the attributes by attachment level. Building the message is not timed; writing it is.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _dsd(structure: Any) -> tuple[Any, Any]:
    """An sdmx1 v2.1 DSD and dataflow shaped like voicescount's ``DataStructure``."""
    from sdmx.model import common, v21

    agency = common.Agency(id=structure.ref.agency)
    dsd = v21.DataStructureDefinition(
        id=structure.ref.id, maintainer=agency, version=structure.ref.version
    )
    for dimension in structure.dimensions:
        dsd.dimensions.getdefault(dimension)
    dsd.dimensions.getdefault(structure.time_dimension, cls=v21.TimeDimension)
    dsd.measures.getdefault(structure.measure)
    series_relation = v21.DimensionRelationship(dimensions=list(dsd.dimensions.components))
    for attribute in structure.observation_attributes:
        dsd.attributes.getdefault(attribute, related_to=v21.PrimaryMeasureRelationship())
    for attribute in structure.series_attributes:
        dsd.attributes.getdefault(attribute, related_to=series_relation)
    for attribute in structure.dataset_attributes:
        dsd.attributes.getdefault(attribute, related_to=v21.NoSpecifiedRelationship())
    flow = v21.DataflowDefinition(
        id="DF_SDG_COMMUNITY", maintainer=agency, version="1.0", structure=dsd
    )
    return dsd, flow


def data_message(structure: Any, series: Iterable[Any], fmt: str) -> Any:
    """An sdmx1 ``DataMessage`` holding ``series`` (voicescount ``Series``) as one data set."""
    from sdmx.message import DataMessage
    from sdmx.model import common, v21

    dsd, flow = _dsd(structure)
    cls = {
        "structure-specific": v21.StructureSpecificTimeSeriesDataSet,
        "generic": v21.GenericTimeSeriesDataSet,
        "csv": v21.DataSet,
    }[fmt]
    data_set = cls(structured_by=dsd, described_by=flow)
    measure = dsd.measures.get(structure.measure)
    attributes = {a.id: a for a in dsd.attributes.components}
    time = structure.time_dimension
    dimensions = structure.dimensions
    for item in series:
        key = dsd.make_key(common.SeriesKey, dict(zip(dimensions, item.key, strict=True)))
        for attribute, value in item.attributes.items():
            key.attrib[attribute] = common.AttributeValue(
                value=value, value_for=attributes[attribute]
            )
        observations = [
            v21.Observation(
                dimension=dsd.make_key(common.Key, {time: o.time}),
                value=o.value,
                value_for=measure,
                attached_attribute={
                    a: common.AttributeValue(value=v, value_for=attributes[a])
                    for a, v in o.attributes.items()
                    if v
                },
            )
            for o in item.observations
        ]
        data_set.add_obs(observations, key)
    message = DataMessage(data=[data_set], dataflow=flow)
    message.header.sender = common.Agency(id=structure.ref.agency)
    return message


def count(message: Any) -> int:
    return sum(len(data_set.obs) for data_set in message.data)


def write(message: Any, fmt: str) -> int:
    """Write ``message`` with sdmx1 as it would be sent; the size in bytes."""
    import sdmx

    if fmt == "csv":
        # to_csv(rtype=str) pretty-prints with pandas' to_string; a path gives real SDMX-CSV
        # (2.0), written to a temporary file (as a server would to its socket) to count its
        # bytes. attributes="dsgo" writes every attribute, as the endpoint does; without it,
        # sdmx1 writes the keys and values only.
        with tempfile.TemporaryDirectory(prefix="sdmx1-csv-") as tmp:
            path = Path(tmp) / "data.csv"
            sdmx.to_csv(
                message.data[0],
                path=path,
                labels="id",
                time_format="original",
                attributes="dsgo",
            )
            return path.stat().st_size
    return len(sdmx.to_xml(message))
