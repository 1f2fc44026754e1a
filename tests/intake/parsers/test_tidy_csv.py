"""Tidy CSV: encodings, delimiters, line numbers and the odd rows real exports contain."""

from __future__ import annotations

import pytest

from tests.intake.parsers.conftest import WriteFile
from voicescount.intake.parsers import open_parser
from voicescount.intake.parsers._common import EXTRA
from voicescount.intake.parsers.base import SourceRow, UnreadableFile
from voicescount.intake.parsers.tidy_csv import TidyCsvParser, sniff_delimiter

KENYA = (
    "Indicator,County,Gender,Year,Value,Respondents\r\n"
    "5.3.1 Girls married before 18,Kilifi,Female,2023,23.4,412\r\n"
    "5.3.1 Girls married before 18,Kisumu,Female,2023,17.9,388\r\n"
    "4.1.1 Reading proficiency,Turkana,Male,2022,31,150\r\n"
)


def test_utf8_with_bom_is_read_and_the_bom_is_not_part_of_the_first_column(
    write: WriteFile,
) -> None:
    parser = open_parser(write("kenya.csv", b"\xef\xbb\xbf" + KENYA.encode("utf-8")))

    assert isinstance(parser, TidyCsvParser)
    assert parser.columns() == ["Indicator", "County", "Gender", "Year", "Value", "Respondents"]
    assert parser.declared_structure is None
    rows = list(parser.rows())
    assert [row.number for row in rows] == [2, 3, 4]
    assert rows[0] == SourceRow(
        2,
        {
            "Indicator": "5.3.1 Girls married before 18",
            "County": "Kilifi",
            "Gender": "Female",
            "Year": "2023",
            "Value": "23.4",
            "Respondents": "412",
        },
    )
    assert rows[2].values["Value"] == "31"


def test_utf8_without_bom_and_devanagari_labels(write: WriteFile) -> None:
    text = "Indicator,District,Gender,Year,Value\n5.5.1,Kaski,महिला,2081,41.2\n"
    rows = list(open_parser(write("nepal.csv", text.encode("utf-8"))).rows())

    assert rows == [
        SourceRow(
            2,
            {
                "Indicator": "5.5.1",
                "District": "Kaski",
                "Gender": "महिला",
                "Year": "2081",
                "Value": "41.2",
            },
        )
    ]


def test_declared_cp1252_is_honoured(write: WriteFile) -> None:
    text = "Indicator,County,Gender,Year,Value\n6.1.1,Nyeri,Female,2023,80\n6.1.1,Murang’a,Male,2023,77.5\n"
    path = write("cp1252.csv", text.encode("cp1252"))

    rows = list(open_parser(path, encoding="cp1252").rows())

    assert rows[1] == SourceRow(
        3,
        {
            "Indicator": "6.1.1",
            "County": "Murang’a",
            "Gender": "Male",
            "Year": "2023",
            "Value": "77.5",
        },
    )


def test_charset_of_the_media_type_is_a_declared_encoding(write: WriteFile) -> None:
    path = write("upload", "County,Value\nMurang’a,1\n".encode("cp1252"))

    parser = open_parser(path, media_type="text/csv; charset=windows-1252")

    assert [row.values for row in parser.rows()] == [{"County": "Murang’a", "Value": "1"}]


def test_undeclared_cp1252_names_the_line_and_asks_for_the_encoding(write: WriteFile) -> None:
    text = "Indicator,County,Value\n6.1.1,Nyeri,80\n6.1.1,Murang’a,77.5\n"
    path = write("cp1252.csv", text.encode("cp1252"))

    with pytest.raises(UnreadableFile) as caught:
        list(open_parser(path).rows())

    assert caught.value.location == "line 3"
    assert "not valid UTF-8" in str(caught.value)
    assert "0x92" in str(caught.value)
    assert "declare the encoding" in str(caught.value)


def test_invalid_utf8_in_the_header_is_refused_when_opening(write: WriteFile) -> None:
    path = write("bad.csv", b"County,Caf\xe9\nNyeri,1\n")

    with pytest.raises(UnreadableFile) as caught:
        TidyCsvParser(path)

    assert caught.value.location == "line 1"


def test_latin1_declared(write: WriteFile) -> None:
    path = write("latin1.csv", "Región,Valor\nCañar,12\n".encode("latin-1"))

    rows = list(open_parser(path, encoding="latin-1").rows())

    assert rows == [SourceRow(2, {"Región": "Cañar", "Valor": "12"})]


@pytest.mark.parametrize("declared", [None, "utf-16"])
def test_utf16_with_bom_is_recognised_with_or_without_declaring_it(
    write: WriteFile, declared: str | None
) -> None:
    # Excel's "Unicode Text" export: UTF-16 with BOM, tab-delimited.
    text = "Indicator\tCounty\tGender\tValue\r\n5.3.1\tMurang’a\tमहिला\t12.5\r\n"
    path = write("unicode.txt", text.encode("utf-16"))

    parser = open_parser(path, encoding=declared)

    assert isinstance(parser, TidyCsvParser)
    assert parser.delimiter == "\t"
    assert list(parser.rows()) == [
        SourceRow(
            2, {"Indicator": "5.3.1", "County": "Murang’a", "Gender": "महिला", "Value": "12.5"}
        )
    ]


def test_unknown_encoding_name(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile) as caught:
        TidyCsvParser(write("a.csv", b"a\n1\n"), encoding="klingon-8")
    assert caught.value.location == "encoding"


def test_semicolon_delimited_with_decimal_commas(write: WriteFile) -> None:
    text = "Indicator;County;Year;Value\n5.3.1;Kilifi;2023;23,4\n5.3.1;Kisumu;2023;17,9\n"

    parser = open_parser(write("european.csv", text.encode("utf-8")))

    assert parser.columns() == ["Indicator", "County", "Year", "Value"]
    assert [row.values["Value"] for row in parser.rows()] == ["23,4", "17,9"]


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("a,b,c", ","),
        ("a;b;c", ";"),
        ("a\tb\tc", "\t"),
        ('"x;y",b,c', ","),  # delimiters inside quotes do not count
        ("single", ","),
        ("a;b,c", ","),  # a tie goes to the comma
    ],
)
def test_sniff_delimiter(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


def test_line_numbers_count_blank_lines_and_multi_line_cells(write: WriteFile) -> None:
    text = (
        "County,Value,Comment\n"  # 1
        "Kilifi,23.4,ok\n"  # 2
        "\n"  # 3 (blank)
        'Kisumu,17.9,"collected in\n'  # 4
        'two visits"\n'  # 5
        ",,\n"  # 6 (all cells empty)
        "Turkana,31,\n"  # 7
    )

    rows = list(open_parser(write("lines.csv", text.encode("utf-8"))).rows())

    assert [row.number for row in rows] == [2, 4, 7]
    assert rows[1].values["Comment"] == "collected in\ntwo visits"
    assert rows[2].values == {"County": "Turkana", "Value": "31", "Comment": ""}


def test_blank_lines_before_the_header(write: WriteFile) -> None:
    parser = open_parser(write("late.csv", b"\n\nCounty,Value\nKilifi,1\n"))

    assert parser.columns() == ["County", "Value"]
    assert [row.number for row in parser.rows()] == [4]


def test_surrounding_whitespace_is_stripped(write: WriteFile) -> None:
    rows = list(open_parser(write("spaces.csv", b" County , Value \n  Kilifi ,  23.4 \n")).rows())

    assert rows == [SourceRow(2, {"County": "Kilifi", "Value": "23.4"})]


def test_cells_beyond_the_header_go_under_extra(write: WriteFile) -> None:
    text = "County,Value\nKilifi,23.4,oops,more\nKisumu,17.9,,\nTurkana\n"

    rows = list(open_parser(write("ragged.csv", text.encode("utf-8"))).rows())

    assert rows[0].values == {"County": "Kilifi", "Value": "23.4", EXTRA: "oops,more"}
    # Trailing empty cells, as spreadsheets write them, are not extra.
    assert rows[1].values == {"County": "Kisumu", "Value": "17.9"}
    # A short row lacks the missing columns.
    assert rows[2].values == {"County": "Turkana"}


def test_extra_cells_are_joined_with_the_files_delimiter(write: WriteFile) -> None:
    rows = list(open_parser(write("semi.csv", b"County;Value\nKilifi;1;x;y\n")).rows())

    assert rows[0].values[EXTRA] == "x;y"


def test_a_column_without_a_name(write: WriteFile) -> None:
    parser = open_parser(write("unnamed.csv", b"County,,Value,\nKilifi,note,1,\nKisumu,,2,\n"))

    assert parser.columns() == ["County", "Value"]
    rows = list(parser.rows())
    assert rows[0].values == {"County": "Kilifi", "Value": "1", EXTRA: "note"}
    assert rows[1].values == {"County": "Kisumu", "Value": "2"}


def test_a_column_named_twice_is_refused(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile) as caught:
        open_parser(write("dup.csv", b"County,Value,Value\nKilifi,1,2\n"))

    assert caught.value.location == "line 1"
    assert "'Value' appears twice" in str(caught.value)


def test_header_only_has_no_rows_and_an_empty_file_is_refused(write: WriteFile) -> None:
    assert list(open_parser(write("header.csv", b"County,Value\n")).rows()) == []
    with pytest.raises(UnreadableFile, match="empty"):
        open_parser(write("empty.csv", b""))
    with pytest.raises(UnreadableFile, match="empty"):
        TidyCsvParser(write("blank.csv", b"\n\n"))


def test_a_quote_that_never_closes_is_reported_at_its_line(write: WriteFile) -> None:
    body = "".join(f"Kilifi,{i}\n" for i in range(20_000))  # more than the csv field limit
    text = 'County,Value\nKisumu,"17.9\n' + body

    with pytest.raises(UnreadableFile) as caught:
        list(open_parser(write("quote.csv", text.encode("utf-8"))).rows())

    assert caught.value.location == "line 2"
    assert "never ends" in str(caught.value)


def test_rows_can_be_read_twice(write: WriteFile) -> None:
    parser = open_parser(write("kenya.csv", KENYA.encode("utf-8")))

    assert list(parser.rows()) == list(parser.rows())
