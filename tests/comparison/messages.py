"""Official SDG data messages built in the tests: SDMX-CSV 1.0 text, and SDMX-ML 2.1 generic
data written by sdmx1 from a small ``sdmx.model`` data set."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sdmx
from sdmx.message import DataMessage, Header
from sdmx.model import v21 as m
from sdmx.model.common import Agency

from voicescount.storage.tables.intake import DIMENSIONS

ATTRIBUTES = ("UNIT_MEASURE", "OBS_STATUS", "NATURE")
DEFAULTS = {"FREQ": "A", "REPORTING_TYPE": "G"}


def _full(row: dict[str, str]) -> dict[str, str]:
    """A row with every SDG dimension: FREQ A, REPORTING_TYPE G, breakdowns _T."""
    return {d: row.get(d, DEFAULTS.get(d, "_T")) for d in DIMENSIONS} | {
        k: v for k, v in row.items() if k not in DIMENSIONS
    }


def sdmx_csv_1(rows: Iterable[dict[str, str]], dataflow: str) -> bytes:
    """SDMX-CSV 1.0: DATAFLOW, the 15 dimensions, TIME_PERIOD, OBS_VALUE, attributes."""
    columns = ["DATAFLOW", *DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES]
    lines = [",".join(columns)]
    for row in rows:
        full = _full(row) | {"DATAFLOW": dataflow}
        lines.append(",".join(full.get(c, "") for c in columns))
    return ("\n".join(lines) + "\n").encode()


def sdg_dsd() -> m.DataStructureDefinition:
    """The SDG DSD's dimensions and a few attributes, enough for sdmx1 to write data."""
    dsd = m.DataStructureDefinition(id="SDG", maintainer=Agency(id="IAEG-SDGs"), version="1.14")
    for order, dimension in enumerate(DIMENSIONS):
        dsd.dimensions.getdefault(dimension, order=order)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=m.TimeDimension, order=len(DIMENSIONS))
    dsd.measures.getdefault("OBS_VALUE")
    for attribute in ATTRIBUTES:
        dsd.attributes.getdefault(attribute)
    return dsd


def generic_message(rows: Iterable[dict[str, str]], *, message_id: str, sender: str) -> bytes:
    """SDMX-ML 2.1 GenericData written by ``sdmx.to_xml``: one series per key."""
    dsd = sdg_dsd()
    dataset = m.GenericDataSet(structured_by=dsd)
    for row in rows:
        full = _full(row)
        key = dsd.make_key(m.SeriesKey, {d: full[d] for d in DIMENSIONS})
        key.attrib["UNIT_MEASURE"] = m.AttributeValue(
            value=full["UNIT_MEASURE"], value_for=dsd.attributes.get("UNIT_MEASURE")
        )
        observation = m.Observation(
            series_key=key,
            dimension=dsd.make_key(m.Key, {"TIME_PERIOD": full["TIME_PERIOD"]}),
            value=full["OBS_VALUE"],
            value_for=dsd.measures[0],
            attached_attribute={
                "OBS_STATUS": m.AttributeValue(
                    value=full.get("OBS_STATUS", "A"), value_for=dsd.attributes.get("OBS_STATUS")
                )
            },
        )
        dataset.add_obs([observation], key)
    message = DataMessage(
        data=[dataset],
        observation_dimension=dsd.dimensions.get("TIME_PERIOD"),
        header=Header(
            id=message_id, sender=Agency(id=sender), prepared=datetime(2024, 5, 1, tzinfo=UTC)
        ),
    )
    # sdmx1 2.28 names the root StructureSpecificData whatever its data sets are.
    return sdmx.to_xml(message, pretty_print=True).replace(
        b"mes:StructureSpecificData", b"mes:GenericData"
    )
