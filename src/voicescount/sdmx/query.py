"""SDMX-REST query syntax, both trees: path parts and parameters into typed values. Pure.

Liberal in what it accepts, as clients differ (``../shared`` compatibility notes §0.5): keywords
in any case (``all``/``ALL``/``*``, ``latest``/``~``/``+``), empty key positions as wildcards,
``+`` and ``,`` as OR, naive ``updatedAfter`` timestamps (taken as UTC), ``mode=Available``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from voicescount.errors import InvalidInput, NotImplementedFeature
from voicescount.sdmx.data import ALL_DIMENSIONS, Detail

WILDCARDS = frozenset({"all", "*", ""})
LATEST = frozenset({"latest", "~", "+"})

#: Structure resources of SDMX-REST 1.5 (and 2.x ``structure/{type}``), and those we serve.
STRUCTURE_RESOURCES = frozenset(
    {
        "datastructure",
        "metadatastructure",
        "categoryscheme",
        "conceptscheme",
        "codelist",
        "hierarchicalcodelist",
        "organisationscheme",
        "agencyscheme",
        "dataproviderscheme",
        "dataconsumerscheme",
        "organisationunitscheme",
        "dataflow",
        "metadataflow",
        "reportingtaxonomy",
        "provisionagreement",
        "structureset",
        "process",
        "categorisation",
        "contentconstraint",
        "actualconstraint",
        "allowedconstraint",
        "attachmentconstraint",
        "transformationscheme",
        "rulesetscheme",
        "userdefinedoperatorscheme",
        "customtypescheme",
        "namepersonalisationscheme",
        "vtlmappingscheme",
        "structure",
        # SDMX-REST 2.x names
        "dataconstraint",
        "metadataconstraint",
        "hierarchy",
        "hierarchyassociation",
        "valuelist",
        "representationmap",
        "conceptschememap",
        "categoryschememap",
        "organisationschememap",
        "reportingtaxonomymap",
        "structuremap",
        "metadataproviderscheme",
        "metadataprovisionagreement",
    }
)
SERVED_RESOURCES = frozenset(
    {
        "datastructure",
        "categoryscheme",
        "conceptscheme",
        "codelist",
        "agencyscheme",
        "dataproviderscheme",
        "dataflow",
        "provisionagreement",
        "categorisation",
        "contentconstraint",
        "dataconstraint",
        "actualconstraint",
        "allowedconstraint",
        "structure",
    }
)

STRUCTURE_DETAILS = frozenset(
    {
        "full",
        "allstubs",
        "referencestubs",
        "referencepartial",
        "allcompletestubs",
        "referencecompletestubs",
        "raw",
    }
)
REFERENCES = frozenset(
    {"none", "parents", "parentsandsiblings", "children", "descendants", "all", "ancestors"}
)


def semantic_error(detail: str) -> InvalidInput:
    """A query that parses but asks for what the structure does not have (a component the DSD
    lacks): SDMX-REST 2.x answers it with 422, 1.5 with 400."""
    error = InvalidInput(detail)
    error.extra["sdmx_semantic"] = True
    return error


def is_semantic(error: InvalidInput) -> bool:
    return bool(error.extra.get("sdmx_semantic"))


def values(part: str | None) -> list[str] | None:
    """A path part's values: ``None`` for a wildcard, else the ``+``/``,``-separated list."""
    if part is None or part.strip().lower() in WILDCARDS:
        return None
    return [v for v in re.split(r"[+,]", part.strip()) if v]


def is_latest(version: str | None) -> bool:
    return version is None or version.strip().lower() in LATEST or version.strip() == ""


@dataclass(frozen=True)
class FlowRef:
    agency: str | None
    id: str
    version: str | None


def parse_flow_ref(text: str) -> FlowRef:
    """SDMX-REST 1.5 ``flowRef``: ``ID``, ``AGENCY,ID`` or ``AGENCY,ID,VERSION``."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1 and parts[0]:
        return FlowRef(None, parts[0], None)
    if len(parts) == 2 and parts[1]:
        return FlowRef(_wild(parts[0]), parts[1], None)
    if len(parts) == 3 and parts[1]:
        return FlowRef(_wild(parts[0]), parts[1], None if is_latest(parts[2]) else parts[2])
    raise InvalidInput(
        f"Not a dataflow reference: {text!r}; use ID, AGENCY,ID or AGENCY,ID,VERSION."
    )


def _wild(text: str) -> str | None:
    return None if text.lower() in WILDCARDS else text


def parse_key(
    text: str | None, dimensions: int | None = None
) -> tuple[frozenset[str] | None, ...] | None:
    """A series key (``A..SP_DYN_MRBF18.KE-28+KE-30``); ``all``/``*``/missing = everything.

    Several whole keys separated by ``,`` (SDMX-REST 2.x) widen each position to the union.
    """
    if text is None or text.strip().lower() in ("all", "*", ""):
        return None
    keys = [text]
    if "," in text and dimensions is not None:
        candidates = text.split(",")
        if all(len(c.split(".")) == dimensions for c in candidates):
            keys = candidates
    parts_list = [k.split(".") for k in keys]
    width = len(parts_list[0])
    if any(len(parts) != width for parts in parts_list):
        raise InvalidInput(f"The keys in {text!r} do not have the same number of parts.")
    result: list[frozenset[str] | None] = []
    for position in range(width):
        union: set[str] = set()
        wildcard = False
        for parts in parts_list:
            found = values(parts[position])
            if found is None:
                wildcard = True
            else:
                union.update(found)
        result.append(None if wildcard else frozenset(union))
    return tuple(result)


def parse_providers(text: str | None) -> frozenset[str] | None:
    """``providerRef``: ``all``, ``ID``, ``AGENCY,ID`` or ``+``-separated lists of either."""
    if text is None or text.strip().lower() in WILDCARDS:
        return None
    providers = set()
    for item in text.split("+"):
        item = item.strip()
        if not item or item.lower() in WILDCARDS:
            return None
        providers.add(item.split(",")[-1])
    return frozenset(providers)


def parse_datetime(text: str | None, name: str) -> datetime | None:
    """An xs:dateTime (or date); without an offset it is taken as UTC."""
    if text is None or not text.strip():
        return None
    raw = text.strip().replace(" ", "+")  # an unencoded '+' in a query string arrives as ' '
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or date-time (e.g. 2024-01-31T12:00:00Z), "
            f"not {text!r}."
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_positive(text: str | None, name: str) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"{name} must be a positive whole number, not {text!r}.")
    return int(text)


def parse_bool(text: str | None, name: str) -> bool:
    if text is None:
        return False
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise InvalidInput(f"{name} must be true or false, not {text!r}.")


def parse_detail(text: str | None) -> Detail:
    if text is None or not text.strip():
        return Detail.FULL
    try:
        return Detail(text.strip().lower())
    except ValueError as exc:
        choices = ", ".join(d.value for d in Detail)
        raise InvalidInput(f"detail must be one of: {choices}; not {text!r}.") from exc


def parse_dimension_at_observation(text: str | None, time_dimension: str = "TIME_PERIOD") -> str:
    if text is None or not text.strip():
        return time_dimension
    if text.strip().lower() == ALL_DIMENSIONS.lower():
        return ALL_DIMENSIONS
    if text.strip() == time_dimension:
        return time_dimension
    raise NotImplementedFeature(
        f"dimensionAtObservation={text} (cross-sectional data) is not offered; use "
        f"{time_dimension} or AllDimensions."
    )


def detail_from_v2(attributes: str | None, measures: str | None) -> Detail:
    """SDMX-REST 2.x ``attributes``/``measures`` as the 1.5 ``detail`` they amount to."""
    attributes = (attributes or "dsd").strip().lower()
    measures = (measures or "all").strip().lower()
    if measures == "none":
        return Detail.SERIESKEYSONLY if attributes == "none" else Detail.NODATA
    if attributes == "none":
        return Detail.DATAONLY
    if attributes in ("dsd", "all", "msd", "dataset", "series", "obs") and measures in (
        "all",
        "obs_value",
    ):
        return Detail.FULL
    raise NotImplementedFeature(
        f"attributes={attributes}&measures={measures} is not offered; use attributes "
        "dsd/all/none and measures all/none."
    )


@dataclass(frozen=True)
class Components:
    """What ``c[...]`` (SDMX-REST 2.x) asks of components."""

    key: dict[str, frozenset[str]]
    start_period: str | None = None
    end_period: str | None = None


_OPERATOR = re.compile(r"^(eq|ne|lt|le|gt|ge|co|nc|sw|ew):(.*)$")


def parse_components(params: dict[str, Any], time_dimension: str = "TIME_PERIOD") -> Components:
    """``c[DIM]=A,B`` (OR) and ``c[TIME_PERIOD]=ge:2020+le:2023`` (AND)."""
    key: dict[str, frozenset[str]] = {}
    start = end = None
    for name, raw in params.items():
        match = re.fullmatch(r"c\[([A-Za-z0-9_@$\-]+)\]", name)
        if not match:
            continue
        component = match[1]
        for conjunct in str(raw).replace(" ", "+").split("+"):
            options = [o for o in conjunct.split(",") if o]
            parsed = [_OPERATOR.match(o) for o in options]
            if component == time_dimension:
                for option, found in zip(options, parsed, strict=True):
                    operator, value = (found[1], found[2]) if found else ("eq", option)
                    if operator in ("ge", "gt"):
                        start = value
                    elif operator in ("le", "lt"):
                        end = value
                    elif operator == "eq":
                        start = end = value
                    else:
                        raise NotImplementedFeature(
                            f"c[{component}] with {operator}: is not offered."
                        )
                continue
            codes = set()
            for option, found in zip(options, parsed, strict=True):
                if found and found[1] != "eq":
                    raise NotImplementedFeature(
                        f"c[{component}] with {found[1]}: is not offered; list codes (eq)."
                    )
                codes.add(found[2] if found else option)
            key[component] = frozenset(codes) if component not in key else key[component] & codes
    return Components(key, start, end)
