"""Blocks of series (the feeds' column path) are written exactly as the same series one by one.

Every writer, every ``detail``, time series and flat, ``labels=both``: the bytes of a message
whose data sets hand out :class:`SeriesBlock` items must equal those of the message holding
``block.series()``. The blocks mix what the column paths treat specially: plain codes and
codes to escape or quote, empty codes, constant and per-observation attributes, absent values,
extra attributes, several observations per series and one.
"""

from __future__ import annotations

import pytest

from voicescount.sdmx.data import (
    DataSetInfo,
    Detail,
    SeriesBlock,
    WriteOptions,
)
from voicescount.sdmx.writers import WRITERS

from .support import CITATION, COMMENT, STRUCTURE, header, key


def _keys(*codes: tuple[str, ...]) -> list[str]:
    return [".".join(c) for c in codes]


PLAIN = SeriesBlock(
    keys=_keys(
        key("SI_POV_DAY1", "KE", "F"),
        key("SI_POV_DAY1", "KE", "F"),
        key("SI_POV_DAY1", "KE", "M", "Y15T24"),
        key("SL_TLF_UEM", "KE-30", "_T"),
        key("SL_TLF_UEM", "KE-30", "_T"),
        key("SL_TLF_UEM", "KE-30", "_T"),
    ),
    times=["2019", "2020", "2021", "2019", "2020-Q1", "2021"],
    values=[12.5, None, 3.0, float("nan"), 1e20, -0.1],
    attributes=[
        ("OBS_STATUS", ["A", "A", "E", "A", "M", "A"]),
        ("CONF_STATUS", ["F", "C", "F", "F", "F", "F"]),
        ("CITATION_REF", CITATION),
        ("PRODUCER_TYPE", "CGD"),  # not an observation attribute here: left out
        ("UNIT_MULT", [None, "0", "", "3", None, "0"]),
        ("UNWEIGHTED_N", ["120", None, "7", "15", "1500", None]),
    ],
    series_attributes=[("UNIT_MEASURE", ["PT", "PT", None, "NUMBER", "NUMBER", "X"])],
    extra=[None, (("COMMENT_OBS", COMMENT),), None, None, (("NATURE", "E"),), None],
)

#: Codes a template may not take as they are: escaping, quoting and an empty code.
AWKWARD = SeriesBlock(
    keys=[
        ".".join(key("SI_POV_DAY1", 'K"E<&>', "F")),
        ".".join(key("SI_POV_DAY1", "KE,1", "F")),
        ".".join(key("SI_POV_DAY1", "", "F")),
        ".".join(key("SI_POV_DAY1", "Кения", "F")),
    ],
    times=["2019", "2019", "2019", "2020"],
    values=[1.0, 2.0, 3.0, 4.0],
    attributes=[("OBS_STATUS", "A"), ("COMMENT_OBS", ['a "b"', None, "c,d", "e\nf"])],
    series_attributes=[("UNIT_MEASURE", ["PT", "PT", "PT", "PT"])],
)

DELETED = SeriesBlock(
    keys=_keys(key("SI_POV_DAY1", "KE", "F"), key("SI_POV_DAY1", "KE", "M")),
    times=["2019", "2019"],
    values=[None, None],
)


@pytest.mark.parametrize("flavour", sorted(WRITERS, key=lambda f: f.value))
@pytest.mark.parametrize("detail", list(Detail))
@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("labels", ["id", "both"])
def test_blocks_write_the_bytes_of_their_series(flavour, detail, flat, labels) -> None:
    writer = WRITERS[flavour]
    names = {("REF_AREA", "KE"): "Kenya", ("SEX", "F"): 'Female, "F"'}
    options = WriteOptions(detail=detail, labels=labels, names=lambda c, code: names.get((c, code)))
    sets = [
        (DataSetInfo(set_id="R1", attributes={"DATA_SOURCE_NOTE": "a & b"}), [PLAIN, AWKWARD]),
        (DataSetInfo(set_id="R2"), [DELETED]),
    ]
    as_blocks = b"".join(writer(header(flat), STRUCTURE, sets, options))
    one_by_one = [(info, [s for block in items for s in block.series()]) for info, items in sets]
    as_series = b"".join(writer(header(flat), STRUCTURE, one_by_one, options))
    assert as_blocks == as_series


def test_a_block_lists_its_series_in_order() -> None:
    series = list(PLAIN.series())
    assert [len(list(s.observations)) for s in series] == [2, 1, 3]
    assert PLAIN.starts() == [0, 2, 3]
    first = list(series[0].observations)
    assert series[0].attributes == {"UNIT_MEASURE": "PT"}
    assert first[1].attributes == {
        "OBS_STATUS": "A",
        "CONF_STATUS": "C",
        "CITATION_REF": CITATION,
        "PRODUCER_TYPE": "CGD",
        "UNIT_MULT": "0",
        "COMMENT_OBS": COMMENT,
    }
    assert series[1].attributes == {}  # its first observation has no unit
