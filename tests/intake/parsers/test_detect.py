"""Detection: content first, then media type, then file name; a declared format wins."""

from __future__ import annotations

import pytest

from tests.intake.parsers.conftest import WriteFile
from voicescount.intake.parsers import FORMATS, PARSERS, detect, open_parser
from voicescount.intake.parsers.base import UnreadableFile
from voicescount.intake.parsers.excel import ExcelParser
from voicescount.intake.parsers.json_records import JsonRecordsParser
from voicescount.intake.parsers.sdmx_csv import SdmxCsv1Parser, SdmxCsv2Parser
from voicescount.intake.parsers.sdmx_ml import GenericDataParser, StructureSpecificDataParser
from voicescount.intake.parsers.tidy_csv import TidyCsvParser


def test_every_format_is_registered_once() -> None:
    assert set(FORMATS) == {
        "csv",
        "sdmx-csv-1",
        "sdmx-csv-2",
        "xlsx",
        "json",
        "sdmx-ml-generic",
        "sdmx-ml-structure-specific",
    }
    assert len(PARSERS) == len(FORMATS)
    # SDMX-CSV must be asked before tidy CSV, which takes any text.
    assert PARSERS.index(SdmxCsv1Parser) < PARSERS.index(TidyCsvParser)
    assert PARSERS.index(SdmxCsv2Parser) < PARSERS.index(TidyCsvParser)


@pytest.mark.parametrize(
    ("head", "parser"),
    [
        (b"County,Value\nNyeri,1\n", TidyCsvParser),
        (b"\xef\xbb\xbfCounty;Value\n", TidyCsvParser),
        (b"DATAFLOW,REF_AREA,OBS_VALUE\n", SdmxCsv1Parser),
        (b'"DATAFLOW";"REF_AREA"\n', SdmxCsv1Parser),
        (b"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA\n", SdmxCsv2Parser),
        (b"STRUCTURE[;]\tSTRUCTURE_ID\tACTION\n", SdmxCsv2Parser),
        (b'[\n  {"County": "Nyeri"}]', JsonRecordsParser),
        (b"[]", JsonRecordsParser),
        (b'{"observations": []}', JsonRecordsParser),
        (b"<?xml version='1.0'?><m:GenericData xmlns:m='x'/>", GenericDataParser),
        (b"<m:StructureSpecificData xmlns:m='x'/>", StructureSpecificDataParser),
        (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml xl/workbook.xml", ExcelParser),
        # A CSV whose first cell happens to start with a bracket is not JSON.
        (b"[County],Value\n", TidyCsvParser),
    ],
)
def test_content_decides(head: bytes, parser: type) -> None:
    assert detect(head, None, None) is parser


def test_content_wins_over_media_type_and_name() -> None:
    csv = b"County,Value\nNyeri,1\n"

    assert detect(csv, "application/json", "data.json") is TidyCsvParser
    assert detect(b'[{"a": 1}]', "text/csv", "data.csv") is JsonRecordsParser


def test_labels_decide_what_content_cannot() -> None:
    # A zip without workbook parts in its first bytes, and binary junk, are workbooks only by
    # their label.
    zipped = b"PK\x03\x04\x14\x00\x00\x00docProps/app.xml"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    assert detect(zipped, xlsx, None) is ExcelParser
    assert detect(zipped, None, "Survey.XLSX") is ExcelParser
    with pytest.raises(UnreadableFile, match="cannot be recognised"):
        detect(zipped, "application/zip", "survey.zip")


def test_a_declared_format_wins() -> None:
    assert detect(b"County,Value\n", "text/csv", "a.csv", "xlsx") is ExcelParser
    assert detect(b"", None, None, " SDMX-CSV-2 ") is SdmxCsv2Parser


def test_an_unknown_declared_format_lists_the_supported_ones() -> None:
    with pytest.raises(UnreadableFile) as caught:
        detect(b"a,b\n", None, None, "ods")

    assert caught.value.location == "format"
    for name in FORMATS:
        assert name in str(caught.value)


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf \n", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", r"Excel 97-2003"),
        (b"%PDF-1.7\n\x00\x01", "PDF"),
        (b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "OpenDocument"),
        (b"\x00\x01\x02\x03", "Supported formats: sdmx-ml-structure-specific"),
    ],
)
def test_unrecognised_files_say_why(head: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        detect(head, None, "upload.bin")


def test_open_parser_shows_a_declared_encoding_to_detection(write: WriteFile) -> None:
    # UTF-16 without a BOM is binary-looking until the encoding is known.
    path = write(
        "nobom.csv", "DATAFLOW,REF_AREA,OBS_VALUE\nKE_COAL:DF(1.0),KE-047,1\n".encode("utf-16-le")
    )

    parser = open_parser(path, encoding="utf-16-le")

    assert isinstance(parser, SdmxCsv1Parser)
    assert [row.values for row in parser.rows()] == [{"REF_AREA": "KE-047", "OBS_VALUE": "1"}]


def test_open_parser_with_an_unknown_encoding(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile, match="Unknown text encoding"):
        open_parser(write("a.csv", b"a\n1\n"), encoding="nope")
