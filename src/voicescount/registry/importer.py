"""Import SDMX-ML structure messages into the registry: all of a message, or nothing.

A message is first scanned as raw XML (streaming, with a parser that resolves no entities and
reaches no network): it must be well-formed SDMX-ML, define each artefact once, each item once
within its scheme and each component once within its DSD, and every item's parent must be in its
scheme without cycles. sdmx1 would merge repeated definitions silently and fails on the rest with
errors that name no artefact, so these are refused here, by artefact. The message is then read
with sdmx1, flattened into records, and checked as a whole against itself and the registry before
anything is written: every reference must resolve (in the message or already registered), and a
final artefact that is already registered may only be re-sent unchanged. The first problem found
for each artefact is reported with the artefact's reference, and the store is left untouched.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sdmx.message import StructureMessage
from sdmx.reader.xml import v21 as sdmx1_v21
from sdmx.reader.xml import v30 as sdmx1_v30
from sqlmodel import Session

from voicescount.errors import PayloadTooLarge, StructureError
from voicescount.registry import repository
from voicescount.sdmx.structures import (
    ArtefactRecord,
    parse_ref,
    records_from_message,
    short_ref,
)
from voicescount.types import ArtefactType

log = logging.getLogger(__name__)

#: SDMX IDType (SDMX-ML 2.1 common.xsd), and the version pattern of SDMX 2.1 / 3.0 artefacts.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_@$\-]+$")
AGENCY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z][A-Za-z0-9_\-]*)*$")
VERSION_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.]+)?$")

#: At most this many problems are listed: a broken export can repeat one mistake endlessly.
MAX_LISTED_PROBLEMS = 100


@dataclass
class ImportReport:
    """What an import did, artefact by artefact (``AGENCY:ID(VERSION)`` labels)."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"added": self.added, "replaced": self.replaced, "unchanged": self.unchanged}


def _refusal(problems: list[dict[str, Any]], *, total: int | None = None) -> StructureError:
    """The error for refused ``problems`` (``{"artefact", "message"}``, artefact may be None)."""
    first = problems[0]
    more = (total if total is not None else len(problems)) - 1
    subject = f"{first['artefact']} {first['message']}" if first["artefact"] else first["message"]
    return StructureError(
        f"The structure message was refused: {subject}"
        + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")
        + ". Nothing was changed.",
        artefact=first["artefact"],
        errors=problems,
    )


def read_structure_message(data: bytes, *, max_bytes: int | None = None) -> StructureMessage:
    """Parse an SDMX-ML structure message, refusing what is not one (with a reason)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The structure message has {len(data):,} bytes; the limit is {max_bytes:,}."
        )
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()  # a UTF-8 BOM is allowed XML
    if not head.startswith(b"<"):
        raise StructureError("The body is not XML: expected an SDMX-ML 2.1 structure message.")
    # Entity declarations are never needed in SDMX-ML and are the vector of entity-expansion
    # and external-entity attacks, so a document that declares any is refused outright. (This
    # byte test is the quick answer; the scan also asks the parser, whatever the encoding.)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StructureError(_NO_DOCTYPE)
    namespace = _Scan().run(data)
    message = _read_with_sdmx1(data, namespace)
    if not isinstance(message, StructureMessage):
        raise StructureError(
            f"Expected an SDMX-ML structure message, got a {type(message).__name__}."
        )
    return message


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


# --------------------------------------------------------------------------------------------
# The pre-scan: raw SDMX-ML, before sdmx1 merges or trips over it

_NO_DOCTYPE = "Document type and entity declarations are not accepted in SDMX-ML."

#: No entities, no DTD, no network, libxml2's size limits: the message is untrusted input.
_SAFE_PARSING: dict[str, Any] = {
    "events": ("start", "end"),
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": False,
}

#: SDMX-ML message namespaces → the sdmx1 reader for them.
_READERS: dict[str, type] = {
    "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message": sdmx1_v21.Reader,
    "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message": sdmx1_v30.Reader,
}

#: Element name of a maintainable artefact → the artefact type that names it in messages.
_MAINTAINABLE_TYPES: dict[str, str] = {
    "AgencyScheme": ArtefactType.AGENCYSCHEME.value,
    "Categorisation": ArtefactType.CATEGORISATION.value,
    "CategoryScheme": ArtefactType.CATEGORYSCHEME.value,
    "Codelist": ArtefactType.CODELIST.value,
    "ConceptScheme": ArtefactType.CONCEPTSCHEME.value,
    "ContentConstraint": ArtefactType.CONTENTCONSTRAINT.value,
    "DataConstraint": ArtefactType.CONTENTCONSTRAINT.value,  # SDMX-ML 3.0
    "Dataflow": ArtefactType.DATAFLOW.value,
    "DataProviderScheme": ArtefactType.DATAPROVIDERSCHEME.value,
    "DataStructure": ArtefactType.DATASTRUCTURE.value,
    "ProvisionAgreement": ArtefactType.PROVISIONAGREEMENT.value,
}

#: Element name of an item → what messages call it.
_ITEM_KINDS: dict[str, str] = {
    "Agency": "agency",
    "Category": "category",
    "Code": "code",
    "Concept": "concept",
    "DataConsumer": "data consumer",
    "DataProvider": "data provider",
    "OrganisationUnit": "organisation unit",
}

#: How messages name each kind of item scheme.
_SCHEME_WORDS: dict[str, str] = {
    ArtefactType.AGENCYSCHEME.value: "agency scheme",
    ArtefactType.CATEGORYSCHEME.value: "category scheme",
    ArtefactType.CODELIST.value: "codelist",
    ArtefactType.CONCEPTSCHEME.value: "concept scheme",
    ArtefactType.DATAPROVIDERSCHEME.value: "data provider scheme",
}

_COMPONENT_LISTS = frozenset({"DimensionList", "AttributeList", "MeasureList"})
_COMPONENTS = frozenset(
    {"Dimension", "TimeDimension", "MeasureDimension", "Attribute", "PrimaryMeasure", "Measure"}
)


def _parse(data: bytes) -> Iterator[tuple[str, Any]]:
    return etree.iterparse(io.BytesIO(data), **_SAFE_PARSING)


def _local(element: Any) -> str:
    # Not etree.QName, which raises on a tag with an undeclared prefix ("str:Code" as the tag):
    # libxml2 only warns about those, and the scan reports them itself.
    tag: str = element.tag
    return tag.rpartition("}")[2].rpartition(":")[2]


@dataclass
class _Maintainable:
    kind: str
    #: ``codelist KE1:CL_AREA(1.0)``, or None when the id or agency that would name it is missing.
    label: str | None
    #: How messages point at it without a label: ``the codelist CL_AREA on line 3``.
    where: str
    #: What its items are ("code"), from the first one: a scheme holds one kind of item.
    item_kind: str = "item"
    #: How often each item key (a category's is its dotted path) is defined.
    items: Counter[str] = field(default_factory=Counter)
    item_count: int = 0
    #: Item id → parent id, for items that name a parent.
    parents: dict[str, str] = field(default_factory=dict)
    components: Counter[str] = field(default_factory=Counter)


@dataclass
class _Item:
    id: str | None
    key: str | None
    depth: int
    parent: str | None = None


@dataclass
class _Component:
    element: str
    id: str | None
    line: int | None
    depth: int
    concept: str | None = None


def _describe_maintainable(element: Any, kind: str) -> tuple[str | None, str]:
    """(label, how to point at it without one) for a maintainable artefact's element."""
    agency, artefact_id = element.get("agencyID"), element.get("id")
    version = element.get("version") or "1.0"  # the SDMX default when the attribute is absent
    named = f" {artefact_id}" if artefact_id else ""
    where = f"the {kind}{named} on line {element.sourceline}"
    label = f"{kind} {short_ref(agency, artefact_id, version)}" if agency and artefact_id else None
    return label, where


class _Scan:
    """One streaming pass over the raw message, collecting problems artefact by artefact.

    Attributes are read on "start" events (children are not parsed yet then), and each element
    is cleared on its "end" event, so memory stays flat however many codes a message holds.
    """

    def __init__(self) -> None:
        self.tags: list[str] = []
        self.artefact: _Maintainable | None = None
        self.items: list[_Item] = []
        self.component: _Component | None = None
        self.defined: dict[tuple[str, str], list[int | None]] = {}
        self.problems: list[dict[str, Any]] = []
        self.total = 0
        self.reader_namespace = ""
        #: (prefix, line, artefact label) of the first element whose prefix is not declared.
        self.undeclared: tuple[str, int | None, str | None] | None = None

    def run(self, data: bytes) -> str:
        """Scan ``data``; return the SDMX-ML message namespace or raise a StructureError."""
        try:
            for event, element in _parse(data):
                if event == "start":
                    self.start(element)
                else:
                    self.end(element)
        except etree.XMLSyntaxError as exc:
            raise self.not_well_formed(exc, data) from None
        if self.undeclared is not None:
            raise self.undeclared_prefix(*self.undeclared)
        if self.problems:
            raise _refusal(self.problems, total=self.total)
        return self.reader_namespace

    def problem(self, message: str, artefact: str | None = None) -> None:
        self.total += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append({"artefact": artefact, "message": message})

    def artefact_problem(self, artefact: _Maintainable, message: str) -> None:
        """A problem of ``artefact``: named by its label, or pointed at by line if it has none."""
        if artefact.label:
            self.problem(message, artefact.label)
        else:
            self.problem(f"{artefact.where} {message}")

    # -- events

    def start(self, element: Any) -> None:
        tag = _local(element)
        depth = len(self.tags)
        self.tags.append(tag)
        if self.undeclared is None and not element.tag.startswith("{") and ":" in element.tag:
            label = self.artefact.label if self.artefact else None
            self.undeclared = (element.tag.partition(":")[0], element.sourceline, label)
        if depth == 0:
            if self.undeclared is None:  # an unknown prefix says more than "no SDMX namespace"
                self.root(element, tag)
        elif depth == 3 and self.tags[1] == "Structures":
            self.open_maintainable(element, tag)
        elif self.artefact is not None:
            self.open_part(element, tag, depth)

    def end(self, element: Any) -> None:
        tag = self.tags.pop()
        depth = len(self.tags)
        if self.items and depth == self.items[-1].depth + 1 and tag == "Parent":
            text = (element.text or "").strip()  # SDMX-ML 3.0 writes the parent id as text
            if text and self.items[-1].parent is None:
                self.items[-1].parent = text
        elif self.component and depth == self.component.depth + 1 and tag == "ConceptIdentity":
            text = (element.text or "").strip()  # SDMX-ML 3.0: a URN ending in ".CONCEPT"
            if text and self.component.concept is None:
                self.component.concept = text.rsplit(".", 1)[-1]
        elif self.items and depth == self.items[-1].depth:
            self.close_item(self.items.pop())
        elif self.component and depth == self.component.depth:
            self.close_component(self.component)
            self.component = None
        elif self.artefact and depth == 3:
            self.close_maintainable(self.artefact)
            self.artefact = None
        # Free what has been read: this element's content and the siblings before it.
        element.clear(keep_tail=True)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]

    def root(self, element: Any, tag: str) -> None:
        if element.getroottree().docinfo.doctype:
            raise StructureError(_NO_DOCTYPE)
        namespace = etree.QName(element).namespace or ""
        if namespace not in _READERS:
            raise StructureError(
                f"The XML is not an SDMX-ML message: its root element is <{tag}> in namespace "
                f"{namespace or '(none)'!r}; expected an SDMX-ML 2.1 structure message."
            )
        if tag != "Structure":
            raise StructureError(f"Expected an SDMX-ML structure message, got a {tag} message.")
        self.reader_namespace = namespace

    def open_maintainable(self, element: Any, tag: str) -> None:
        kind = _MAINTAINABLE_TYPES.get(tag, tag.lower())
        label, where = _describe_maintainable(element, kind)
        self.artefact = _Maintainable(kind, label, where)
        if not element.get("id"):
            self.problem(f"{where} has no id")
        elif not element.get("agencyID"):
            # sdmx1 would drop it without a word (it takes an artefact without one for a stub).
            self.problem(f"{where} has no agencyID (the agency that maintains it)")
        if label is None or element.get("isExternalReference") == "true":
            return  # a stub that only points at an artefact defines nothing to repeat
        key = (kind, label)
        lines = self.defined.setdefault(key, [])
        lines.append(element.sourceline)
        if len(lines) == 2:
            # Line numbers only help in a pretty-printed message; many are one long line.
            at = f" (lines {lines[0]} and {lines[1]})" if lines[0] != lines[1] else ""
            self.problem(f"is defined more than once in the message{at}", label)

    def open_part(self, element: Any, tag: str, depth: int) -> None:
        parent_tag = self.tags[-2]
        if tag in _ITEM_KINDS and (depth == 4 or (tag == "Category" and self.in_item(depth))):
            self.open_item(element, tag, depth)
        elif tag in _COMPONENTS and parent_tag in _COMPONENT_LISTS:
            self.component = _Component(tag, element.get("id"), element.sourceline, depth)
        elif tag == "Ref":
            self.reference(element, depth, parent_tag)

    def in_item(self, depth: int) -> bool:
        return bool(self.items) and self.items[-1].depth == depth - 1

    def open_item(self, element: Any, tag: str, depth: int) -> None:
        assert self.artefact is not None
        self.artefact.item_count += 1
        kind = _ITEM_KINDS[tag]
        if self.artefact.item_count == 1:
            self.artefact.item_kind = kind
        item_id = element.get("id")
        if not item_id:
            self.artefact_problem(
                self.artefact,
                f"has a {kind} with no id ({kind} number {self.artefact.item_count}, "
                f"line {element.sourceline})",
            )
            key = None
        elif tag == "Category" and self.items:
            # Categories nest, and an id need only be unique among its siblings.
            key = f"{self.items[-1].key}.{item_id}" if self.items[-1].key else None
        else:
            key = item_id
        self.items.append(_Item(item_id, key, depth))

    def reference(self, element: Any, depth: int, parent_tag: str) -> None:
        assert self.artefact is not None
        ref_id = element.get("id")
        if not ref_id:
            self.artefact_problem(
                self.artefact,
                f"has a reference with no id (in <{parent_tag}>, line {element.sourceline})",
            )
        elif parent_tag == "Parent" and self.items and depth == self.items[-1].depth + 2:
            self.items[-1].parent = ref_id
        elif (
            parent_tag == "ConceptIdentity"
            and self.component is not None
            and depth == self.component.depth + 2
        ):
            self.component.concept = ref_id

    # -- closing what was opened

    def close_item(self, item: _Item) -> None:
        assert self.artefact is not None
        if item.key is None or item.id is None:
            return
        self.artefact.items[item.key] += 1
        if item.parent is not None:
            self.artefact.parents[item.id] = item.parent

    def close_component(self, component: _Component) -> None:
        assert self.artefact is not None
        component_id = component.id or component.concept  # SDMX: the id defaults to the concept's
        if component_id:
            self.artefact.components[component_id] += 1
        else:
            self.artefact_problem(
                self.artefact,
                f"has a {component.element} with neither an id nor a concept identity "
                f"(line {component.line})",
            )

    def close_maintainable(self, artefact: _Maintainable) -> None:
        kind = artefact.item_kind
        for key, count in artefact.items.items():
            if count > 1:
                self.artefact_problem(artefact, f"defines {kind} {key} {_times(count)}")
        for component_id, count in artefact.components.items():
            if count > 1:
                self.artefact_problem(artefact, f"defines component {component_id} {_times(count)}")
        scheme = _SCHEME_WORDS.get(artefact.kind, "scheme")
        for item_id, parent in artefact.parents.items():
            if parent not in artefact.items:
                self.artefact_problem(
                    artefact,
                    f"has {kind} {item_id} with parent {parent}, which is not in the {scheme}",
                )
        cycle = _first_cycle(artefact.parents)
        if cycle is not None:
            self.artefact_problem(
                artefact, f"has {kind} {cycle} as its own ancestor (a cycle in the hierarchy)"
            )

    # -- a message that is not well-formed XML

    def not_well_formed(self, exc: etree.XMLSyntaxError, data: bytes) -> StructureError:
        line, column = exc.position
        where = f"line {line}, column {column}"
        label = self.artefact.label if self.artefact else None
        inside = f", inside {label}" if label else ""
        if _cut_off(exc, data):
            message = f"it ends before it is complete ({where}{inside}); was it cut off?"
        else:
            reason = re.sub(r",? line \d+, column \d+$", "", exc.msg.strip()).rstrip(".")
            message = f"it is not well-formed XML ({where}{inside}): {reason}."
        return StructureError(
            f"The message cannot be read as XML: {message} Nothing was changed.",
            artefact=label,
            errors=[{"artefact": label, "message": message}, *self.problems],
        )

    def undeclared_prefix(self, prefix: str, line: int | None, label: str | None) -> StructureError:
        inside = f", inside {label}" if label else ""
        message = (
            f"it is not well-formed XML (line {line}{inside}): "
            f"the namespace prefix {prefix!r} is used but never declared."
        )
        return StructureError(
            f"The message cannot be read as XML: {message} Nothing was changed.",
            artefact=label,
            errors=[{"artefact": label, "message": message}, *self.problems],
        )


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def _first_cycle(parent_of: dict[str, str]) -> str | None:
    """An item that is its own ancestor, if the parent links form a cycle."""
    cleared: set[str] = set()  # items known to reach a root: later walks stop there
    for start in parent_of:
        path: set[str] = set()
        current: str | None = start
        while current is not None and current not in cleared:
            if current in path:
                return current
            path.add(current)
            current = parent_of.get(current)
        cleared |= path
    return None


def _cut_off(exc: etree.XMLSyntaxError, data: bytes) -> bool:
    """Whether the parser ran out of message (truncation) rather than met a mistake in it."""
    if exc.code == etree.ErrorTypes.ERR_TAG_NOT_FINISHED:  # "Premature end of data in tag …"
        return True
    if exc.code == etree.ErrorTypes.ERR_DOCUMENT_END:  # "Extra content at the end …"
        return False
    line, column = exc.position  # otherwise: did the parser stop at the very end?
    text = data.rstrip()
    return line > text.count(b"\n") and column >= len(text.rpartition(b"\n")[2])


# --------------------------------------------------------------------------------------------
# Reading with sdmx1

#: sdmx1 prints its parser state to stdout when it fails; stdout is process-wide, so reads are
#: serialised while it is redirected, or overlapping redirects could lose sys.stdout for good.
_STDOUT_LOCK = threading.Lock()


def _read_with_sdmx1(data: bytes, namespace: str) -> Any:
    """Read the (pre-scanned) message with sdmx1, naming the artefact it was in if it fails."""
    reading = _Reading()
    dump = io.StringIO()
    try:
        with _STDOUT_LOCK, contextlib.redirect_stdout(dump):
            # sdmx1's own XML reader dispatches the same way, handing the version reader the
            # parse events; handing it ours means it parses with the safe settings too.
            return _READERS[namespace]().convert(None, _events=reading.track(_parse(data)))
    except Exception as exc:  # sdmx1 raises many types; each means "not readable SDMX-ML"
        log.debug("sdmx1 could not read a structure message:\n%s", dump.getvalue()[-4000:])
        cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
        message = _plain(cause)
        inside = f", in {reading.place}" if reading.place else ""
        raise StructureError(
            f"The message cannot be read as SDMX-ML{inside}: {message}. Nothing was changed.",
            artefact=reading.artefact,
            errors=[{"artefact": reading.artefact, "message": message}],
        ) from exc


@dataclass
class _Reading:
    """Where in the message sdmx1 is: the artefact (label) or other part (place) it is inside."""

    artefact: str | None = None
    place: str | None = None

    def track(self, events: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
        """Pass ``events`` on, keeping track of the artefact or message part they are in."""
        tags: list[str] = []
        for event, element in events:
            if event == "start":
                tags.append(_local(element))
                if len(tags) == 2 and tags[1] == "Header":
                    self.place = "the message header"
                elif len(tags) == 4 and tags[1] == "Structures":
                    kind = _MAINTAINABLE_TYPES.get(tags[3], tags[3].lower())
                    self.artefact, where = _describe_maintainable(element, kind)
                    self.place = self.artefact or where
                yield event, element
            else:
                yield event, element  # sdmx1 may fail on the artefact's own end: name it till then
                tags.pop()
                if len(tags) == 1 or (len(tags) == 3 and tags[1] == "Structures"):
                    self.artefact = self.place = None


def _plain(exc: BaseException) -> str:
    """sdmx1's failure in words: its exceptions carry an id or an element tag, not a sentence."""
    if isinstance(exc, KeyError) and exc.args:
        return f"it refers to {exc.args[0]!s}, which the message does not define where expected"
    if isinstance(exc, NotImplementedError) and len(exc.args) == 2:
        tag = str(exc.args[0]).rpartition("}")[2]
        return f"element <{tag}> is not expected there"
    return _short(exc)


class _Resolver:
    """Answers 'does this artefact (and item) exist?' from the message first, then the registry."""

    def __init__(self, session: Session, records: Iterable[ArtefactRecord]) -> None:
        self.session = session
        self.in_message: dict[tuple[str, str], ArtefactRecord] = {
            (r.type.value, r.ref): r for r in records
        }
        self._registered_items: dict[tuple[str, str], set[str] | None] = {}

    def artefact_exists(self, kind: str, ref: str) -> bool:
        return (kind, ref) in self.in_message or self._registered(kind, ref) is not None

    def item_exists(self, kind: str, ref: str, item: str) -> bool:
        record = self.in_message.get((kind, ref))
        if record is not None:
            return item in {i.id for i in record.items}
        ids = self._registered(kind, ref)
        return ids is not None and item in ids

    def _registered(self, kind: str, ref: str) -> set[str] | None:
        if (kind, ref) not in self._registered_items:
            parsed = parse_ref(ref)
            row = repository.get_artefact(
                self.session, kind, parsed.agency, parsed.id, parsed.version
            )
            self._registered_items[(kind, ref)] = (
                None if row is None or row.id is None else repository.item_ids(self.session, row.id)
            )
        return self._registered_items[(kind, ref)]


def check_records(
    session: Session, records: list[ArtefactRecord], *, reserved_agencies: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Every problem with ``records`` as ``{"artefact", "message"}``, in message order."""
    problems: list[dict[str, Any]] = []
    reserved = set(reserved_agencies)
    seen: set[tuple[str, ...]] = set()
    resolver = _Resolver(session, records)
    for record in records:

        def problem(message: str, record: ArtefactRecord = record) -> None:
            problems.append({"artefact": record.label, "message": message})

        if record.key in seen:
            problem("appears twice in the message")
        seen.add(record.key)
        if not AGENCY_PATTERN.match(record.agency or ""):
            problem(f"maintenance agency {record.agency!r} is not a valid SDMX agency id")
        if record.agency in reserved:
            problem(f"agency {record.agency!r} is reserved for voicescount's own structures")
        if not ID_PATTERN.match(record.id):
            problem(f"id {record.id!r} is not a valid SDMX id")
        if not VERSION_PATTERN.match(record.version):
            problem(f"version {record.version!r} is not a valid SDMX version")
        _check_items(record, problem)
        _check_components(record, resolver, problem)
        _check_references(record, resolver, problem)
    return problems


def _check_items(record: ArtefactRecord, problem: Any) -> None:
    ids = [item.id for item in record.items]
    known = set(ids)
    if len(known) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        problem(f"item ids repeated: {', '.join(duplicates[:10])}")
    for item in record.items:
        if not ID_PATTERN.match(item.id):
            problem(f"item id {item.id!r} is not a valid SDMX id")
        if item.parent is not None and item.parent not in known:
            problem(f"item {item.id!r} has parent {item.parent!r}, which is not in the scheme")
    if record.type is ArtefactType.CODELIST:
        _check_cycles(record, problem)


def _check_cycles(record: ArtefactRecord, problem: Any) -> None:
    parents = {item.id: item.parent for item in record.items}
    for start in parents:
        seen = {start}
        current = parents.get(start)
        while current is not None:
            if current in seen:
                problem(f"code {start!r} is its own ancestor (a cycle in the hierarchy)")
                return
            seen.add(current)
            current = parents.get(current)


def _check_components(record: ArtefactRecord, resolver: _Resolver, problem: Any) -> None:
    if record.type is not ArtefactType.DATASTRUCTURE:
        return
    roles = [c.role for c in record.components]
    if "dimension" not in roles:
        problem("has no dimensions")
    if "measure" not in roles:
        problem("has no primary measure")
    for component in record.components:
        concept = parse_ref(component.concept)
        if concept.agency == "?":
            problem(f"component {component.id} has no concept identity")
        elif not resolver.artefact_exists(ArtefactType.CONCEPTSCHEME.value, concept.maintainable):
            problem(
                f"component {component.id} refers to concept scheme {concept.maintainable}, "
                "which is neither in the message nor registered"
            )
        elif concept.item and not resolver.item_exists(
            ArtefactType.CONCEPTSCHEME.value, concept.maintainable, concept.item
        ):
            problem(
                f"component {component.id} refers to concept {concept.item}, "
                f"which concept scheme {concept.maintainable} does not hold"
            )
        if component.codelist and not resolver.artefact_exists(
            ArtefactType.CODELIST.value, component.codelist
        ):
            problem(
                f"component {component.id} is coded by {component.codelist}, "
                "which is neither in the message nor registered"
            )


def _check_references(record: ArtefactRecord, resolver: _Resolver, problem: Any) -> None:
    if record.type is ArtefactType.DATASTRUCTURE:
        return  # components are checked one by one above, with better messages
    for kind, ref in record.references():
        if not resolver.artefact_exists(kind, ref):
            problem(f"refers to {kind} {ref}, which is neither in the message nor registered")
    for key in ("data_provider", "category"):
        value = record.details.get(key)
        if value:
            parsed = parse_ref(value)
            kind = (
                ArtefactType.DATAPROVIDERSCHEME
                if key == "data_provider"
                else ArtefactType.CATEGORYSCHEME
            ).value
            item = (parsed.item or "").rsplit(".", 1)[-1]
            if resolver.artefact_exists(kind, parsed.maintainable) and not resolver.item_exists(
                kind, parsed.maintainable, item
            ):
                problem(f"refers to {value}, which {parsed.maintainable} does not hold")


def store_records(
    session: Session,
    records: list[ArtefactRecord],
    *,
    origin: str,
    reserved_agencies: Iterable[str] = (),
) -> ImportReport:
    """Check and store ``records`` in the caller's transaction; raise before writing anything."""
    if not records:
        raise StructureError("The message defines no structures (dataflows, codelists, DSDs…).")
    problems = check_records(session, records, reserved_agencies=reserved_agencies)
    report = ImportReport()
    replacements = []
    for record in records:
        existing = repository.get_artefact(session, *record.key)
        if existing is None:
            continue
        if existing.content_hash == record.content_hash():
            continue
        if existing.is_final:
            problems.append(
                {
                    "artefact": record.label,
                    "message": "is final and already registered with different content; "
                    "publish the change under a new version",
                }
            )
        else:
            replacements.append(existing)
    if problems:
        raise _refusal(problems)
    replaced = {(r.artefact_type, r.agency_id, r.artefact_id, r.version) for r in replacements}
    for row in replacements:
        repository.delete_artefact(session, row)
    for record in records:
        existing = repository.get_artefact(session, *record.key)
        if existing is not None:
            report.unchanged.append(record.label)
            continue
        repository.insert_record(session, record, origin=origin)
        (report.replaced if record.key in replaced else report.added).append(record.label)
    session.flush()
    return report


def import_message(
    session: Session,
    data: bytes,
    *,
    origin: str = "import",
    reserved_agencies: Iterable[str] = (),
    max_bytes: int | None = None,
) -> ImportReport:
    """Read, check and store a structure message (the caller commits)."""
    message = read_structure_message(data, max_bytes=max_bytes)
    records = records_from_message(message)
    return store_records(session, records, origin=origin, reserved_agencies=reserved_agencies)
