"""The personal-data scan: what it finds, what it leaves alone, and that it masks what it finds."""

from __future__ import annotations

import pytest

from voicescount.review import personal_data as pd


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("Call Amina on +254 712 345 678 after the dialogue", pd.PHONE, "712 345"),
        ("her number is 0712345678", pd.PHONE, "0712345678"),
        ("Bangladesh mobile 01712345678", pd.PHONE, "01712345678"),
        ("Viet Nam: 0903 123 456", pd.PHONE, "0903 123 456"),
        ("Nepal 9812345678", pd.PHONE, "9812345678"),
        ("India 98765 43210", pd.PHONE, "98765 43210"),
        ("write to amina.otieno@gmail.com", pd.EMAIL, "amina.otieno@gmail.com"),
        ("Aadhaar 2345 6789 0123 shown", pd.NATIONAL_ID, "2345 6789 0123"),
        ("ID no. 23456789", pd.NATIONAL_ID, "23456789"),
        ("NID 1990123456789", pd.NATIONAL_ID, "1990123456789"),
        ("citizenship certificate 27-01-73-01234", pd.NATIONAL_ID, "27-01-73-01234"),
        ("PAN ABCPE1234F", pd.NATIONAL_ID, "ABCPE1234F"),
        ("KRA PIN A123456789Z", pd.NATIONAL_ID, "A123456789Z"),
        ("household at -1.292066, 36.821945", pd.COORDINATES, "-1.292066, 36.821945"),
        ("Mrs. Wanjiru Kamau told us", pd.PERSON_NAME, "Wanjiru Kamau"),
        ("Respondent: Rahul Sharma", pd.PERSON_NAME, "Rahul Sharma"),
        ("Smt Lakshmi Devi said", pd.PERSON_NAME, "Lakshmi Devi"),
    ],
)
def test_finds_personal_data_and_masks_it(text: str, kind: str, secret: str) -> None:
    found = pd.scan_text(text)
    assert [m.kind for m in found] == [kind]
    masked = found[0].masked
    assert secret not in masked and "•" in masked


@pytest.mark.parametrize(
    "text",
    [
        "About 500 citizens took part between 2023-08-01 and 2023-09-30.",
        "42% of 1,000 households in 10 hotspots; n = 1 234 in total",
        "Indicator 5.3.1, target 10.2, series SP_DYN_MRBF18, area KE-30 (M49 404)",
        "The county has a population of 4397073 (census 2019)",
        "See https://doi.org/10.5281/zenodo.1234567 and https://example.org/forms/123456789",
        "Approval NACOSTI/P/23/12345 of 2023-07-14",
        "Ratios 0.3456, 0.1234 and 12.5",
    ],
)
def test_leaves_ordinary_statistical_text_alone(text: str) -> None:
    assert pd.scan_text(text) == []


def test_an_allowed_contact_is_not_reported() -> None:
    text = "Questions: data@coalition.example or +254 20 123 4567"
    allowed = frozenset({"data@coalition.example", "+254 20 123 4567"})
    assert pd.scan_text(text, allowed=allowed) == []
    assert {m.kind for m in pd.scan_text(text)} == {pd.EMAIL, pd.PHONE}


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("Respondent Name", pd.PERSON_NAME),
        ("hh_head_name", pd.PERSON_NAME),
        ("name", pd.PERSON_NAME),
        ("phone_number", pd.PHONE),
        ("MobileNo", pd.PHONE),
        ("email", pd.EMAIL),
        ("National ID", pd.NATIONAL_ID),
        ("aadhaar_no", pd.NATIONAL_ID),
        ("date_of_birth", pd.NATIONAL_ID),
        ("_gps_latitude", pd.COORDINATES),
        ("geopoint", pd.COORDINATES),
    ],
)
def test_column_names_that_point_at_personal_data(column: str, kind: str) -> None:
    assert pd.column_kind(column) == kind


@pytest.mark.parametrize(
    "column",
    ["Indicator name", "site_name", "Province", "Group", "_submission_time", "enumerator", "Year"],
)
def test_ordinary_column_names(column: str) -> None:
    assert pd.column_kind(column) is None


def test_scan_mapping_walks_nested_documents_with_paths() -> None:
    document = {"a": "x", "b": {"c": ["y", {"d": "z"}]}, "n": 3}
    assert list(pd.scan_mapping(document)) == [("a", "x"), ("b.c[0]", "y"), ("b.c[1].d", "z")]
