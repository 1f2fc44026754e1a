"""SDMX-ML 3.0 structure-specific data (``application/vnd.sdmx.data+xml;version=3.0.0``).

The body is the 2.1 structure-specific one (unqualified ``Series``/``Obs`` with components as XML
attributes); what changes is the envelope (3.0 namespaces, ``SDMXMessage.xsd`` of v3_0):
references are URNs (``<com:StructureUsage>urn:…Dataflow=A:F(1.0)</com:StructureUsage>``,
``<DataProvider>urn:…DataProvider=A:DATA_PROVIDERS(1.0).P</DataProvider>``), the data set has no
``dataScope``, and the set attributes (``ss:structureRef``, ``ss:action`` …) stay qualified.
"""

from __future__ import annotations

from collections.abc import Iterator

from voicescount.sdmx.data import DataSets, DataStructure, Header, WriteOptions
from voicescount.sdmx.writers.base import (
    XML_DECLARATION,
    Chunks,
    Layout,
    dsd_urn,
    flow_urn,
    layout,
    provider_urn,
    sdmx_datetime,
    structure_id,
    xml_text,
)
from voicescount.sdmx.writers.xml21 import (
    NS_XSI,
    StructureSpecificBody,
    set_attributes,
    ss_namespace,
    xml_attr,
)

NS_MESSAGE = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"
NS_COMMON = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common"
NS_SS = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific"


def _header(header: Header, structure: DataStructure, lay: Layout, namespace: str) -> str:
    if header.flow is not None:
        tag, urn = "StructureUsage", flow_urn(header.flow)
    else:
        tag, urn = "Structure", dsd_urn(structure.ref)
    return (
        "<mes:Header>"
        f"<mes:ID>{xml_text(header.id)}</mes:ID>"
        f"<mes:Test>{'true' if header.test else 'false'}</mes:Test>"
        f"<mes:Prepared>{sdmx_datetime(header.prepared)}</mes:Prepared>"
        f"<mes:Sender{xml_attr('id', header.sender)}/>"
        f'<mes:Structure structureID="{structure_id(structure.ref)}"'
        f"{xml_attr('namespace', namespace)}"
        f' dimensionAtObservation="{lay.dimension_at_observation}">'
        f"<com:{tag}>{xml_text(urn)}</com:{tag}></mes:Structure></mes:Header>\n"
    )


def write_ml30(
    header: Header,
    structure: DataStructure,
    datasets: DataSets,
    options: WriteOptions,
    *,
    data_providers: bool = False,
) -> Iterator[bytes]:
    """SDMX-ML 3.0 StructureSpecificData, time series or flat. ``data_providers``: as in
    :mod:`.xml21`, off by default because sdmx1 cannot parse the ``DataProvider`` element."""
    lay = layout(header, structure, options)
    namespace = ss_namespace(structure, lay)
    body = StructureSpecificBody(structure, lay)
    chunks = Chunks()
    chunks.add(
        f"{XML_DECLARATION}<mes:StructureSpecificData"
        f' xmlns:mes="{NS_MESSAGE}" xmlns:ss="{NS_SS}" xmlns:com="{NS_COMMON}"'
        f' xmlns:xsi="{NS_XSI}" xmlns:ns1="{xml_text(namespace)}">\n'
    )
    chunks.add(_header(header, structure, lay, namespace))
    ref = structure_id(structure.ref)
    for info, series_iter in datasets:
        text = (
            f'<mes:DataSet ss:structureRef="{ref}" xsi:type="ns1:DataSetType"'
            f"{set_attributes(info, 'ss:')}{body.dataset_attribute_text(info)}>"
        )
        if data_providers and info.provider:
            text += f"<DataProvider>{xml_text(provider_urn(info.provider))}</DataProvider>"
        chunks.add(text + "\n")
        yield from body.body(series_iter, chunks)
        chunks.add("</mes:DataSet>\n")
    chunks.add("</mes:StructureSpecificData>\n")
    yield from chunks.rest()
