"""What all data writers share: the registry, laziness, chunking, escaping, value text."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from lxml import etree

from tests.sdmx.writers.support import STRUCTURE, header, key, obs, write
from voicescount.sdmx import formats
from voicescount.sdmx.data import DataSetInfo, Header, Ref, Series, WriteOptions
from voicescount.sdmx.formats import Flavour
from voicescount.sdmx.writers import WRITERS, get_data_writer
from voicescount.sdmx.writers.base import (
    CHUNK_BYTES,
    csv_field,
    sdmx_datetime,
    structure_id,
    value_text,
    xml_text,
)

DATA_TYPES = [
    formats.GENERIC_21,
    formats.STRUCTURE_SPECIFIC_21,
    formats.DATA_ML_30,
    formats.DATA_JSON_10,
    formats.DATA_JSON_20,
    formats.DATA_CSV_10,
    formats.DATA_CSV_20,
]


def test_every_data_representation_has_a_writer() -> None:
    offered = {m.flavour for m in (*formats.DATA_V1, *formats.DATA_V2)}
    assert offered == set(WRITERS) == {m.flavour for m in DATA_TYPES}
    for media_type in DATA_TYPES:
        assert get_data_writer(media_type) is WRITERS[media_type.flavour]
    assert get_data_writer(Flavour.CSV20) is WRITERS[Flavour.CSV20]
    with pytest.raises(KeyError, match="structure-ml21"):
        get_data_writer(formats.STRUCTURE_ML_21)


@pytest.mark.parametrize("media_type", DATA_TYPES, ids=lambda m: m.label)
def test_writers_are_lazy_and_start_as_their_format_says(media_type: formats.MediaType) -> None:
    consumed = []

    def series() -> Any:
        consumed.append(True)
        yield Series(key("X", "KE-1", "F"), {}, [obs("2020", 1.0)])

    chunks = get_data_writer(media_type)(
        header(), STRUCTURE, [(DataSetInfo(), series())], WriteOptions()
    )
    assert consumed == []  # nothing read before the first chunk is asked for
    first = next(chunks)
    if media_type.is_xml:
        # pysdmx sniffs the declaration and a prefixed root element.
        assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<mes:')
    elif media_type.is_json:
        assert first.startswith(b'{"header":' if media_type.version == "1.0.0" else b'{"meta":')
    else:
        assert first.startswith(b"DATAFLOW," if media_type.version == "1.0.0" else b"STRUCTURE,")
    b"".join([first, *chunks])
    assert consumed == [True]


@pytest.mark.parametrize("media_type", DATA_TYPES, ids=lambda m: m.label)
def test_large_messages_come_in_chunks_of_about_64_kib(media_type: formats.MediaType) -> None:
    series = [
        Series(
            key("SP_DYN_MRBF18", f"KE-{n}", "F"),
            {"UNIT_MEASURE": "PT"},
            [
                obs(str(2000 + p), n + p / 10, OBS_STATUS="A", UNWEIGHTED_N=str(n))
                for p in range(10)
            ],
        )
        for n in range(3000)
    ]
    chunks = list(
        get_data_writer(media_type)(header(), STRUCTURE, [(DataSetInfo(), series)], WriteOptions())
    )
    assert len(chunks) > 3
    # Each chunk closes after the series that fills it; one series here is far below 64 KiB.
    # (The last chunk of SDMX-JSON also carries the structure, as big as its value lists.)
    assert all(CHUNK_BYTES <= len(c) < CHUNK_BYTES + 8 * 1024 for c in chunks[:-1])
    message = b"".join(chunks)
    if media_type.is_xml:
        etree.fromstring(message)
    elif media_type.is_json:
        json.loads(message)


@pytest.mark.parametrize("media_type", DATA_TYPES, ids=lambda m: m.label)
def test_only_time_series_or_flat(media_type: formats.MediaType) -> None:
    cross_section = Header("ID1", datetime.now(UTC), "VOICES", dimension_at_observation="REF_AREA")
    with pytest.raises(ValueError, match="REF_AREA"):
        next(get_data_writer(media_type)(cross_section, STRUCTURE, [], WriteOptions()))


@pytest.mark.parametrize("media_type", DATA_TYPES, ids=lambda m: m.label)
def test_non_finite_values(media_type: formats.MediaType) -> None:
    values = [math.nan, math.inf, -math.inf]
    data = [
        (
            DataSetInfo(),
            [
                Series(
                    key("X", "KE-1", "F"), {}, [obs(str(2020 + i), v) for i, v in enumerate(values)]
                )
            ],
        )
    ]
    message = write(get_data_writer(media_type), data=data)
    if media_type.is_json:  # JSON has no such numbers
        decoded = json.loads(message)
        data_set = (decoded.get("dataSets") or decoded["data"]["dataSets"])[0]
        (series,) = data_set["series"].values()
        assert [o[0] for o in series["observations"].values()] == [None, None, None]
    else:  # the xs:double spellings, which sdmx1 and pandas read back
        assert all(t in message for t in (b"NaN", b"INF", b"-INF"))


@pytest.mark.parametrize("media_type", DATA_TYPES, ids=lambda m: m.label)
def test_attributes_outside_the_dsd_are_not_written(media_type: formats.MediaType) -> None:
    data = [
        (DataSetInfo(), [Series(key("X", "KE-1", "F"), {"FOO": "x"}, [obs("2020", 1.0, BAR="y")])])
    ]
    text = write(get_data_writer(media_type), data=data)
    assert b"FOO" not in text and b"BAR" not in text


def test_xml_escaping() -> None:
    assert xml_text('a & b < c > "d"') == "a &amp; b &lt; c &gt; &quot;d&quot;"
    assert xml_text("Привет 你好 'x'") == "Привет 你好 'x'"
    # Line breaks and tabs survive attribute-value normalisation; illegal controls are dropped.
    assert xml_text("a\tb\nc\r") == "a&#9;b&#10;c&#13;"
    assert xml_text("bell\x07 \ufffe") == "bell "
    text = 'a & b < c > "d"\n\tПривет 你好 \U0001f600'
    element = etree.fromstring(f'<x v="{xml_text(text)}"/>'.encode())
    assert element.get("v") == text


def test_csv_quoting_is_the_csv_modules() -> None:
    import csv
    import io

    for text in ["plain", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "", " spaced ", "Привет"]:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([text, "x"])
        assert csv_field(text) + ",x\r\n" == buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e16, "1e+16"),
        (3.25e-07, "3.25e-07"),
        (12, "12"),
        (math.nan, "NaN"),
        (math.inf, "INF"),
        (-math.inf, "-INF"),
    ],
)
def test_value_text(value: float, text: str) -> None:
    assert value_text(value) == text


def test_datetimes_and_ids() -> None:
    assert sdmx_datetime(datetime(2025, 1, 2, 3, 4, 5, 678)) == "2025-01-02T03:04:05Z"
    east = timezone(timedelta(hours=3))
    assert sdmx_datetime(datetime(2025, 1, 2, 3, 4, 5, tzinfo=east)) == "2025-01-02T03:04:05+03:00"
    assert structure_id(Ref("IAEG-SDGs", "SDG", "1.8")) == "IAEG-SDGs_SDG_1_8"
    assert structure_id(Ref("1KE", "SDG", "1.0")) == "S_1KE_SDG_1_0"


@pytest.mark.parametrize("media_type", DATA_TYPES, ids=lambda m: m.label)
def test_non_latin_text_and_special_characters_survive(media_type: formats.MediaType) -> None:
    text = "Ngozi & Sons <ltd> \"quoted\", 'single' — Привет 你好 ✓\nsecond line"
    data = [
        (DataSetInfo(), [Series(key("X", "KE-1", "F"), {}, [obs("2020", 1.0, COMMENT_OBS=text)])])
    ]
    message = write(get_data_writer(media_type), data=data)
    if media_type.is_xml:
        root = etree.fromstring(message)
        assert text in [v for e in root.iter() for v in e.attrib.values()]
    elif media_type.is_json:
        decoded = json.loads(message)
        structure = decoded.get("structure") or decoded["data"]["structures"][0]
        (value,) = structure["attributes"]["observation"][-1]["values"]
        assert text in value.values()
    else:
        import csv
        import io

        (record,) = csv.DictReader(io.StringIO(message.decode(), newline=""))
        assert record["COMMENT_OBS"] == text
