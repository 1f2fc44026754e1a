"""Importing national structure messages: accepted whole, or refused with a precise reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import sdmx
from lxml import etree
from sdmx.message import DataMessage
from sqlmodel import Session

from tests.conftest import AGENCY, Store
from tests.registry.national import national_message
from voicescount.errors import PayloadTooLarge, StructureError
from voicescount.provenance import audit
from voicescount.registry import repository
from voicescount.registry import service as registry
from voicescount.registry.importer import ImportReport, read_structure_message
from voicescount.types import ArtefactType

NS = {
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}


def _count(session: Session) -> int:
    return len(repository.find_artefacts(session))


def _import(session: Session, data: bytes, **kwargs: Any) -> ImportReport:
    return registry.import_structures(session, data, agency=AGENCY, actor="test", **kwargs)


def _edited(version: str, edit: Callable[[Any], None]) -> bytes:
    """The national message after ``edit`` of its XML, pretty-printed so that lines mean something."""
    root = etree.fromstring(national_message(version=version))
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _find(root: Any, path: str) -> Any:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def _code(root: Any, codelist: str, code: str) -> Any:
    return _find(root, f".//str:Codelist[@id='{codelist}']/str:Code[@id='{code}']")


def _refused(store: Store, data: bytes) -> StructureError:
    """Import ``data``, expecting a refusal; check that the store holds what it held before."""
    with store.session() as session:
        before = _count(session)
        with pytest.raises(StructureError) as info:
            _import(session, data)
    with store.session() as session:
        assert _count(session) == before
    assert "Nothing was changed" in info.value.detail
    return info.value


def test_a_national_dsd_is_imported_and_usable(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        registry.load_structures(session, agency=AGENCY)
        report = _import(session, national_message())
        assert sorted(report.added) == [
            "codelist KE1:CL_AREA_KE(1.0)",
            "codelist KE1:CL_SERIES_KE(1.0)",
            "dataflow KE1:DF_SDG_KE(1.0)",
            "datastructure KE1:SDG(1.0)",
        ]
        dsd = registry.get_structure(session, ArtefactType.DATASTRUCTURE, "KE1", "SDG", "1.0")
        codelists = {c.component_id: c.codelist for c in dsd.components}
        assert codelists["REF_AREA"] == "KE1:CL_AREA_KE(1.0)"
        assert codelists["SEX"] == "IAEG-SDGs:CL_SEX(1.1)"
        areas = registry.get_structure(
            session, ArtefactType.CODELIST, "KE1", "CL_AREA_KE", "latest"
        )
        assert {(i.item_id, i.parent_id) for i in areas.items} == {("KE", None), ("KE_001", "KE")}
        flow = registry.get_structure(session, ArtefactType.DATAFLOW, "KE1", "DF_SDG_KE", "1.0")
        assert flow.artefact.details == {"structure": "KE1:SDG(1.0)"}
        # Importing the same message again is harmless.
        again = _import(session, national_message())
        assert again.added == [] and len(again.unchanged) == 4
        assert audit.verify(session).ok


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"this is not xml", "not XML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not XML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not XML"),
        (b"<\x00\xff\xfe\x03binary", "cannot be read as XML"),
        (b"<html><body><p>Sign in</p></body></html>", "not an SDMX-ML message"),
        (b"<?xml version='1.0'?><mes:Structure xmlns:mes='x'><unclosed>", "not an SDMX-ML message"),
        (
            b"<?xml version='1.0'?><mes:Structure xmlns:mes="
            b"'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message'><unclosed>",
            "cut off",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><mes:Structure/>',
            "entity declarations",
        ),
    ],
)
def test_unreadable_messages_are_refused(session: Session, data: bytes, fragment: str) -> None:
    before = _count(session)
    with pytest.raises(StructureError) as info:
        _import(session, data)
    assert fragment in info.value.detail
    session.rollback()
    assert _count(session) == before


def test_a_data_message_is_not_a_structure_message(session: Session) -> None:
    data = sdmx.to_xml(DataMessage())
    with pytest.raises(StructureError, match="Expected an SDMX-ML structure message"):
        _import(session, data)


def test_a_dsd_with_an_unknown_codelist_is_refused_and_nothing_is_stored(store: Store) -> None:
    with store.session() as session:
        before = _count(session)
        with pytest.raises(StructureError) as info:
            _import(session, national_message(version="9.1", missing_codelist=True))
        error = info.value
        assert error.artefact == "datastructure KE1:SDG(9.1)"
        assert "REF_AREA" in error.detail and "KE1:CL_MISSING(1.0)" in error.detail
        assert error.errors[0]["artefact"] == "datastructure KE1:SDG(9.1)"
        assert "Nothing was changed" in error.detail
    with store.session() as session:
        assert _count(session) == before
        assert repository.find_artefacts(session, agency="KE1", version="9.1") == []


def test_a_dataflow_without_its_dsd_is_refused(session: Session) -> None:
    with pytest.raises(StructureError) as info:
        _import(session, national_message(version="9.2", dataflow_structure="NO_SUCH_DSD"))
    assert info.value.artefact == "dataflow KE1:DF_SDG_KE(9.2)"
    assert "KE1:NO_SUCH_DSD(1.0)" in info.value.detail


def test_changing_a_final_artefact_needs_a_new_version(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        registry.load_structures(session, agency=AGENCY)
        _import(session, national_message(version="2.0"))
        with pytest.raises(StructureError) as info:
            _import(session, national_message(version="2.0", county_name="Mombasa County"))
        assert info.value.artefact == "codelist KE1:CL_AREA_KE(2.0)"
        assert "is final" in info.value.detail and "new version" in info.value.detail
        session.rollback()
        areas = registry.get_structure(session, ArtefactType.CODELIST, "KE1", "CL_AREA_KE", "2.0")
        assert {i.names["en"] for i in areas.items} == {"Kenya", "Mombasa"}
        # A new version is accepted beside the old one.
        report = _import(session, national_message(version="2.1", county_name="Mombasa County"))
        assert "codelist KE1:CL_AREA_KE(2.1)" in report.added
        latest = registry.get_structure(
            session, ArtefactType.CODELIST, "KE1", "CL_AREA_KE", "latest"
        )
        assert latest.artefact.version == "2.1"


def test_our_own_agency_cannot_be_overwritten_by_an_import(session: Session) -> None:
    with pytest.raises(StructureError, match="reserved"):
        _import(session, national_message(version="9.3", agency=AGENCY))


def test_a_message_over_the_limit_is_refused(session: Session) -> None:
    with pytest.raises(PayloadTooLarge):
        _import(session, national_message(version="9.4"), max_bytes=100)


# Refusals of what sdmx1 would merge silently, or fail on without naming the artefact. Each names
# the artefact and the problem, and leaves the store as it was.


def test_a_code_defined_twice_is_refused_not_merged(store: Store) -> None:
    def twin_kenya(root: Any) -> None:
        kenya = _code(root, "CL_AREA_KE", "KE")
        twin = copy.deepcopy(kenya)
        _find(twin, "com:Name").text = "Republic of Kenya"
        kenya.addnext(twin)

    error = _refused(store, _edited("9.5", twin_kenya))
    assert error.artefact == "codelist KE1:CL_AREA_KE(9.5)"
    assert "codelist KE1:CL_AREA_KE(9.5) defines code KE twice" in error.detail
    assert error.errors == [
        {"artefact": "codelist KE1:CL_AREA_KE(9.5)", "message": "defines code KE twice"}
    ]


def test_a_codelist_defined_twice_is_refused_not_united(store: Store) -> None:
    def twin_series(root: Any) -> None:
        series = _find(root, ".//str:Codelist[@id='CL_SERIES_KE']")
        twin = copy.deepcopy(series)
        _find(twin, "str:Code").set("id", "_L_KE_OTHER")
        series.addnext(twin)

    error = _refused(store, _edited("9.6", twin_series))
    assert error.artefact == "codelist KE1:CL_SERIES_KE(9.6)"
    assert "is defined more than once in the message (lines " in error.detail


def test_a_code_whose_parent_is_not_in_the_codelist_is_refused_quietly(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    def orphan(root: Any) -> None:
        _find(_code(root, "CL_AREA_KE", "KE_001"), "str:Parent/Ref").set("id", "ZZ")

    error = _refused(store, _edited("9.7", orphan))
    assert error.artefact == "codelist KE1:CL_AREA_KE(9.7)"
    assert "has code KE_001 with parent ZZ, which is not in the codelist" in error.detail
    assert capsys.readouterr().out == ""  # sdmx1 dumps its parser state when it fails


def test_a_code_without_an_id_is_refused(store: Store) -> None:
    def anonymous(root: Any) -> None:
        del _code(root, "CL_AREA_KE", "KE_001").attrib["id"]

    error = _refused(store, _edited("9.8", anonymous))
    assert error.artefact == "codelist KE1:CL_AREA_KE(9.8)"
    assert "has a code with no id (code number 2, line " in error.detail


def test_a_truncated_message_is_refused_naming_where_it_breaks_off(store: Store) -> None:
    data = _edited("9.9", lambda root: None)
    cut = data[: data.index(b'id="_L_KE_110101_01"')]
    error = _refused(store, cut)
    assert error.artefact == "codelist KE1:CL_SERIES_KE(9.9)"
    assert "cannot be read as XML: it ends before it is complete (line " in error.detail
    assert "inside codelist KE1:CL_SERIES_KE(9.9)" in error.detail and "cut off" in error.detail


def test_bytes_that_are_not_xml_are_refused(store: Store) -> None:
    error = _refused(store, b"<\x00\x01\x02 \xff\xfe not a structure message")
    assert "cannot be read as XML" in error.detail and "line 1" in error.detail
    assert error.artefact is None


def _drop_agency(root: Any) -> None:
    series = _find(root, ".//str:Codelist[@id='CL_SERIES_KE']")
    for name in ("agencyID", "urn"):
        del series.attrib[name]


def _cycle(root: Any) -> None:
    kenya = _code(root, "CL_AREA_KE", "KE")
    parent = etree.SubElement(kenya, f"{{{NS['str']}}}Parent")
    etree.SubElement(parent, "Ref", id="KE_001")


def _twin_dimension(root: Any) -> None:
    _find(root, ".//str:DimensionList/str:Dimension[@id='SEX']").set("id", "AGE")


def _reference_without_id(root: Any) -> None:
    del _find(root, ".//str:Dimension[@id='SEX']/str:LocalRepresentation//Ref").attrib["id"]


def _unknown_element(root: Any) -> None:
    _code(root, "CL_AREA_KE", "KE").addnext(etree.Element(f"{{{NS['str']}}}Gadget"))


@pytest.mark.parametrize(
    ("version", "edit", "artefact", "fragment"),
    [
        ("9.10", _drop_agency, None, "the codelist CL_SERIES_KE on line "),
        ("9.11", _cycle, "codelist KE1:CL_AREA_KE(9.11)", "has code KE as its own ancestor"),
        ("9.12", _twin_dimension, "datastructure KE1:SDG(9.12)", "defines component AGE twice"),
        (
            "9.13",
            _reference_without_id,
            "datastructure KE1:SDG(9.13)",
            "has a reference with no id (in <Enumeration>, line ",
        ),
        # Not one of the scan's checks: sdmx1 fails, and the refusal names where it was reading.
        (
            "9.14",
            _unknown_element,
            "codelist KE1:CL_AREA_KE(9.14)",
            "cannot be read as SDMX-ML, in codelist KE1:CL_AREA_KE(9.14): "
            "element <Gadget> is not expected there",
        ),
    ],
)
def test_inconsistent_messages_are_refused_by_artefact(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    version: str,
    edit: Callable[[Any], None],
    artefact: str | None,
    fragment: str,
) -> None:
    error = _refused(store, _edited(version, edit))
    assert error.artefact == artefact
    assert fragment in error.detail
    assert error.errors and error.errors[0]["artefact"] == artefact
    assert capsys.readouterr().out == ""


def test_entity_declarations_are_refused_in_any_encoding(session: Session) -> None:
    # Without a byte order mark, UTF-16 hides "<!DOCTYPE" from a byte search: the parser says.
    body = etree.tostring(etree.fromstring(national_message(version="9.15")), encoding="unicode")
    document = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE Structure [<!ENTITY kenya "Kenya">]>\n' + body.replace(">Kenya<", ">&kenya;<")
    )
    with pytest.raises(StructureError, match="entity declarations"):
        _import(session, document.encode("utf-16-le"))


def test_a_byte_order_mark_is_not_taken_for_binary() -> None:
    message = read_structure_message(b"\xef\xbb\xbf" + national_message(version="9.16"))
    assert message.codelist["CL_AREA_KE"].id == "CL_AREA_KE"
