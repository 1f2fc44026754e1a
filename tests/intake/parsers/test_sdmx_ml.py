"""SDMX-ML 2.1 data messages written by sdmx1 and read back; sdmx1 is the reference reader."""

from __future__ import annotations

import pytest
import sdmx
from sdmx.message import StructureMessage

from tests.intake.parsers.conftest import WriteFile
from tests.intake.parsers.sdmx_messages import (
    Flavour,
    Layout,
    build_message,
    canonical,
    community_dsd,
    reference_rows,
    to_xml,
)
from voicescount.intake.parsers import detect, open_parser
from voicescount.intake.parsers.base import SourceRow, UnreadableFile
from voicescount.intake.parsers.sdmx_ml import GenericDataParser, StructureSpecificDataParser

ROOTS: dict[tuple[Flavour, Layout], str] = {
    ("generic", "ts"): "GenericTimeSeriesData",
    ("generic", "xs"): "GenericData",
    ("generic", "flat"): "GenericData",
    ("structure-specific", "ts"): "StructureSpecificTimeSeriesData",
    ("structure-specific", "xs"): "StructureSpecificData",
    ("structure-specific", "flat"): "StructureSpecificData",
}


@pytest.mark.parametrize(("flavour", "layout"), list(ROOTS))
def test_same_observations_as_sdmx1(write: WriteFile, flavour: Flavour, layout: Layout) -> None:
    dsd = community_dsd()
    # sdmx1 writes data-set attributes the generic way only, so structure-specific has none.
    message = build_message(dsd, flavour, layout, dataset_attributes=flavour == "generic")
    xml = to_xml(message, ROOTS[flavour, layout])

    parser = open_parser(write("data.xml", xml))

    expected_class = GenericDataParser if flavour == "generic" else StructureSpecificDataParser
    assert type(parser) is expected_class
    assert parser.declared_structure == "KE_COAL:DSD_COMMUNITY(1.0)"
    rows = list(parser.rows())
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == (9 if layout == "flat" else 18)
    assert canonical([row.values for row in rows]) == canonical(reference_rows(xml, dsd))


def test_values_of_one_observation(write: WriteFile) -> None:
    dsd = community_dsd()
    xml = to_xml(build_message(dsd, "generic", "ts"), "GenericData")

    first = next(open_parser(write("data.xml", xml)).rows())

    assert first == SourceRow(
        1,
        {
            "SERIES": "SH_STA_BRTC",
            "SEX": "F",
            "REF_AREA": "KE-047",
            "UNIT_MEASURE": "PT",
            "TIME_PERIOD": "2021",
            "OBS_VALUE": "0.1",
            "OBS_STATUS": "A",
            "SOURCE_DETAIL": "Scorecard 2024",
        },
    )


def test_sdmx1_output_is_read_even_with_its_mismatched_root(write: WriteFile) -> None:
    # sdmx1 2.28 puts generic data sets under a StructureSpecificData root; elements decide.
    dsd = community_dsd()
    message = build_message(dsd, "generic", "xs")
    raw = to_xml(message)
    assert b"<mes:StructureSpecificData" in raw and b"<gen:Series>" in raw

    rows = list(open_parser(write("raw.xml", raw)).rows())

    assert canonical([row.values for row in rows]) == canonical(
        reference_rows(to_xml(message, "GenericData"), dsd)
    )


def test_structure_specific_dataset_attributes_and_header_details(write: WriteFile) -> None:
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<message:StructureSpecificData
    xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
    xmlns:ns1="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=KE_COAL:DSD_COMMUNITY(1.0):ObsLevelDim:TIME_PERIOD"
    xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <message:Header>
    <message:ID>IREF1</message:ID>
    <message:Test>false</message:Test>
    <message:Prepared>2024-02-07T00:00:00Z</message:Prepared>
    <message:Sender id="KE_COAL"/>
    <message:Structure structureID="KE_COAL_DF" dimensionAtObservation="TIME_PERIOD"
        namespace="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=KE_COAL:DSD_COMMUNITY(1.0):ObsLevelDim:TIME_PERIOD">
      <common:StructureUsage>
        <common:URN>urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=KE_COAL:DF_COMMUNITY(1.1)</common:URN>
      </common:StructureUsage>
    </message:Structure>
    <message:DataSetAction>Information</message:DataSetAction>
  </message:Header>
  <message:DataSet ss:dataScope="DataStructure" xsi:type="ns1:DataSetType"
      ss:structureRef="KE_COAL_DF" SOURCE_DETAIL=" Scorecard 2024 ">
    <Group xsi:type="ns1:SiblingGroup" SERIES="SH_STA_BRTC" REF_AREA="KE-047" GROUP_NOTE="x"/>
    <Series SERIES="SH_STA_BRTC" REF_AREA="KE-047" SEX="F" UNIT_MEASURE="PT">
      <Obs TIME_PERIOD="2014" OBS_VALUE="7.9" OBS_STATUS="A" COMMENT="Baseline Data   (2009-2014)"/>
      <Obs TIME_PERIOD="2019" OBS_VALUE="6.9" OBS_STATUS="A"/>
    </Series>
  </message:DataSet>
</message:StructureSpecificData>
"""
    parser = open_parser(write("ke.xml", xml))

    assert isinstance(parser, StructureSpecificDataParser)
    assert parser.declared_structure == "KE_COAL:DF_COMMUNITY(1.1)"
    assert parser.columns() == [
        "SERIES",
        "REF_AREA",
        "SEX",
        "UNIT_MEASURE",
        "TIME_PERIOD",
        "OBS_VALUE",
        "OBS_STATUS",
        "COMMENT",
        "SOURCE_DETAIL",
        "ACTION",
    ]
    rows = list(parser.rows())
    assert rows[1] == SourceRow(
        2,
        {
            "SERIES": "SH_STA_BRTC",
            "REF_AREA": "KE-047",
            "SEX": "F",
            "UNIT_MEASURE": "PT",
            "TIME_PERIOD": "2019",
            "OBS_VALUE": "6.9",
            "OBS_STATUS": "A",
            "SOURCE_DETAIL": "Scorecard 2024",
            # The header's DataSetAction, as the SDMX-CSV letter.
            "ACTION": "I",
        },
    )
    # Inner spaces are the file's; groups are not read.
    assert rows[0].values["COMMENT"] == "Baseline Data   (2009-2014)"
    assert "GROUP_NOTE" not in rows[0].values


def test_a_deletion_dataset_exposes_action_d(write: WriteFile) -> None:
    dsd = community_dsd()
    xml = to_xml(build_message(dsd, "generic", "flat"), "GenericData")
    xml = xml.replace(b"<mes:DataSet structureRef=", b'<mes:DataSet action="Delete" structureRef=')

    rows = list(open_parser(write("delete.xml", xml)).rows())

    assert {row.values["ACTION"] for row in rows} == {"D"}


def test_a_generic_cross_section_names_the_observation_dimension(write: WriteFile) -> None:
    dsd = community_dsd()
    xml = to_xml(build_message(dsd, "generic", "xs"), "GenericData")
    assert b'dimensionAtObservation="REF_AREA"' in xml
    assert b'<gen:ObsDimension value="KE-047"/>' in xml

    rows = list(open_parser(write("xs.xml", xml)).rows())

    assert rows[0].values["REF_AREA"] == "KE-047"
    assert rows[0].values["TIME_PERIOD"] == "2021"


def test_two_datasets_continue_the_numbering(write: WriteFile) -> None:
    dsd = community_dsd()
    message = build_message(dsd, "structure-specific", "flat")
    second = build_message(dsd, "structure-specific", "flat").data[0]
    message.data.append(second)
    xml = to_xml(message)

    rows = list(open_parser(write("two.xml", xml)).rows())

    assert [row.number for row in rows] == list(range(1, 19))


# --- refusals ---------------------------------------------------------------------------------


def test_broken_xml_names_the_line(write: WriteFile) -> None:
    dsd = community_dsd()
    lines = to_xml(build_message(dsd, "generic", "ts"), "GenericData").split(b"\n")
    target = next(i for i, line in enumerate(lines) if b"<gen:Obs>" in line and i > 30)
    lines[target] = lines[target].replace(b"<gen:Obs>", b"<gen:Obs")
    parser = open_parser(write("broken.xml", b"\n".join(lines)))

    with pytest.raises(UnreadableFile) as caught:
        list(parser.rows())

    line = caught.value.location
    assert line is not None and line.startswith("line ")
    assert int(line.removeprefix("line ")) in (target + 1, target + 2)
    assert "broken" in str(caught.value)


def test_truncated_xml(write: WriteFile) -> None:
    xml = to_xml(build_message(community_dsd(), "structure-specific", "ts"))
    parser = open_parser(write("cut.xml", xml[: len(xml) // 2]))

    with pytest.raises(UnreadableFile, match="broken"):
        list(parser.rows())


def test_doctype_is_refused(write: WriteFile) -> None:
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
  <message:Header><message:ID>&lol2;</message:ID></message:Header>
</message:GenericData>
"""
    with pytest.raises(UnreadableFile) as caught:
        open_parser(write("doctype.xml", xml))

    assert "DOCTYPE" in str(caught.value)
    assert caught.value.location == "line 3"


def test_external_entity_is_refused_and_never_fetched(write: WriteFile) -> None:
    secret = write("secret.txt", b"do not read me")
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">'
        "<message:Header><message:ID>&x;</message:ID></message:Header></message:GenericData>"
    ).encode()

    with pytest.raises(UnreadableFile) as caught:
        GenericDataParser(write("xxe.xml", xml))

    assert "do not read me" not in str(caught.value)


def test_a_structure_message_is_not_data(write: WriteFile) -> None:
    xml = sdmx.to_xml(StructureMessage(structure={"DSD_COMMUNITY": community_dsd()}))

    with pytest.raises(UnreadableFile) as caught:
        open_parser(write("structure.xml", xml))

    assert "structure message" in str(caught.value)
    assert "not a data message" in str(caught.value)


def test_sdmx_ml_3_is_named(write: WriteFile) -> None:
    xml = (
        b'<?xml version="1.0"?>\n<mes:StructureSpecificData '
        b'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v3_0_0/message"/>'
    )

    with pytest.raises(UnreadableFile, match=r"SDMX-ML 3\.0\.0"):
        open_parser(write("v3.xml", xml))


def test_other_xml_is_not_read_as_csv(write: WriteFile) -> None:
    with pytest.raises(UnreadableFile, match=r"root element <html>"):
        open_parser(write("page.xml", b"<html><body>County,Value</body></html>"))


def test_detection_by_root_element() -> None:
    generic = b'<?xml version="1.0"?><!-- c --><message:GenericData xmlns:message="x">'
    specific = b"\xef\xbb\xbf<mes:StructureSpecificTimeSeriesData xmlns:mes='x'>"

    assert detect(generic, None, None) is GenericDataParser
    assert detect(specific, None, None) is StructureSpecificDataParser
    assert detect(b"<a/>", "application/xml", "a.xml") is GenericDataParser


def test_generic_groups_are_skipped_and_dataset_attributes_survive_them(write: WriteFile) -> None:
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
    xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
    xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
  <message:Header>
    <message:ID>G</message:ID><message:Test>false</message:Test>
    <message:Prepared>2024-01-01T00:00:00</message:Prepared><message:Sender id="KE_COAL"/>
    <message:Structure structureID="S" dimensionAtObservation="TIME_PERIOD">
      <common:Structure><Ref agencyID="KE_COAL" id="DSD_COMMUNITY"/></common:Structure>
    </message:Structure>
  </message:Header>
  <message:DataSet structureRef="S" action="Replace">
    <generic:Attributes><generic:Value id="SOURCE_DETAIL" value="Scorecard"/></generic:Attributes>
    <generic:Group type="SiblingGroup">
      <generic:GroupKey><generic:Value id="SERIES" value="SH_STA_BRTC"/></generic:GroupKey>
      <generic:Attributes><generic:Value id="GROUP_NOTE" value="x"/></generic:Attributes>
    </generic:Group>
    <generic:Series>
      <generic:SeriesKey><generic:Value id="REF_AREA" value="KE-001"/></generic:SeriesKey>
    </generic:Series>
    <generic:Series>
      <generic:SeriesKey><generic:Value id="REF_AREA" value="KE-047"/></generic:SeriesKey>
      <generic:Obs>
        <generic:ObsDimension value="2023"/>
        <generic:ObsValue value="0.1"/>
      </generic:Obs>
      <generic:Obs>
        <generic:ObsDimension value="2024"/>
      </generic:Obs>
    </generic:Series>
  </message:DataSet>
</message:GenericData>
"""
    parser = open_parser(write("groups.xml", xml))

    assert parser.declared_structure == "KE_COAL:DSD_COMMUNITY"
    assert list(parser.rows()) == [
        SourceRow(
            1,
            {
                "REF_AREA": "KE-047",
                "TIME_PERIOD": "2023",
                "OBS_VALUE": "0.1",
                "SOURCE_DETAIL": "Scorecard",
                "ACTION": "R",
            },
        ),
        # An observation without a value has no OBS_VALUE key.
        SourceRow(
            2,
            {
                "REF_AREA": "KE-047",
                "TIME_PERIOD": "2024",
                "SOURCE_DETAIL": "Scorecard",
                "ACTION": "R",
            },
        ),
    ]
