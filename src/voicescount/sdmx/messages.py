"""SDMX error messages (SDMX-ML 2.1 and 3.0, SDMX-JSON 1.0 and 2.0) and SDMX error codes.

SDMX-REST 1.5 pairs every HTTP error status with an SDMX error code, carried in the body
(``<mes:ErrorMessage code="100">``); :data:`HTTP_STATUS_FOR_SDMX_CODE` is that table and
:data:`SDMX_CODE_FOR_STATUS` the direction a server needs. SDMX-REST 2.x added statuses with no
SDMX code of their own (406, 422), mapped here to the nearest 1.5 code.

In SDMX-JSON 1.0 an error's ``code`` is the SDMX code (field guide at tag v1.0); in 2.0 it is the
HTTP status. Clients read these bodies only for display: sdmx1 raises on the status before
parsing, pysdmx turns an SDMX-ML 2.1 error into ``Invalid("code: text")``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from lxml import etree

#: SDMX-REST 1.5 (v2_1/ws/rest/docs/4_7_errors.md): SDMX error code → HTTP status.
HTTP_STATUS_FOR_SDMX_CODE: dict[int, int] = {
    100: 404,  # No results found
    110: 401,  # Unauthorized
    130: 413,  # Response too large due to client request
    140: 400,  # Syntax error
    150: 403,  # Semantic error
    500: 500,  # Internal server error
    501: 501,  # Not implemented
    503: 503,  # Service unavailable
    510: 413,  # Response size exceeds service limit
}

#: HTTP status → SDMX error code, for writing error bodies.
SDMX_CODE_FOR_STATUS: dict[int, int] = {
    400: 140,
    401: 110,
    # 403 in SDMX-REST 1.5 is the semantic error; 2.x uses it for "authenticated but not
    # allowed", which still has no better code than 150.
    403: 150,
    404: 100,
    # No representation offered matches Accept or format=: the request cannot be served as
    # written, which SDMX-REST 1.5 only knows as a syntax error.
    406: 140,
    # 413 is shared by 130 and 510; 130 ("the client asked for too much") tells the client
    # to narrow the query, which is what a client can do about it.
    413: 130,
    414: 140,  # URI too long: SDMX-REST 1.5 lists 414 alongside syntax errors
    # SDMX-REST 2.x moved the semantic error from 403 to 422.
    422: 150,
    500: 500,
    501: 501,
    503: 503,
}

SDMX_TITLES: dict[int, str] = {
    100: "No results found",
    110: "Unauthorized",
    130: "Response too large due to client request",
    140: "Syntax error",
    150: "Semantic error",
    500: "Internal server error",
    501: "Not implemented",
    503: "Service unavailable",
    510: "Response size exceeds service limit",
}

JSON_SCHEMAS = {
    "data": (
        "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/"
        "schemas/2.0.0/sdmx-json-data-schema.json"
    ),
    "structure": (
        "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/structure-message/tools/"
        "schemas/2.0.0/sdmx-json-structure-schema.json"
    ),
}

_ML_MESSAGE = {
    "2.1": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "3.0": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message",
}
_ML_COMMON = {
    "2.1": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
    "3.0": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def sdmx_code(status: int) -> int:
    """The SDMX error code for an HTTP status; unlisted ones by class (4xx: 140, 5xx: 500)."""
    if status in SDMX_CODE_FOR_STATUS:
        return SDMX_CODE_FOR_STATUS[status]
    return 500 if status >= 500 else 140


def http_status(code: int) -> int:
    """The HTTP status for an SDMX error code; custom codes (1000+) are server errors."""
    return HTTP_STATUS_FOR_SDMX_CODE.get(code, 500)


def _error_ml(version: str, code: int, text: str, lang: str) -> bytes:
    mes, com = _ML_MESSAGE[version], _ML_COMMON[version]
    root = etree.Element(f"{{{mes}}}Error", nsmap={"mes": mes, "com": com})
    message = etree.SubElement(root, f"{{{mes}}}ErrorMessage", code=str(code))
    text_elem = etree.SubElement(message, f"{{{com}}}Text")
    # xml:lang defaults to "en" in the XSD, so English needs no attribute, and without it
    # pysdmx reports "100: text" instead of the repr of a {'lang': ..., '#text': ...} dict.
    if lang != "en":
        text_elem.set(_XML_LANG, lang)
    text_elem.text = text
    # The declaration matters: pysdmx only recognises XML that starts with "<?xml".
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def error_ml21(code: int, text: str, *, lang: str = "en") -> bytes:
    """SDMX-ML 2.1 ``<mes:Error>`` with one ``ErrorMessage`` (pysdmx reads exactly one).

    sdmx1 2.28 cannot read it (nor any XSD-valid error message): its reader knows the
    ``mes:Error`` root but not ``mes:ErrorMessage``. It never gets that far in practice, since it
    raises on the HTTP status before parsing the body.
    """
    return _error_ml("2.1", code, text, lang)


def error_ml30(code: int, text: str, *, lang: str = "en") -> bytes:
    """SDMX-ML 3.0 ``<mes:Error>``, the same shape in the 3.0 namespaces."""
    return _error_ml("3.0", code, text, lang)


def error_json(
    status: int,
    title: str,
    detail: str,
    version: Literal["1.0", "2.0"] = "2.0",
    *,
    lang: str = "en",
    sender: str = "voicescount",
    message_id: str | None = None,
    prepared: datetime | None = None,
    schema: Literal["data", "structure"] | None = None,
) -> bytes:
    """An SDMX-JSON error message: ``{"errors": [...]}``, with ``meta`` in 2.0.

    ``code`` is the SDMX code in 1.0 and the HTTP status in 2.0. ``schema`` names the 2.0 schema
    in ``meta.schema``; it is left out unless asked for, because pysdmx treats a body carrying the
    structure schema URL as a structure message.
    """
    error: dict[str, Any] = {
        "code": sdmx_code(status) if version == "1.0" else status,
        "title": title,
        "titles": {lang: title},
    }
    if detail:
        error["detail"] = detail
        error["details"] = {lang: detail}
    message: dict[str, Any] = {}
    if version == "2.0":
        moment = prepared or datetime.now(UTC)
        meta: dict[str, Any] = {}
        if schema is not None:
            meta["schema"] = JSON_SCHEMAS[schema]
        meta.update(
            {
                "id": message_id or f"ERROR_{status}_{moment.strftime('%Y%m%dT%H%M%S')}",
                "test": False,
                "prepared": (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(),
                "contentLanguages": [lang],
                "sender": {"id": sender},
            }
        )
        message["meta"] = meta
    message["errors"] = [error]
    return json.dumps(message, ensure_ascii=False).encode("utf-8")
