"""SDMX representations as data, and content negotiation over them (SDMX-REST 1.5 and 2.x).

Each :class:`MediaType` is one representation we can write; :data:`DATA_V1`, :data:`DATA_V2`,
:data:`STRUCTURE_V1` and :data:`STRUCTURE_V2` list what each URL tree offers, default first
(SDMX-REST 1.5 §4.6: GenericData 2.1 and Structure 2.1; SDMX-REST 2.x: SDMX-JSON 2.0).
:func:`negotiate` picks one for an ``Accept`` header, or raises :class:`NotAcceptable` (406).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from voicescount.errors import NotAcceptable


class Flavour(StrEnum):
    GENERIC = "generic"
    STRUCTURE_SPECIFIC = "structurespecific"
    ML30 = "ml30"
    JSON10 = "json10"
    JSON20 = "json20"
    CSV10 = "csv10"
    CSV20 = "csv20"
    STRUCTURE_ML21 = "structure-ml21"
    STRUCTURE_ML30 = "structure-ml30"
    STRUCTURE_JSON20 = "structure-json20"


@dataclass(frozen=True)
class MediaType:
    """One representation: its exact ``Content-Type`` and what a writer needs to produce it."""

    base: str
    version: str
    flavour: Flavour
    #: The short name accepted by the ``format=`` query parameter (a common non-normative extension).
    label: str
    #: Parameters echoed in Content-Type after ``version`` (SDMX-CSV's labels and timeFormat).
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def content_type(self) -> str:
        params = "".join(f";{k}={v}" for k, v in self.extra)
        return f"{self.base};version={self.version}{params}"

    @property
    def is_xml(self) -> bool:
        return self.base.endswith("+xml")

    @property
    def is_json(self) -> bool:
        return self.base.endswith("+json")

    @property
    def is_csv(self) -> bool:
        return self.base.endswith("+csv")


GENERIC_21 = MediaType(
    "application/vnd.sdmx.genericdata+xml", "2.1", Flavour.GENERIC, "genericdata"
)
STRUCTURE_SPECIFIC_21 = MediaType(
    "application/vnd.sdmx.structurespecificdata+xml",
    "2.1",
    Flavour.STRUCTURE_SPECIFIC,
    "structurespecificdata",
)
DATA_ML_30 = MediaType("application/vnd.sdmx.data+xml", "3.0.0", Flavour.ML30, "data-xml-3.0")
DATA_JSON_10 = MediaType("application/vnd.sdmx.data+json", "1.0.0", Flavour.JSON10, "jsondata")
DATA_JSON_20 = MediaType("application/vnd.sdmx.data+json", "2.0.0", Flavour.JSON20, "jsondata-2.0")
DATA_CSV_10 = MediaType(
    "application/vnd.sdmx.data+csv",
    "1.0.0",
    Flavour.CSV10,
    "csvdata",
    (("labels", "id"), ("timeFormat", "original")),
)
DATA_CSV_20 = MediaType(
    "application/vnd.sdmx.data+csv",
    "2.0.0",
    Flavour.CSV20,
    "csvdata-2.0",
    (("labels", "id"), ("timeFormat", "original"), ("keys", "none")),
)
STRUCTURE_ML_21 = MediaType(
    "application/vnd.sdmx.structure+xml", "2.1", Flavour.STRUCTURE_ML21, "structure"
)
STRUCTURE_ML_30 = MediaType(
    "application/vnd.sdmx.structure+xml", "3.0.0", Flavour.STRUCTURE_ML30, "structure-3.0"
)
STRUCTURE_JSON_20 = MediaType(
    "application/vnd.sdmx.structure+json", "2.0.0", Flavour.STRUCTURE_JSON20, "structure-json"
)

#: What each tree offers, the default (used for */*, application/xml, no Accept…) first.
DATA_V1: tuple[MediaType, ...] = (
    GENERIC_21,
    STRUCTURE_SPECIFIC_21,
    DATA_JSON_10,
    DATA_CSV_10,
    DATA_JSON_20,
    DATA_CSV_20,
)
DATA_V2: tuple[MediaType, ...] = (
    DATA_JSON_20,
    DATA_ML_30,
    DATA_CSV_20,
    GENERIC_21,
    STRUCTURE_SPECIFIC_21,
    DATA_JSON_10,
    DATA_CSV_10,
)
STRUCTURE_V1: tuple[MediaType, ...] = (STRUCTURE_ML_21, STRUCTURE_JSON_20)
STRUCTURE_V2: tuple[MediaType, ...] = (STRUCTURE_JSON_20, STRUCTURE_ML_30, STRUCTURE_ML_21)

#: Generic types that mean "the default of this tree" (SDMX-REST 1.5 §4.6 and common practice).
_GENERIC_XML = frozenset({"application/xml", "text/xml"})
_WILDCARDS = frozenset({"*/*", "application/*"})


@dataclass(frozen=True)
class _Range:
    base: str
    params: dict[str, str]
    q: float
    order: int


def _parse_accept(header: str) -> list[_Range]:
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";") if p.strip()]
        if not pieces:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
            else:
                params[name] = value
        ranges.append(_Range(pieces[0].lower(), params, q, order))
    return sorted(ranges, key=lambda r: (-r.q, r.order))


def _version_matches(offered: str, asked: str | None) -> bool:
    if asked is None:
        return True
    # SDMX-REST 2 allows ranges like "2.0+.0"; accept any request whose major version matches.
    if "+" in asked or "*" in asked:
        return offered.split(".")[0] == asked.split(".")[0].rstrip("+*")
    return offered == asked or offered.startswith(asked + ".") or asked.startswith(offered + ".")


def negotiate(
    accept: str | None,
    offered: tuple[MediaType, ...],
    *,
    csv_alias: MediaType | None = None,
    format_param: str | None = None,
) -> MediaType:
    """The representation to answer with; :class:`NotAcceptable` if none fits.

    ``csv_alias`` is what ``text/csv`` means on this tree; ``format_param`` (``?format=``) wins
    over the header, as FMR and Eurostat allow for browsers.
    """
    if format_param:
        for media_type in offered:
            if format_param.lower() in (media_type.label.lower(), media_type.content_type.lower()):
                return media_type
        raise _refusal(offered, f"format={format_param}")
    if not accept or not accept.strip():
        return offered[0]
    for wanted in _parse_accept(accept):
        if wanted.q <= 0:
            continue
        if wanted.base in _WILDCARDS or wanted.base in _GENERIC_XML:
            return offered[0]
        if wanted.base in ("text/csv", "text/*") and csv_alias is not None:
            return csv_alias
        for media_type in offered:
            if media_type.base == wanted.base and _version_matches(
                media_type.version, wanted.params.get("version")
            ):
                return _with_csv_params(media_type, wanted.params)
    raise _refusal(offered, accept)


def _with_csv_params(media_type: MediaType, params: dict[str, str]) -> MediaType:
    if not media_type.is_csv:
        return media_type
    extra = dict(media_type.extra)
    for name in ("labels", "timeFormat", "keys"):
        value = params.get(name.lower())
        if value and name in extra:
            extra[name] = value
    return MediaType(
        media_type.base,
        media_type.version,
        media_type.flavour,
        media_type.label,
        tuple(extra.items()),
    )


def _refusal(offered: tuple[MediaType, ...], asked: str) -> NotAcceptable:
    return NotAcceptable(
        f"Cannot answer with {asked!r}.",
        errors=[{"offered": media_type.content_type} for media_type in offered],
    )
