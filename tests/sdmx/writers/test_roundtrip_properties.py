"""Property: random keys, values and attribute texts come back from sdmx1 exactly as written,
through SDMX-CSV 2.0 (read with the dataflow) and SDMX-ML 2.1 GenericData (read without a DSD).

Text alphabets: any character XML 1.0 allows, line breaks and tabs included, for SDMX-ML.
SDMX-CSV excludes what sdmx1's CSV reader cannot take inside a quoted field: it splits the body
with ``str.splitlines()`` before the csv module sees it, so ``\\n``, ``\\r``, ``\\x0b``,
``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029 break a row (a reader limitation;
the writer quotes them correctly, see test_writers.py).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sdmx.writers.support import (
    DIMENSIONS,
    OBS_ATTRIBUTES,
    expected_rows,
    header,
    same,
    sdmx1_read,
    sdmx1_rows,
    sdmx1_structures,
    write,
)
from voicescount.sdmx.data import Action, DataSetInfo, Observation, Series
from voicescount.sdmx.writers.sdmx_csv import write_csv20
from voicescount.sdmx.writers.xml21 import write_generic

pytestmark = pytest.mark.interop

CODE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789_@$-", min_size=1, max_size=8)
PERIOD = st.one_of(
    st.integers(1990, 2035).map(str),
    st.tuples(st.integers(1990, 2035), st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
    st.tuples(st.integers(1990, 2035), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
)
VALUE = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
# XML 1.0 characters (tab, LF, CR and U+0020 onwards, no surrogates, no U+FFFE/U+FFFF).
XML_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"
    ).filter(lambda c: c in "\t\n\r" or c >= " "),
    max_size=40,
)
CSV_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
CSV_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]).filter(
        lambda c: c not in CSV_BREAKS
    ),
    max_size=40,
)


@st.composite
def message(
    draw: Any, text: st.SearchStrategy[str], dataset_attributes: bool = True
) -> list[tuple[DataSetInfo, list[Series]]]:
    keys = draw(st.lists(st.tuples(*[CODE] * len(DIMENSIONS)), min_size=1, max_size=4, unique=True))
    series = []
    for series_key in keys:
        periods = draw(st.lists(PERIOD, min_size=1, max_size=4, unique=True))
        observations = [
            Observation(
                period,
                draw(VALUE),
                draw(st.dictionaries(st.sampled_from(OBS_ATTRIBUTES), text, max_size=4)),
            )
            for period in periods
        ]
        unit = draw(st.dictionaries(st.just("UNIT_MEASURE"), text, max_size=1))
        series.append(Series(series_key, unit, observations))
    info = DataSetInfo(
        action=draw(st.sampled_from(list(Action))),
        attributes=draw(
            st.dictionaries(
                st.just("DATA_SOURCE_NOTE"), text, max_size=1 if dataset_attributes else 0
            )
        ),
    )
    return [(info, series)]


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True, scope="module")
def _quiet_sdmx1() -> None:
    logging.getLogger("sdmx").setLevel(logging.ERROR)


@PROPERTY
@given(message(XML_TEXT, dataset_attributes=False))
def test_generic_xml_round_trips_through_sdmx1(
    data: list[tuple[DataSetInfo, list[Series]]],
) -> None:
    """Without data-set attributes: sdmx1 gives them to a series that has none of its own
    (see test_xml21.py::test_sdmx1_misfiles_generic_data_set_attributes)."""
    written = write(write_generic, data=data, header=header())
    (actual,) = sdmx1_rows(sdmx1_read(written))
    (expected,) = expected_rows(data)
    assert same(actual, expected)


@PROPERTY
@given(message(CSV_TEXT))
def test_csv20_round_trips_through_sdmx1(data: list[tuple[DataSetInfo, list[Series]]]) -> None:
    _, flow = sdmx1_structures()
    written = write(write_csv20, data=data, header=header())
    (actual,) = sdmx1_rows(sdmx1_read(written, structure=flow, format="CSV"))
    (expected,) = expected_rows(data)  # SDMX-CSV repeats data-set attributes on every row
    assert same(actual, expected)
