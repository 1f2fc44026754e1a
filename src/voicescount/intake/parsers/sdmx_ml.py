"""SDMX-ML 2.1 data messages: Generic(TimeSeries)Data and StructureSpecific(TimeSeries)Data.

The message is streamed with ``lxml.etree.iterparse`` and every observation, series and data
set is cleared (and unlinked from its parent) once read, so memory stays flat however large the
file. Each observation becomes one :class:`SourceRow`, numbered 1, 2, … in document order across
all data sets, whose values hold, keyed by component id:

* every dimension: the series key plus the observation-level one (``TIME_PERIOD`` in time
  series; another dimension in cross-sectional messages, named by the ``ObsDimension``'s ``id``
  or the header's ``dimensionAtObservation``; all of them on the observation with
  ``AllDimensions``);
* the measure (``OBS_VALUE``, or whatever attribute holds it in structure-specific data);
* the attributes attached to the data set, the series and the observation (an id found at two
  levels takes the innermost value);
* ``ACTION`` when the data set (``action``) or the header (``DataSetAction``) states one, as the
  SDMX-CSV letter: Information ``I``, Append ``A``, Replace ``R``, Delete ``D``, so that
  validation treats deletions alike in both formats.

Not read: groups (``Group`` elements and their attributes: the data model attaches them to
series through the DSD, which parsers do not see), annotations, and the ``DataProvider``.

Element names decide, not the root: generic elements are recognised by their namespace and
structure-specific ``Series``/``Obs`` by their local name, so a message whose root does not match
its content (sdmx1 2.28 writes generic data sets under a ``StructureSpecificData`` root) is still
read right. Both parser classes read both flavours; the class only records what the file was
detected or declared as.

``declared_structure`` is the ``AGENCY:ID(VERSION)`` in the first ``message:Structure`` of the
header (``common:Structure`` for a DSD, ``common:StructureUsage`` for a dataflow; a ``Ref`` or a
URN); without a version it is ``AGENCY:ID``.

Safety: a document type declaration is refused (no DTD, no entities), entities are not resolved
and nothing is fetched from the network. The declared encoding of the XML is what counts; the
``encoding`` argument is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from lxml import etree

from voicescount.intake.parsers._common import decide, head_text, looks_like_xml, xml_root
from voicescount.intake.parsers.base import SourceRow, UnreadableFile

SDMX_NS = "http://www.sdmx.org/resources/sdmxml/schemas/"
MES = SDMX_NS + "v2_1/message"
GEN = SDMX_NS + "v2_1/data/generic"
SS = SDMX_NS + "v2_1/data/structurespecific"

DATA_MESSAGES = frozenset(
    {
        "GenericData",
        "GenericTimeSeriesData",
        "StructureSpecificData",
        "StructureSpecificTimeSeriesData",
    }
)
#: Data set actions as the letters SDMX-CSV 2.0 uses in its ACTION column.
ACTIONS = {"Information": "I", "Append": "A", "Replace": "R", "Delete": "D", "Merge": "M"}
#: Attributes of a DataSet element that belong to the message, not to the data structure.
DATASET_PROPERTIES = frozenset(
    {
        "structureRef",
        "setID",
        "action",
        "reportingBeginDate",
        "reportingEndDate",
        "validFromDate",
        "validToDate",
        "publicationYear",
        "publicationPeriod",
        "dataScope",
    }
)
_URN = re.compile(r"=(?P<agency>[^:=]+):(?P<id>[^(:]+)(?:\((?P<version>[^)]+)\))?")

_MES_HEADER = f"{{{MES}}}Header"
_MES_STRUCTURE = f"{{{MES}}}Structure"
_MES_DATASET_ACTION = f"{{{MES}}}DataSetAction"
_MES_DATASET = f"{{{MES}}}DataSet"

# What an element is to the reader.
_OTHER, _OBS, _SERIES, _GROUP, _DATASET, _SS_OBS, _SS_SERIES = range(7)
_GENERIC_KINDS = {"Obs": _OBS, "Series": _SERIES, "Group": _GROUP}
_SS_KINDS = {"Series": _SS_SERIES, "Obs": _SS_OBS, "Group": _GROUP}
#: The elements the reader is told about, when they end; everything inside them is read from
#: the finished element, which keeps the Python work to one event per observation.
_EVENT_TAGS = (f"{{{MES}}}DataSet", "{*}Series", "{*}Obs", "{*}Group")

_G_VALUE = f"{{{GEN}}}Value"
_G_OBS_DIMENSION = f"{{{GEN}}}ObsDimension"
_G_OBS_VALUE = f"{{{GEN}}}ObsValue"
_G_VALUE_LISTS = frozenset({f"{{{GEN}}}SeriesKey", f"{{{GEN}}}ObsKey", f"{{{GEN}}}Attributes"})
_G_ATTRIBUTES = f"{{{GEN}}}Attributes"


def _split(tag: str) -> tuple[str, str]:
    """``{namespace}local`` → (namespace, local)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _kind(tag: str) -> int:
    namespace, local = _split(tag)
    if namespace == GEN:
        return _GENERIC_KINDS.get(local, _OTHER)
    if namespace == MES:
        return _DATASET if local == "DataSet" else _OTHER
    if namespace.startswith(SDMX_NS):
        return _OTHER
    # Structure-specific Series/Obs are unqualified or in the DSD-specific namespace.
    return _SS_KINDS.get(local, _OTHER)


def _plain_attributes(element: etree._Element) -> dict[str, str]:
    """Component values of a structure-specific element (namespaced ones, e.g. xsi:type, are not)."""
    return {key: value.strip() for key, value in element.attrib.items() if key[0] != "{"}


def _generic_values(element: etree._Element, into: dict[str, str]) -> None:
    """Add the ``Value``s of a generic ``SeriesKey``, ``ObsKey`` or ``Attributes`` to ``into``."""
    for value in element:
        if value.tag == _G_VALUE:
            into[value.get("id", "")] = value.get("value", "").strip()


def _forget(element: etree._Element) -> None:
    """Free a finished element and the finished siblings before it."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _reference(element: etree._Element) -> str | None:
    """``AGENCY:ID(VERSION)`` from a ``Ref`` or ``URN`` child of a structure reference."""
    for child in element:
        local = _split(child.tag)[1]
        if local == "Ref":
            agency, id_, version = (child.get(name) for name in ("agencyID", "id", "version"))
            if agency and id_:
                return f"{agency}:{id_}({version})" if version else f"{agency}:{id_}"
        elif local == "URN" and (match := _URN.search(child.text or "")):
            version = match["version"]
            return f"{match['agency']}:{match['id']}" + (f"({version})" if version else "")
    return None


def _structure_ref(structure: etree._Element) -> str | None:
    """The DSD (``common:Structure``) or dataflow (``common:StructureUsage``) a header names."""
    for child in structure:
        if _split(child.tag)[1] in ("Structure", "StructureUsage") and (ref := _reference(child)):
            return ref
    return None


def _not_data(namespace: str, local: str) -> str:
    if namespace == MES:
        if local == "Structure":
            return (
                "This is an SDMX-ML 2.1 structure message (codelists, concepts, data "
                "structures), not a data message; upload observations as GenericData or "
                "StructureSpecificData."
            )
        return (
            f"This is an SDMX-ML 2.1 {local} message, not a data message; upload observations "
            "as GenericData or StructureSpecificData."
        )
    if namespace.startswith(SDMX_NS):
        version = namespace[len(SDMX_NS) :].split("/", 1)[0].removeprefix("v").replace("_", ".")
        return (
            f"This is an SDMX-ML {version} {local} message; only SDMX-ML 2.1 data messages are "
            "read. Export SDMX-ML 2.1 (generic or structure-specific) or SDMX-CSV instead."
        )
    return f"This XML document (root element <{local}>) is not an SDMX-ML data message."


def _broken(exc: etree.XMLSyntaxError) -> UnreadableFile:
    line = exc.lineno or (exc.position[0] if exc.position else None)
    where = f"line {line}" if line else "XML"
    return UnreadableFile(f"The XML is broken at {where}: {exc.msg}.", location=where)


@dataclass(frozen=True, slots=True)
class _Structure:
    """One ``message:Structure`` of the header."""

    ref: str | None
    dimension_at_observation: str | None


class _Walk:
    """The data set and series around the observation being read.

    Both are found from the observation's parents the first time one of their observations
    ends, while their leading children (``SeriesKey``, ``Attributes``) are still in the tree.
    """

    __slots__ = ("dataset", "dataset_element", "dimension", "parent", "parser", "series")

    def __init__(self, parser: _SdmxMlParser) -> None:
        self.parser = parser
        self.dataset: dict[str, str] = {}
        self.dataset_element: etree._Element | None = None
        self.series: dict[str, str] = {}
        #: The element the current observations are children of (a series or the data set).
        self.parent: etree._Element | None = None
        self.dimension = "TIME_PERIOD"

    def observation(self, element: etree._Element, kind: int) -> dict[str, str]:
        parent = element.getparent()
        if parent is not self.parent:
            self.enter(parent)
        values = dict(self.series)
        if kind == _SS_OBS:
            values.update(_plain_attributes(element))
        else:
            self.read_generic(element, values)
        for key, value in self.dataset.items():
            values.setdefault(key, value)
        return values

    def read_generic(self, element: etree._Element, values: dict[str, str]) -> None:
        # One filtered walk in C over the observation: its ObsDimension, ObsValue and the
        # Values of its ObsKey and Attributes.
        for child in element.iter(_G_OBS_DIMENSION, _G_OBS_VALUE, _G_VALUE):
            tag = child.tag
            if tag == _G_VALUE:
                values[child.get("id", "")] = child.get("value", "").strip()
            elif tag == _G_OBS_VALUE:
                values["OBS_VALUE"] = child.get("value", "").strip()
            else:
                values[child.get("id") or self.dimension] = child.get("value", "").strip()

    def enter(self, parent: etree._Element | None) -> None:
        """Observations start under ``parent``: a series, or the data set (flat)."""
        self.parent = parent
        self.series = {}
        if parent is None:
            return
        kind = _kind(parent.tag)
        if kind == _SS_SERIES:
            self.series = _plain_attributes(parent)
        elif kind == _SERIES:
            for child in parent:
                if child.tag in _G_VALUE_LISTS:
                    _generic_values(child, self.series)
        dataset = parent if kind == _DATASET else parent.getparent()
        self.enter_dataset(dataset)

    def enter_dataset(self, element: etree._Element | None) -> None:
        if element is None or element is self.dataset_element:
            return
        self.dataset_element = element
        structures = self.parser.structures
        ref = element.get("structureRef") or element.get(f"{{{SS}}}structureRef") or ""
        structure = structures.get(ref) or next(iter(structures.values()), None)
        self.dimension = (structure and structure.dimension_at_observation) or "TIME_PERIOD"
        self.dataset = {
            key: value.strip()
            for key, value in element.attrib.items()
            if key[0] != "{" and key not in DATASET_PROPERTIES
        }
        for child in element:
            if child.tag == _G_ATTRIBUTES:
                _generic_values(child, self.dataset)
        action = element.get("action") or element.get(f"{{{SS}}}action")
        action = action or self.parser.header_action
        if action:
            # sdmx1 2.28 writes the enum's name (ActionType.delete) instead of its value.
            action = action.removeprefix("ActionType.")
            self.dataset["ACTION"] = ACTIONS.get(action[:1].upper() + action[1:], action)


class _SdmxMlParser:
    media_types: ClassVar[tuple[str, ...]]
    suffixes: ClassVar[tuple[str, ...]] = (".xml",)

    declared_structure: str | None

    def __init__(
        self, path: Path, *, encoding: str | None = None, sheet: str | None = None
    ) -> None:
        self.path = Path(path)
        #: Root element name: GenericData, StructureSpecificTimeSeriesData…
        self.message = ""
        self.structures: dict[str, _Structure] = {}
        self.header_action: str | None = None
        self.declared_structure = None
        self._columns: list[str] | None = None
        self._read_header()

    def _events(self, tag: tuple[str, ...] | None = None) -> Iterator[tuple[str, etree._Element]]:
        """Parse events: start and end of everything, or the ends of the ``tag`` elements."""
        with self.path.open("rb") as f:
            context = etree.iterparse(
                f,
                events=("start", "end") if tag is None else ("end",),
                tag=tag,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                dtd_validation=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
                collect_ids=False,
            )
            try:
                yield from context
            except etree.XMLSyntaxError as exc:
                raise _broken(exc) from None

    def _check_root(self, root: etree._Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise UnreadableFile(
                "The XML has a document type declaration (<!DOCTYPE …>), which SDMX-ML does "
                "not use; it is refused because its entities could expand or fetch content.",
                location=f"line {root.sourceline or 1}",
            )
        namespace, local = _split(root.tag)
        if namespace != MES or local not in DATA_MESSAGES:
            raise UnreadableFile(_not_data(namespace, local), location=f"line {root.sourceline}")
        self.message = local

    def _read_header(self) -> None:
        events = self._events()
        try:
            _, root = next(events)
            self._check_root(root)
            for event, element in events:
                tag = element.tag
                if tag == _MES_DATASET or (event == "end" and tag == _MES_HEADER):
                    break
                if event != "end":
                    continue
                if tag == _MES_STRUCTURE:
                    structure = _Structure(
                        _structure_ref(element), element.get("dimensionAtObservation")
                    )
                    self.structures.setdefault(element.get("structureID", ""), structure)
                    if self.declared_structure is None:
                        self.declared_structure = structure.ref
                elif tag == _MES_DATASET_ACTION:
                    self.header_action = (element.text or "").strip() or None
        except StopIteration:
            raise UnreadableFile("The XML document is empty.", location="line 1") from None
        finally:
            events.close()

    def columns(self) -> list[str]:
        """The components of the first observation (SDMX-ML has no header row)."""
        if self._columns is None:
            rows = self.rows()
            try:
                first = next(rows, None)
            finally:
                rows.close()
            self._columns = list(first.values) if first else []
        return self._columns

    def rows(self) -> Iterator[SourceRow]:
        walk = _Walk(self)
        kinds: dict[str, int] = {}
        number = 0
        events = self._events(tag=_EVENT_TAGS)
        try:
            for _, element in events:
                tag = element.tag
                kind = kinds.get(tag)
                if kind is None:
                    kind = kinds[tag] = _kind(tag)
                if kind in (_OBS, _SS_OBS):
                    number += 1
                    values = walk.observation(element, kind)
                    _forget(element)
                    yield SourceRow(number, values)
                elif kind != _OTHER:
                    # A series or group without observations must not take the data set's
                    # own attributes with it when its finished siblings are dropped.
                    if kind != _DATASET:
                        walk.enter_dataset(element.getparent())
                    _forget(element)
        finally:
            events.close()


def _xml_root(head: bytes) -> tuple[bool, str]:
    """Whether the head is XML, and its root element's local name ('' if not found)."""
    text = head_text(head)
    if text is None or not looks_like_xml(text):
        return False, ""
    return True, xml_root(text) or ""


class GenericDataParser(_SdmxMlParser):
    """``sdmx-ml-generic``: GenericData / GenericTimeSeriesData.

    It also claims any other XML, so that a structure message, an SDMX-ML 3.0 file or a DOCTYPE
    is refused with a message saying what the file is rather than read as CSV.
    """

    format: ClassVar[str] = "sdmx-ml-generic"
    media_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.sdmx.genericdata+xml",
        "application/vnd.sdmx.generictimeseriesdata+xml",
        "application/xml",
        "text/xml",
    )

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        xml, root = _xml_root(head)
        return decide(
            compatible=xml,
            conclusive=xml and not root.startswith("StructureSpecific"),
            media_type=media_type,
            filename=filename,
            media_types=cls.media_types,
            suffixes=cls.suffixes,
        )


class StructureSpecificDataParser(_SdmxMlParser):
    """``sdmx-ml-structure-specific``: StructureSpecificData / StructureSpecificTimeSeriesData."""

    format: ClassVar[str] = "sdmx-ml-structure-specific"
    media_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.sdmx.structurespecificdata+xml",
        "application/vnd.sdmx.structurespecifictimeseriesdata+xml",
    )

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        xml, root = _xml_root(head)
        ours = xml and root.startswith("StructureSpecific")
        return decide(
            compatible=ours,
            conclusive=ours,
            media_type=media_type,
            filename=filename,
            media_types=cls.media_types,
            suffixes=cls.suffixes,
        )
