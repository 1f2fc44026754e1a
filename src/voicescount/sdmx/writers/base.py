"""What every data writer shares: escaping with caches, value text, chunking, layout decisions.

The writers are string builders, not tree builders: a message is the concatenation of templates
filled with pre-escaped text. Codes repeat (15 dimensions × 100k series use a few hundred codes),
so every escaped fragment goes through a bounded dictionary cache whose hit costs one lookup.
Text is collected per series and handed out as UTF-8 chunks of roughly :data:`CHUNK_BYTES`.

A :class:`~voicescount.sdmx.data.SeriesBlock` is rendered column by column: each column goes
through its cache with ``map`` (no Python bytecode per value), and ``zip`` lays the fragments
out observation by observation (:func:`interleave`); only series-level text (keys, opening and
closing tags) is built per series.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, repeat
from operator import add, getitem
from typing import Any

from voicescount.sdmx.data import (
    ALL_DIMENSIONS,
    DataStructure,
    Detail,
    Header,
    Ref,
    WriteOptions,
    format_value,
)

#: Target size of the chunks a writer yields (a few TCP packets; small enough to start early).
#: A block of series (:data:`voicescount.storage.published.FETCH_ROWS` observations) is written
#: whole, so chunks of a download are rarely smaller than 100 KiB.
CHUNK_BYTES = 64 * 1024
#: Cached fragments per cache before it starts afresh (bounds memory on free-text attributes).
CACHE_LIMIT = 50_000

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

URN_DATAFLOW = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="
URN_DATASTRUCTURE = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure="
URN_DATAPROVIDER = "urn:sdmx:org.sdmx.infomodel.base.DataProvider="
#: SDMX 2.1 and 3.0 fix the id and version of an agency's (single) data provider scheme.
DATA_PROVIDER_SCHEME = ("DATA_PROVIDERS", "1.0")


class FragmentCache(dict[Any, str]):
    """``cache[text]`` is ``render(text)``, computed once; cleared when it grows too big.

    ``dict.__missing__`` keeps the hit path in C: a hit is one hash lookup, no Python call, and
    ``map(operator.getitem, caches, values)`` renders a whole row without Python bytecode.
    ``fixed`` entries (e.g. ``None`` → ``""`` for an absent value) survive clearing.
    """

    __slots__ = ("fixed", "render")

    def __init__(self, render: Callable[[Any], str], fixed: dict[Any, str] | None = None) -> None:
        super().__init__(fixed or {})
        self.render = render
        self.fixed = fixed

    def __missing__(self, key: Any) -> str:
        if len(self) >= CACHE_LIMIT:
            self.clear()
            self.update(self.fixed or {})
        fragment = self[key] = self.render(key)
        return fragment


#: What an absent attribute value (missing key, ``None`` or ``""``) renders as: nothing.
ABSENT = {None: "", "": ""}


def _nothing(_text: str) -> str:
    return ""


class ComponentCaches(dict[str, FragmentCache]):
    """One :class:`FragmentCache` per component id, made on first use.

    ``render(component, text)`` builds a fragment; absent values render as ``""``. Components
    outside ``allowed`` render as ``""`` too: attributes the DSD does not attach at this level
    vanish without a membership test per observation.
    """

    __slots__ = ("allowed", "render")

    def __init__(self, render: Callable[[str, str], str], allowed: tuple[str, ...]) -> None:
        super().__init__()
        self.render = render
        self.allowed = frozenset(allowed)

    def __missing__(self, component: str) -> FragmentCache:
        if component in self.allowed:
            render = self.render
            cache = FragmentCache(lambda text: render(component, text), ABSENT)
        else:
            cache = FragmentCache(_nothing, ABSENT)
        self[component] = cache
        return cache

    def row(self, values: dict[str, str]) -> str:
        """The fragments of all ``values`` (in their order), concatenated."""
        return "".join(map(getitem, map(self.__getitem__, values), values.values()))


# XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF even as character
# references: they are dropped. Tab, LF and CR are legal, but a parser turns them into spaces
# inside attribute values, so they are written as character references to survive the trip.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_SPECIAL = re.compile('[&<>"\t\n\r]')
_XML_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\t": "&#9;",
    "\n": "&#10;",
    "\r": "&#13;",
}


def xml_text(text: str) -> str:
    """``text`` escaped for a double-quoted XML attribute value (and for element content)."""
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    if _XML_SPECIAL.search(text):
        return _XML_SPECIAL.sub(lambda m: _XML_ENTITIES[m.group()], text)
    return text


_CSV_SPECIAL = re.compile('[,"\r\n]')


def plain_codes(joined: str, special: str) -> bool:
    """Whether text (codes joined) is printable ASCII without any of ``special``: then codes
    need no escaping or quoting. ``str`` scans, much faster than a regular expression."""
    return joined.isascii() and joined.isprintable() and not any(c in joined for c in special)


#: What XML (attribute values) and CSV (fields) would escape or quote in printable ASCII.
XML_SPECIAL = '&<>"'
CSV_SPECIAL = ',"'


def split_keys(keys: list[str], dimensions: int) -> bool:
    """Whether every key has ``dimensions`` codes."""
    return set(map(str.count, keys, repeat("."))) <= {dimensions - 1}


def csv_field(text: str) -> str:
    """``text`` as one RFC 4180 field, quoted exactly when Python's ``csv.QUOTE_MINIMAL`` quotes
    (a delimiter, a quote or a line break inside)."""
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


json_string: Callable[[str], str] = json.JSONEncoder(ensure_ascii=False).encode
"""``text`` as a JSON string literal (non-ASCII kept, controls escaped)."""


def value_text(value: float) -> str:
    """An observation value as text: :func:`format_value`, and XML Schema's spellings of the
    non-finite doubles (``NaN``, ``INF``, ``-INF``) where Python would write ``nan``/``inf``."""
    if type(value) is not float:
        value = float(value)
    if math.isfinite(value):
        return format_value(value)
    if value != value:
        return "NaN"
    return "INF" if value > 0 else "-INF"


def value_cache(render: Callable[[str], str], missing: str) -> FragmentCache:
    """Observation value fragments: ``render(value_text(value))``, ``missing`` for ``None``.
    Published statistics repeat values (rounded percentages, counts) far more often than
    formatting a float is worth."""
    return FragmentCache(lambda value: render(value_text(value)), {None: missing})


def sdmx_datetime(moment: datetime) -> str:
    """An xs:dateTime with an explicit zone (naive times are taken as UTC); ``Z`` for UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_NOT_NCNAME = re.compile(r"[^A-Za-z0-9_\-]")


def structure_id(ref: Ref) -> str:
    """The message-local ``structureID`` of a structure: an xs:ID, so an NCName."""
    text = _NOT_NCNAME.sub("_", f"{ref.agency}_{ref.id}_{ref.version}")
    return text if text[:1].isalpha() or text[:1] == "_" else "S_" + text


def dsd_urn(ref: Ref) -> str:
    return f"{URN_DATASTRUCTURE}{ref.agency}:{ref.id}({ref.version})"


def flow_urn(ref: Ref) -> str:
    return f"{URN_DATAFLOW}{ref.agency}:{ref.id}({ref.version})"


def provider_urn(provider: tuple[str, str]) -> str:
    scheme, version = DATA_PROVIDER_SCHEME
    return f"{URN_DATAPROVIDER}{provider[0]}:{scheme}({version}).{provider[1]}"


@dataclass(frozen=True)
class Layout:
    """What a message shows, decided once from the header, the structure and ``detail``.

    ``flat``: every dimension on the observation (``AllDimensions``). Keys without observations
    (``serieskeysonly``, ``nodata``) cannot be flat, so those answers are always time series and
    say so in their header.
    """

    flat: bool
    #: Observations are written (``full``, ``dataonly``).
    observations: bool
    #: Data-set and series attributes are written (``full``, ``nodata``).
    series_attributes: bool
    #: Observation attributes are written (``full``).
    observation_attributes: bool
    #: What the header announces: the time dimension or ``AllDimensions``.
    dimension_at_observation: str


def layout(header: Header, structure: DataStructure, options: WriteOptions) -> Layout:
    """The :class:`Layout` of a message. ``ValueError`` for an observation dimension other than
    time or ``AllDimensions`` (the store holds time series; cross-sections are not offered)."""
    detail = Detail(options.detail)
    asked = header.dimension_at_observation
    if asked not in (ALL_DIMENSIONS, structure.time_dimension):
        raise ValueError(
            f"dimensionAtObservation={asked!r}: only {structure.time_dimension!r} and "
            f"{ALL_DIMENSIONS!r} are written"
        )
    observations = detail in (Detail.FULL, Detail.DATAONLY)
    flat = asked == ALL_DIMENSIONS and observations
    return Layout(
        flat=flat,
        observations=observations,
        series_attributes=detail in (Detail.FULL, Detail.NODATA),
        observation_attributes=detail is Detail.FULL,
        dimension_at_observation=ALL_DIMENSIONS if flat else structure.time_dimension,
    )


def flow_or_structure(header: Header, structure: DataStructure) -> Ref:
    """What the data are published for: the dataflow if the header names one, else the DSD."""
    return header.flow if header.flow is not None else structure.ref


class Chunks:
    """Collects text and hands it out as UTF-8 chunks of about :data:`CHUNK_BYTES`.

    Writers add one string per series (or header, or data set) and ask :meth:`full` after each;
    sizes count characters, close enough for chunking.
    """

    __slots__ = ("parts", "size")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def full(self) -> bool:
        return self.size >= CHUNK_BYTES

    def take(self) -> bytes:
        # "replace": a stray lone surrogate (possible in SQLite text) must not kill a stream.
        data = "".join(self.parts).encode("utf-8", "replace")
        self.parts.clear()
        self.size = 0
        return data

    def rest(self) -> Iterator[bytes]:
        if self.parts:
            yield self.take()


# --- blocks of series --------------------------------------------------------------------------


def interleave(columns: list[Iterable[str]]) -> str:
    """Fragments taken one from each column in turn, joined: ``a0 b0 c0 a1 b1 c1 …``. Columns
    are equally long, or endless (``itertools.repeat``) as long as one is not."""
    return "".join(chain.from_iterable(zip(*columns, strict=False)))


def attribute_columns(
    caches: ComponentCaches, attributes: Iterable[tuple[str, Any]]
) -> list[Iterable[str]]:
    """The fragments of a block's attribute columns in their order; a text for every row is
    rendered once, and runs of those are merged. Components ``caches`` does not write (other
    levels, ``dataonly``) are left out."""
    columns: list[Iterable[str]] = []
    constant = ""
    for component, column in attributes:
        if component not in caches.allowed:
            continue
        cache = caches[component]
        if isinstance(column, str):
            constant += cache[column]
            continue
        if constant:
            columns.append(repeat(constant))
            constant = ""
        columns.append(map(cache.__getitem__, column))
    if constant:
        columns.append(repeat(constant))
    return columns


class KeyText:
    """Series keys (codes joined by ".") as text, each code through its dimension's cache.

    When a block's codes need no escaping, a key is cut in two after its first third: both
    parts repeat across series (series and area; sex, age, group …), so each comes from a cache
    of its own (the first made through a ``%`` template): about three times faster than a
    cache lookup per code.
    """

    __slots__ = ("dims", "heads", "lead", "rests")

    def __init__(self, dims: list[FragmentCache], piece: Callable[[int], str]) -> None:
        """``dims``: the caches in dimension order; ``piece(i)``: dimension ``i``'s text with
        ``%s`` for the code (no other ``%``)."""
        self.dims = dims
        self.lead = lead = max(1, len(dims) // 3)
        template = "".join(piece(i) for i in range(lead))
        rest = dims[lead:]
        # Only keys of plain codes reach these caches (see many()).
        self.heads = FragmentCache(lambda text: template % tuple(text.split(".")))
        self.rests = FragmentCache(lambda text: "".join(map(getitem, rest, text.split("."))))

    def one(self, key: str) -> str:
        return "".join(map(getitem, self.dims, key.split(".")))

    def many(self, keys: list[str], special: str) -> list[str]:
        """The text of each key; ``special``: characters the format escapes."""
        joined = ".".join(keys)
        # An empty code is written as nothing (not as an empty value): not for the template.
        empty = ".." in joined or joined[:1] == "." or joined[-1:] == "."
        if empty or not (plain_codes(joined, special) and split_keys(keys, len(self.dims))):
            return list(map(self.one, keys))
        lead = self.lead
        rests = [key.split(".", lead)[lead] for key in keys]
        heads = [key[: len(key) - len(rest) - 1] for key, rest in zip(keys, rests, strict=True)]
        return list(
            map(add, map(self.heads.__getitem__, heads), map(self.rests.__getitem__, rests))
        )


def spread(texts: list[str], positions: list[int], size: int, fill: str = "") -> list[str]:
    """A column of ``size`` rows holding ``texts`` at ``positions`` and ``fill`` elsewhere."""
    if len(positions) == size:
        return texts
    column = [fill] * size
    for position, text in zip(positions, texts, strict=True):
        column[position] = text
    return column


def per_row(texts: list[str], starts: list[int], size: int) -> list[str]:
    """A column of ``size`` rows repeating each series' text (``starts``: first rows)."""
    if len(starts) == size:
        return texts
    column: list[str] = []
    for text, first, end in zip(texts, starts, [*starts[1:], size], strict=True):
        column += [text] * (end - first)
    return column
