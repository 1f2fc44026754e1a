"""JSON records: arrays, wrapped arrays and JSON Lines, with values as exact text."""

from __future__ import annotations

import json

import pytest

from tests.intake.parsers.conftest import WriteFile
from voicescount.intake.parsers import open_parser
from voicescount.intake.parsers.base import SourceRow, UnreadableFile
from voicescount.intake.parsers.json_records import JsonRecordsParser

ARRAY = """[
  {"Indicator": "5.3.1", "County": "Murang’a", "Gender": "महिला", "Year": 2024,
   "Value": 0.1, "Respondents": 412, "Verified": true, "Comment": null},
  {"Indicator": "5.3.1", "County": " Kilifi ", "Gender": "Female", "Year": "2023",
   "Value": 1.50, "Respondents": 1e2, "Verified": false, "Comment": "door to door"}
]
"""


def test_array_of_records(write: WriteFile) -> None:
    parser = open_parser(write("kenya.json", ARRAY.encode("utf-8")))

    assert isinstance(parser, JsonRecordsParser)
    assert parser.declared_structure is None
    assert parser.columns() == [
        "Indicator",
        "County",
        "Gender",
        "Year",
        "Value",
        "Respondents",
        "Verified",
        "Comment",
    ]
    assert list(parser.rows()) == [
        SourceRow(
            1,
            {
                "Indicator": "5.3.1",
                "County": "Murang’a",
                "Gender": "महिला",
                "Year": "2024",
                "Value": "0.1",
                "Respondents": "412",
                "Verified": "true",
                "Comment": "",
            },
        ),
        SourceRow(
            2,
            {
                "Indicator": "5.3.1",
                "County": "Kilifi",
                "Gender": "Female",
                "Year": "2023",
                # Decimals keep their digits; no float artefacts.
                "Value": "1.50",
                "Respondents": "1E+2",
                "Verified": "false",
                "Comment": "door to door",
            },
        ),
    ]


@pytest.mark.parametrize("key", ["observations", "data"])
def test_wrapped_array(write: WriteFile, key: str) -> None:
    document = {
        "title": "Community scorecard",
        "meta": {"coalition": "KE", "items": [1, 2]},
        key: [{"County": "Nyeri", "Value": 8}, {"County": "Embu", "Value": 9.25}],
    }

    parser = open_parser(write("wrapped.json", json.dumps(document, indent=2).encode("utf-8")))

    assert list(parser.rows()) == [
        SourceRow(1, {"County": "Nyeri", "Value": "8"}),
        SourceRow(2, {"County": "Embu", "Value": "9.25"}),
    ]


def test_observations_are_preferred_to_data_and_minified_wrappers_work(write: WriteFile) -> None:
    document = {"data": [{"x": "no"}], "observations": [{"County": "Nyeri"}]}

    parser = open_parser(write("both.json", json.dumps(document).encode("utf-8")))

    assert [row.values for row in parser.rows()] == [{"County": "Nyeri"}]


def test_json_lines_numbers_are_line_numbers(write: WriteFile) -> None:
    text = (
        '{"County": "Nyeri", "Value": 0.1}\n'
        "\n"
        '{"County": "Murang’a", "Value": 12, "Gender": "महिला"}\n'
        '{"County": "Embu", "Value": 1.50, "Verified": true, "Comment": null}\n'
    )

    parser = open_parser(write("kenya.jsonl", text.encode("utf-8")))

    assert isinstance(parser, JsonRecordsParser)
    assert list(parser.rows()) == [
        SourceRow(1, {"County": "Nyeri", "Value": "0.1"}),
        SourceRow(3, {"County": "Murang’a", "Value": "12", "Gender": "महिला"}),
        SourceRow(4, {"County": "Embu", "Value": "1.50", "Verified": "true", "Comment": ""}),
    ]


def test_json_lines_by_content_alone(write: WriteFile) -> None:
    parser = open_parser(
        write("upload", b'{"County": "Nyeri"}\n{"County": "Embu"}\n'),
        media_type="application/octet-stream",
    )

    assert [row.number for row in parser.rows()] == [1, 2]


def test_a_nested_object_is_refused_naming_the_record(write: WriteFile) -> None:
    text = '[{"County": "Nyeri"}, {"County": "Embu", "Value": {"amount": 3}}]'
    parser = open_parser(write("nested.json", text.encode("utf-8")))

    rows = parser.rows()
    assert next(rows).number == 1
    with pytest.raises(UnreadableFile) as caught:
        next(rows)

    assert caught.value.location == "record 2"
    assert "nested object under 'Value'" in str(caught.value)


def test_a_nested_array_in_json_lines_names_the_line(write: WriteFile) -> None:
    parser = open_parser(write("nested.jsonl", b'{"a": 1}\n{"a": [1, 2]}\n'))

    with pytest.raises(UnreadableFile) as caught:
        list(parser.rows())

    assert caught.value.location == "line 2"
    assert "nested array" in str(caught.value)


def test_a_record_that_is_not_an_object(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile, match="Record 2 is not an object"):
        list(open_parser(write("mixed.json", b'[{"a": 1}, [1, 2]]')).rows())


def test_broken_json_names_the_record_it_stopped_at(write: WriteFile) -> None:
    parser = open_parser(write("broken.json", b'[{"a": 1}, {"a": 2}, {"a": 3,, }]'))

    with pytest.raises(UnreadableFile) as caught:
        list(parser.rows())

    assert caught.value.location == "record 3"


def test_broken_json_lines(write: WriteFile) -> None:
    parser = open_parser(write("broken.jsonl", b'{"a": 1}\n{"a": 2\n'))

    with pytest.raises(UnreadableFile) as caught:
        list(parser.rows())

    assert caught.value.location == "line 2"


def test_an_object_without_records(write: WriteFile) -> None:
    text = json.dumps({"meta": {}, "data": {"dataSets": []}}, indent=1)

    with pytest.raises(UnreadableFile, match="no array of records"):
        open_parser(write("sdmx.json", text.encode("utf-8")))


def test_utf16_and_bom(write: WriteFile) -> None:
    records = '[{"County": "Murang’a", "Value": 0.1}]'
    for name, data in [
        ("utf16.json", records.encode("utf-16")),
        ("bom.json", b"\xef\xbb\xbf" + records.encode("utf-8")),
    ]:
        rows = list(open_parser(write(name, data)).rows())
        assert rows == [SourceRow(1, {"County": "Murang’a", "Value": "0.1"})], name


def test_invalid_utf8(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile, match="UTF-8"):
        open_parser(write("latin.json", '[{"County": "Caña"}]'.encode("latin-1")))


def test_invalid_utf8_deep_in_an_array(write: WriteFile) -> None:
    good = "".join(f'{{"County": "Nyeri", "Value": {i}}},\n' for i in range(5000))
    data = ("[\n" + good).encode("utf-8") + '{"County": "Caña"}]'.encode("latin-1")
    parser = open_parser(write("late.json", data))

    with pytest.raises(UnreadableFile) as caught:
        list(parser.rows())

    assert "UTF-8" in str(caught.value)
    assert caught.value.location == "line 5002"


def test_an_empty_array(write: WriteFile) -> None:
    parser = open_parser(write("empty.json", b"[]"))

    assert list(parser.rows()) == []
    assert parser.columns() == []
