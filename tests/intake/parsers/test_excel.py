"""Excel workbooks built with openpyxl in the test, read back as rows of text."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.intake.parsers.conftest import WriteFile
from voicescount.intake.parsers import detect, open_parser
from voicescount.intake.parsers._common import EXTRA
from voicescount.intake.parsers.base import SourceRow, UnreadableFile
from voicescount.intake.parsers.excel import ExcelParser, cell_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


KENYA: list[list[object]] = [
    [],  # an empty first row: the header is the first non-empty one
    ["Indicator", "County", "Gender", "Year", "Value", "Respondents", "Collected"],
    ["5.3.1", "Murang’a", "महिला", 2024, 12.5, 412, datetime(2024, 3, 1)],
    [None, None, None, None, None, None, None],
    ["5.3.1", "  Kilifi ", "Female", 2023, 0.1, 3.0, datetime(2024, 3, 1, 10, 30)],
    ["5.3.1", "Kisumu", "Male", 2023, 1 / 3, True, None],
]


def test_workbook_rows_numbers_and_values(write: WriteFile) -> None:
    path = write("kenya.xlsx", workbook_bytes({"Data": KENYA, "Notes": [["ignored"]]}))

    parser = open_parser(path)

    assert isinstance(parser, ExcelParser)
    assert parser.declared_structure is None
    assert parser.columns() == [
        "Indicator",
        "County",
        "Gender",
        "Year",
        "Value",
        "Respondents",
        "Collected",
    ]
    rows = list(parser.rows())
    assert rows == [
        SourceRow(
            3,
            {
                "Indicator": "5.3.1",
                "County": "Murang’a",
                "Gender": "महिला",
                "Year": "2024",
                "Value": "12.5",
                "Respondents": "412",
                "Collected": "2024-03-01",
            },
        ),
        SourceRow(
            5,
            {
                "Indicator": "5.3.1",
                "County": "Kilifi",
                "Gender": "Female",
                "Year": "2023",
                "Value": "0.1",
                "Respondents": "3",
                "Collected": "2024-03-01T10:30:00",
            },
        ),
        SourceRow(
            6,
            {
                "Indicator": "5.3.1",
                "County": "Kisumu",
                "Gender": "Male",
                "Year": "2023",
                "Value": "0.3333333333333333",
                "Respondents": "true",
                "Collected": "",
            },
        ),
    ]


def test_a_named_sheet(write: WriteFile) -> None:
    path = write(
        "two.xlsx",
        workbook_bytes(
            {"Readme": [["About this file"]], "Data": [["County", "Value"], ["Nyeri", 8]]}
        ),
    )

    parser = open_parser(path, sheet="Data")

    assert list(parser.rows()) == [SourceRow(2, {"County": "Nyeri", "Value": "8"})]


def test_a_missing_sheet_names_the_ones_there(write: WriteFile) -> None:
    path = write("two.xlsx", workbook_bytes({"Readme": [["x"]], "Data": [["County"]]}))

    with pytest.raises(UnreadableFile) as caught:
        ExcelParser(path, sheet="Datos")

    assert caught.value.location == "sheet Datos"
    assert "'Readme', 'Data'" in str(caught.value)


def test_cells_past_the_header_go_under_extra(write: WriteFile) -> None:
    rows: list[list[object]] = [["County", "Value"], ["Nyeri", 8, "late note"], ["Embu", 9]]
    parser = open_parser(write("extra.xlsx", workbook_bytes({"Data": rows})))

    assert [row.values for row in parser.rows()] == [
        {"County": "Nyeri", "Value": "8", EXTRA: "late note"},
        {"County": "Embu", "Value": "9"},
    ]


def test_an_empty_sheet_is_refused(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile, match="empty"):
        ExcelParser(write("empty.xlsx", workbook_bytes({"Data": []})))


def test_a_header_naming_a_column_twice_is_refused(write: WriteFile) -> None:
    path = write("dup.xlsx", workbook_bytes({"Data": [[], ["County", "County"]]}))

    with pytest.raises(UnreadableFile) as caught:
        ExcelParser(path)

    assert caught.value.location == "sheet Data row 2"


def test_detected_by_content_even_without_a_name(write: WriteFile) -> None:
    data = workbook_bytes({"Data": [["County"], ["Nyeri"]]})

    assert detect(data[:65536], None, None) is ExcelParser
    assert detect(data[:65536], "application/octet-stream", "upload.bin") is ExcelParser


def test_not_a_workbook_named_xlsx(write: WriteFile) -> None:
    path = write("report.xlsx", b"\x00\x01\x02 definitely not a workbook \xff\xfe")

    with pytest.raises(UnreadableFile) as caught:
        open_parser(path, media_type=XLSX)

    assert "not a readable Excel workbook" in str(caught.value)


def test_a_zip_that_is_not_a_workbook(write: WriteFile, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "County,Value\nNyeri,8\n")
    path = write("archive.xlsx", buffer.getvalue())

    with pytest.raises(UnreadableFile, match="not a readable Excel workbook"):
        open_parser(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (" Nyeri ", "Nyeri"),
        (2024, "2024"),
        (2024.0, "2024"),
        (12.5, "12.5"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e20, "1e+20"),
        (True, "true"),
        (False, "false"),
        (datetime(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1, 8, 5, 7), "2024-03-01T08:05:07"),
        (date(2024, 3, 1), "2024-03-01"),
        (time(8, 30), "08:30:00"),
        (Decimal("1.50"), "1.50"),
        ("#N/A", "#N/A"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_a_wrong_stored_dimension_does_not_cut_rows(write: WriteFile) -> None:
    # Some exporters write <dimension ref="A1"/> whatever the sheet holds.
    original = zipfile.ZipFile(
        io.BytesIO(workbook_bytes({"Data": [["County", "Value"], ["Nyeri", 8]]}))
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1"/>')
                assert b'<dimension ref="A1"/>' in data
            archive.writestr(item, data)

    parser = open_parser(write("dimension.xlsx", buffer.getvalue()))

    assert parser.columns() == ["County", "Value"]
    assert list(parser.rows()) == [SourceRow(2, {"County": "Nyeri", "Value": "8"})]
