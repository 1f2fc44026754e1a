"""SDMX-CSV 1.0 and 2.0: structure columns, ACTION, labels=both."""

from __future__ import annotations

import pytest

from tests.intake.parsers.conftest import WriteFile
from voicescount.intake.parsers import open_parser
from voicescount.intake.parsers.base import SourceRow, UnreadableFile
from voicescount.intake.parsers.sdmx_csv import (
    SdmxCsv1Parser,
    SdmxCsv2Parser,
    component_id,
    strip_label,
)

V1 = (
    "DATAFLOW,FREQ,SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,COMMENT\n"
    'KE_COAL:DF_COMMUNITY(1.0),A,SH_STA_BRTC,KE-047,F,2023,64.5,PT,A,"Nairobi: informal settlements"\n'
    "KE_COAL:DF_COMMUNITY(1.0),A,SH_STA_BRTC,KE-021,F,2023,58,PT,E,\n"
)


def test_sdmx_csv_1(write: WriteFile) -> None:
    parser = open_parser(write("v1.csv", V1.encode("utf-8")))

    assert isinstance(parser, SdmxCsv1Parser)
    assert parser.format == "sdmx-csv-1"
    assert parser.declared_structure == "KE_COAL:DF_COMMUNITY(1.0)"
    assert parser.columns() == [
        "FREQ",
        "SERIES",
        "REF_AREA",
        "SEX",
        "TIME_PERIOD",
        "OBS_VALUE",
        "UNIT_MEASURE",
        "OBS_STATUS",
        "COMMENT",
    ]
    rows = list(parser.rows())
    assert rows[0] == SourceRow(
        2,
        {
            "FREQ": "A",
            "SERIES": "SH_STA_BRTC",
            "REF_AREA": "KE-047",
            "SEX": "F",
            "TIME_PERIOD": "2023",
            "OBS_VALUE": "64.5",
            "UNIT_MEASURE": "PT",
            "OBS_STATUS": "A",
            # Without labels=both, text holding ": " is left alone.
            "COMMENT": "Nairobi: informal settlements",
        },
    )
    assert rows[1].number == 3
    assert "DATAFLOW" not in rows[1].values


def test_sdmx_csv_1_labels_both(write: WriteFile) -> None:
    text = (
        "DATAFLOW,FREQ: Frequency,REF_AREA: Reference area,SEX: Sex,TIME_PERIOD: Time,"
        "OBS_VALUE: Observation value\n"
        "KE_COAL:DF_COMMUNITY(1.0): Community data,A: Annual,KE-047: Nairobi,F: Female,"
        "2023,64.5\n"
    )

    parser = open_parser(write("labels.csv", text.encode("utf-8")))

    assert parser.declared_structure == "KE_COAL:DF_COMMUNITY(1.0)"
    assert parser.columns() == ["FREQ", "REF_AREA", "SEX", "TIME_PERIOD", "OBS_VALUE"]
    assert list(parser.rows()) == [
        SourceRow(
            2,
            {
                "FREQ": "A",
                "REF_AREA": "KE-047",
                "SEX": "F",
                "TIME_PERIOD": "2023",
                "OBS_VALUE": "64.5",
            },
        )
    ]


V2 = (
    "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
    "dataflow,KE_COAL:DF_COMMUNITY(1.0),Community data,I,SH_STA_BRTC,KE-047,F,2023,64.5,A\n"
    "dataflow,KE_COAL:DF_COMMUNITY(1.0),Community data,,SH_STA_BRTC,KE-021,F,2023,58,E\n"
    "dataflow,KE_COAL:DF_COMMUNITY(1.0),Community data,D,SH_STA_BRTC,KE-001,F,2023,,\n"
)


def test_sdmx_csv_2(write: WriteFile) -> None:
    parser = open_parser(write("v2.csv", V2.encode("utf-8")))

    assert isinstance(parser, SdmxCsv2Parser)
    assert parser.format == "sdmx-csv-2"
    assert parser.declared_structure == "KE_COAL:DF_COMMUNITY(1.0)"
    assert parser.columns() == [
        "ACTION",
        "SERIES",
        "REF_AREA",
        "SEX",
        "TIME_PERIOD",
        "OBS_VALUE",
        "OBS_STATUS",
    ]
    rows = list(parser.rows())
    assert rows[0] == SourceRow(
        2,
        {
            "ACTION": "I",
            "SERIES": "SH_STA_BRTC",
            "REF_AREA": "KE-047",
            "SEX": "F",
            "TIME_PERIOD": "2023",
            "OBS_VALUE": "64.5",
            "OBS_STATUS": "A",
        },
    )
    # ACTION is handed on as found, so validation can refuse a deletion row by row.
    assert [row.values["ACTION"] for row in rows] == ["I", "", "D"]
    assert [row.number for row in rows] == [2, 3, 4]


def test_sdmx_csv_2_labels_both_brackets_and_semicolons(write: WriteFile) -> None:
    text = (
        "STRUCTURE[|];STRUCTURE_ID;ACTION;SERIES_KEY;OBS_KEY;REF_AREA: Reference area;"
        "SEX: Sex;TIME_PERIOD: Time;OBS_VALUE: Observation value;COMMENT: Comment\n"
        "dataflow;KE_COAL:DF_COMMUNITY(1.0): Données communautaires;I;KE-047.F;KE-047.F.2023;"
        'KE-047: Nairobi;F: Female;2023: 2023;64,5;"Nairobi; informal settlements"\n'
    )

    parser = open_parser(write("v2-labels.csv", text.encode("utf-8")))

    assert isinstance(parser, SdmxCsv2Parser)
    assert parser.declared_structure == "KE_COAL:DF_COMMUNITY(1.0)"
    rows = list(parser.rows())
    assert rows == [
        SourceRow(
            2,
            {
                "ACTION": "I",
                "REF_AREA": "KE-047",
                "SEX": "F",
                "TIME_PERIOD": "2023",
                "OBS_VALUE": "64,5",
                "COMMENT": "Nairobi; informal settlements",
            },
        )
    ]


def test_sdmx_csv_2_multi_valued_columns_keep_their_raw_values(write: WriteFile) -> None:
    text = (
        "STRUCTURE[;],STRUCTURE_ID,ACTION,REF_AREA,OBS_VALUE,COMMENT[],NOTE[en;fr]\n"
        'dataflow,KE_COAL:DF_COMMUNITY(1.0),I,KE-047,64.5,X;Y,"en:Value ""X"";fr:Valeur ""X"""\n'
    )

    rows = list(open_parser(write("multi.csv", text.encode("utf-8"))).rows())

    assert rows[0].values == {
        "ACTION": "I",
        "REF_AREA": "KE-047",
        "OBS_VALUE": "64.5",
        "COMMENT": "X;Y",
        "NOTE": 'en:Value "X";fr:Valeur "X"',
    }


def test_sdmx_csv_2_without_structure_name(write: WriteFile) -> None:
    text = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,OBS_VALUE\ndatastructure,KE_COAL:DSD_COMMUNITY(1.0),I,KE-047,1\n"

    parser = open_parser(write("dsd.csv", text.encode("utf-8")))

    assert parser.declared_structure == "KE_COAL:DSD_COMMUNITY(1.0)"
    assert [row.values for row in parser.rows()] == [
        {"ACTION": "I", "REF_AREA": "KE-047", "OBS_VALUE": "1"}
    ]


def test_a_second_structure_in_one_file_is_refused_at_its_line(write: WriteFile) -> None:
    text = (
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,OBS_VALUE\n"
        "dataflow,KE_COAL:DF_COMMUNITY(1.0),I,KE-047,1\n"
        "dataflow,KE_COAL:DF_COMMUNITY(1.1),I,KE-047,2\n"
    )
    parser = open_parser(write("two.csv", text.encode("utf-8")))

    rows = parser.rows()
    assert next(rows).number == 2
    with pytest.raises(UnreadableFile) as caught:
        next(rows)
    assert caught.value.location == "line 3"
    assert "KE_COAL:DF_COMMUNITY(1.1)" in str(caught.value)


def test_sdmx_csv_with_bom_and_no_rows(write: WriteFile) -> None:
    parser = open_parser(write("empty.csv", b"\xef\xbb\xbfDATAFLOW,REF_AREA,OBS_VALUE\r\n"))

    assert isinstance(parser, SdmxCsv1Parser)
    assert parser.declared_structure is None
    assert list(parser.rows()) == []


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("OBS_VALUE: Observation value", "OBS_VALUE"),
        ("ATTR_1[en;fr]", "ATTR_1"),
        ("STRUCTURE[;]", "STRUCTURE"),
        ("CONTACT[].NAME[]", "CONTACT.NAME"),
        (" REF_AREA ", "REF_AREA"),
    ],
)
def test_component_id(cell: str, expected: str) -> None:
    assert component_id(cell) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("F: Female", "F"),
        ("ESTAT:NA_MAIN(1.6.0): National Accounts", "ESTAT:NA_MAIN(1.6.0)"),
        ("2014-01: 2014-01", "2014-01"),
        ("Normal, special: and other values", "Normal, special: and other values"),
        ("12.4", "12.4"),
    ],
)
def test_strip_label(value: str, expected: str) -> None:
    assert strip_label(value) == expected
