"""SDMX-ML data messages built with sdmx1 (its model and ``sdmx.to_xml``), and sdmx1 as the
reference reader the parser is checked against."""

from __future__ import annotations

import io
import math
from typing import Literal

import sdmx
from sdmx.message import DataMessage
from sdmx.model import v21 as m
from sdmx.model.common import Agency

Layout = Literal["ts", "xs", "flat"]
Flavour = Literal["generic", "structure-specific"]

AREAS = ("KE-047", "KE-021", "KE-001")  # Nairobi, Murang'a, Mombasa (ISO 3166-2)
YEARS = ("2021", "2022", "2023")
SEXES = ("F", "M")


def community_dsd() -> m.DataStructureDefinition:
    dsd = m.DataStructureDefinition(
        id="DSD_COMMUNITY", maintainer=Agency(id="KE_COAL"), version="1.0"
    )
    for order, dimension in enumerate(("SERIES", "REF_AREA", "SEX")):
        dsd.dimensions.getdefault(dimension, order=order)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=m.TimeDimension, order=3)
    dsd.measures.getdefault("OBS_VALUE")
    for attribute in ("UNIT_MEASURE", "OBS_STATUS", "COMMENT", "SOURCE_DETAIL"):
        dsd.attributes.getdefault(attribute)
    return dsd


def _value(area: int, year: int, sex: int) -> str:
    # Texts a float round trip would change: 0.1, 12.50, 7.
    return ("0.1", "12.50", "7", "64.25", "1000000.5", "0")[(area + 2 * year + sex) % 6]


def _attribute(dsd: m.DataStructureDefinition, id_: str, value: str) -> m.AttributeValue:
    return m.AttributeValue(value=value, value_for=dsd.attributes.get(id_))


def _observation(
    dsd: m.DataStructureDefinition,
    key: dict[str, str],
    value: str,
    series_key: m.SeriesKey | None = None,
) -> m.Observation:
    attributes = {"OBS_STATUS": _attribute(dsd, "OBS_STATUS", "E" if value == "0" else "A")}
    if value == "7":
        attributes["COMMENT"] = _attribute(dsd, "COMMENT", "Murang’a: महिला respondents")
    return m.Observation(
        series_key=series_key,
        dimension=dsd.make_key(m.Key, key),
        value=value,
        value_for=dsd.measures[0],
        attached_attribute=attributes,
    )


def build_message(
    dsd: m.DataStructureDefinition,
    flavour: Flavour,
    layout: Layout,
    *,
    dataset_attributes: bool = True,
) -> DataMessage:
    """Observations of SERIES × REF_AREA × SEX × TIME_PERIOD, arranged by ``layout``.

    ``ts``: series keyed by area and sex, TIME_PERIOD at observation level; ``xs``: series keyed
    by period and sex, REF_AREA at observation level; ``flat``: no series (AllDimensions).
    """
    cls = m.GenericDataSet if flavour == "generic" else m.StructureSpecificDataSet
    dataset = cls(structured_by=dsd)
    if dataset_attributes:
        dataset.attrib["SOURCE_DETAIL"] = _attribute(dsd, "SOURCE_DETAIL", "Scorecard 2024")
    if layout == "flat":
        for a, area in enumerate(AREAS):
            for y, year in enumerate(YEARS):
                key = {"SERIES": "SH_STA_BRTC", "REF_AREA": area, "SEX": "F", "TIME_PERIOD": year}
                dataset.obs.append(_observation(dsd, key, _value(a, y, 0)))
        return DataMessage(data=[dataset], observation_dimension=m.AllDimensions)
    at_obs = "TIME_PERIOD" if layout == "ts" else "REF_AREA"
    outer, inner = (AREAS, YEARS) if layout == "ts" else (YEARS, AREAS)
    for s, sex in enumerate(SEXES):
        for o, outer_value in enumerate(outer):
            other = "REF_AREA" if layout == "ts" else "TIME_PERIOD"
            key = dsd.make_key(
                m.SeriesKey, {"SERIES": "SH_STA_BRTC", "SEX": sex, other: outer_value}
            )
            key.attrib["UNIT_MEASURE"] = _attribute(dsd, "UNIT_MEASURE", "PT")
            observations = [
                _observation(dsd, {at_obs: inner_value}, _value(o, i, s), key)
                for i, inner_value in enumerate(inner)
            ]
            dataset.add_obs(observations, key)
    return DataMessage(data=[dataset], observation_dimension=dsd.dimensions.get(at_obs))


def to_xml(message: DataMessage, root: str | None = None) -> bytes:
    """``sdmx.to_xml``, with the root element renamed to ``root`` if given.

    sdmx1 (2.28) names the root StructureSpecificData whatever the data sets are, so a generic
    message needs its root renamed to be what it says it is.
    """
    xml = sdmx.to_xml(message, pretty_print=True)
    if root is not None:
        xml = xml.replace(b"mes:StructureSpecificData", f"mes:{root}".encode())
    return xml


def reference_rows(xml: bytes, dsd: m.DataStructureDefinition) -> list[dict[str, str]]:
    """The observations sdmx1 reads from ``xml``: dimensions, OBS_VALUE and attributes."""
    message = sdmx.read_sdmx(io.BytesIO(xml), structure=dsd)
    rows: list[dict[str, str]] = []
    for dataset in message.data:
        frame = sdmx.to_pandas(dataset, attributes="dso", dtype=None).reset_index()
        for record in frame.to_dict("records"):
            rows.append(
                {
                    ("OBS_VALUE" if key == "value" else str(key)): str(value)
                    for key, value in record.items()
                    if not _missing(value)
                }
            )
    return rows


def _missing(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def canonical(rows: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    """Rows as sorted tuples, to compare sets of observations regardless of order."""
    return sorted(tuple(sorted(row.items())) for row in rows)
