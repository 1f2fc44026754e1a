"""Upload parsers, one module per format, and how a file is matched to one.

:data:`PARSERS` lists the parser classes in the order :func:`detect` asks them. Detection looks
at the content first (the first 64 KiB), then the media type, then the file name: a CSV file
uploaded as ``data.xlsx`` or sent as ``application/octet-stream`` is still read as CSV, and
labels only decide between formats the content allows. An explicit format name wins over all.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from voicescount.intake.parsers._common import HEAD_SIZE, media_param
from voicescount.intake.parsers.base import Parser, SourceRow, UnreadableFile
from voicescount.intake.parsers.excel import ExcelParser
from voicescount.intake.parsers.json_records import JsonRecordsParser
from voicescount.intake.parsers.sdmx_csv import SdmxCsv1Parser, SdmxCsv2Parser
from voicescount.intake.parsers.sdmx_ml import GenericDataParser, StructureSpecificDataParser
from voicescount.intake.parsers.tidy_csv import TidyCsvParser

__all__ = [
    "FORMATS",
    "HEAD_SIZE",
    "PARSERS",
    "Parser",
    "SourceRow",
    "UnreadableFile",
    "detect",
    "open_parser",
]

#: In the order detection asks them: the formats with a clear signature before the forgiving
#: ones (SDMX-ML before any XML-ish guess, SDMX-CSV before tidy CSV, which takes any text).
PARSERS: list[type[Parser]] = [
    StructureSpecificDataParser,
    GenericDataParser,
    ExcelParser,
    JsonRecordsParser,
    SdmxCsv1Parser,
    SdmxCsv2Parser,
    TidyCsvParser,
]

#: Format name → parser class.
FORMATS: dict[str, type[Parser]] = {parser.format: parser for parser in PARSERS}

# Files people upload by mistake, recognised to say what to do instead of "unknown format".
_KNOWN_OTHERS: tuple[tuple[bytes, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "This is an old Excel 97-2003 workbook (.xls); save it as .xlsx or as CSV UTF-8.",
    ),
    (b"%PDF", "This is a PDF document; upload the data as CSV, .xlsx, JSON or SDMX."),
)


def _supported() -> str:
    return "; ".join(f"{parser.format} ({', '.join(parser.suffixes)})" for parser in PARSERS)


def _unrecognised(head: bytes, media_type: str | None, filename: str | None) -> UnreadableFile:
    for magic, message in _KNOWN_OTHERS:
        if head.startswith(magic):
            return UnreadableFile(message, location="file")
    if head.startswith(b"PK") and b"opendocument" in head:
        return UnreadableFile(
            "This is an OpenDocument file (.ods); save it as .xlsx or as CSV UTF-8.",
            location="file",
        )
    labels = ", ".join(label for label in (filename and f"name {filename!r}", media_type) if label)
    return UnreadableFile(
        f"The format of this file ({labels or 'no name or media type'}) cannot be recognised. "
        f"Supported formats: {_supported()}. If it is one of them, state the format (and the "
        "encoding of a text file saved as UTF-16 without a byte-order mark).",
        location="file",
    )


def detect(
    head: bytes,
    media_type: str | None,
    filename: str | None,
    declared_format: str | None = None,
) -> type[Parser]:
    """The parser for a file starting with ``head``.

    ``declared_format`` (a key of :data:`FORMATS`) is taken as given. Otherwise every parser is
    asked about the content alone, then with the media type, then with the file name, in the
    order of :data:`PARSERS`; the first that accepts wins.
    """
    if declared_format:
        parser = FORMATS.get(declared_format.strip().lower())
        if parser is None:
            raise UnreadableFile(
                f"Unknown format {declared_format!r}; supported formats: {_supported()}.",
                location="format",
            )
        return parser
    if not head.lstrip(codecs.BOM_UTF8).strip():
        raise UnreadableFile("The file is empty.", location="file")
    probes = [(None, None)]
    if media_type:
        probes.append((media_type, None))
    if filename:
        probes.append((None, filename))
    for probe_media_type, probe_filename in probes:
        for parser in PARSERS:
            if parser.handles(head, probe_media_type, probe_filename):
                return parser
    raise _unrecognised(head, media_type, filename)


def open_parser(
    path: Path,
    *,
    media_type: str | None = None,
    filename: str | None = None,
    declared_format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Parser:
    """Detect the format of the file at ``path`` and open a parser on it.

    ``filename`` is the name the uploader gave (defaults to the path's); ``encoding`` of a text
    format defaults to the ``charset`` of ``media_type``, else UTF-8 or what a BOM says;
    ``sheet`` names the worksheet of a workbook.
    """
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(HEAD_SIZE)
    encoding = encoding or media_param(media_type, "charset")
    sniffed = head
    if encoding and not head.startswith(b"PK"):
        # Detection reads UTF-8; a declared UTF-16 or cp1252 head is shown to it as such.
        try:
            sniffed = head.decode(encoding, errors="replace").encode("utf-8")
        except LookupError:
            raise UnreadableFile(
                f"Unknown text encoding {encoding!r}; use a name such as utf-8, cp1252, "
                "latin-1 or utf-16.",
                location="encoding",
            ) from None
    parser = detect(sniffed, media_type, filename or path.name, declared_format)
    return parser(path, encoding=encoding, sheet=sheet)
