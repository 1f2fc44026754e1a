"""Helpers shared by the parsers: format sniffing, text encodings and turning cells into values.

Nothing here knows a particular format; each parser module combines these pieces.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from pathlib import Path

from voicescount.intake.parsers.base import UnreadableFile

#: Key under which cells beyond the header (or under a column without a name) are kept, joined
#: by the file's delimiter. ``SourceRow`` has no slot for problems, so the text is handed on and
#: validation reports the row instead of the whole file being refused.
EXTRA = "__extra__"

#: How many bytes of a file detection looks at.
HEAD_SIZE = 64 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# --- sniffing -------------------------------------------------------------------------------


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``head`` announces, if any."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def head_text(head: bytes) -> str | None:
    """``head`` as text for sniffing, or ``None`` when it looks binary.

    Decoding is lenient (a multi-byte character cut at the end of the head, or a cp1252 byte,
    must not stop detection); NUL bytes in a file without a BOM mean binary or BOM-less UTF-16,
    which only a declared encoding can tell apart.
    """
    encoding = bom_encoding(head)
    if encoding is not None:
        return head.decode(encoding, errors="replace").lstrip("\ufeff")
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):  # zip archives are never text
        return None
    return head.decode("utf-8", errors="replace")


def media_base(media_type: str | None) -> str:
    """``text/csv; charset=utf-8`` → ``text/csv``."""
    return (media_type or "").split(";", 1)[0].strip().lower()


def media_param(media_type: str | None, name: str) -> str | None:
    """The value of parameter ``name`` of a media type, if present."""
    for part in (media_type or "").split(";")[1:]:
        key, sep, value = part.partition("=")
        if sep and key.strip().lower() == name:
            return value.strip().strip('"')
    return None


def suffix(filename: str | None) -> str:
    return Path(filename).suffix.lower() if filename else ""


def decide(
    *,
    compatible: bool,
    conclusive: bool,
    media_type: str | None,
    filename: str | None,
    media_types: tuple[str, ...],
    suffixes: tuple[str, ...],
) -> bool:
    """The common shape of ``handles()``.

    ``compatible``: the content does not rule the format out; ``conclusive``: the content alone
    says it is this format. ``detect()`` asks every parser with the content only, then with the
    media type, then with the file name, so content wins over labels, and a label only decides
    between formats the content allows.
    """
    if not compatible:
        return False
    if conclusive:
        return True
    if media_type is not None and media_base(media_type) in media_types:
        return True
    return filename is not None and suffix(filename) in suffixes


_PROLOG_ITEM = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
_ROOT_TAG = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")

#: What :func:`xml_root` returns for a document type declaration before the root.
DOCTYPE = "!DOCTYPE"


def looks_like_xml(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("<")


def xml_root(text: str) -> str | None:
    """Local name of the root element of an XML head, :data:`DOCTYPE`, or ``None``."""
    text = text.lstrip("\ufeff")
    pos = 0
    while match := _PROLOG_ITEM.match(text, pos):
        pos = match.end()
    rest = text[pos:].lstrip()
    if rest.startswith(("<!DOCTYPE", "<!ENTITY")):
        return DOCTYPE
    match = _ROOT_TAG.match(rest)
    return match.group(1) if match else None


def looks_like_json(text: str) -> bool:
    """An object (a wrapped array or JSON Lines) or an array of objects."""
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return True
    if text.startswith("["):
        rest = text[1:].lstrip()
        return rest == "" or rest[0] in "{]"
    return False


# --- encodings ------------------------------------------------------------------------------


def text_encoding(path: Path, encoding: str | None) -> str:
    """The codec to read a text file with: the declared one, else what its BOM says, else UTF-8.

    ``utf-8`` becomes ``utf-8-sig`` so that a BOM written by Excel or Notepad is not taken for
    part of the first column name.
    """
    if encoding is None:
        with path.open("rb") as f:
            encoding = bom_encoding(f.read(4)) or "utf-8-sig"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UnreadableFile(
            f"Unknown text encoding {encoding!r}; use a name such as utf-8, cp1252, latin-1 "
            "or utf-16.",
            location="encoding",
        ) from None
    return "utf-8-sig" if name == "utf-8" else name


def encoding_label(encoding: str) -> str:
    return "UTF-8" if encoding in ("utf-8-sig", "utf-8") else encoding


def decode_error(path: Path, encoding: str) -> UnreadableFile:
    """Find where ``path`` stops being valid ``encoding`` and describe it with its line.

    Text streams decode in blocks, so the line a reader had reached when decoding failed is not
    where the bad byte is; reading the file again line by line finds it.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with path.open("rb") as f:
        for raw in f:
            try:
                text = decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return _decode_error(exc, encoding, line)
            line += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _decode_error(exc, encoding, line)
    return UnreadableFile(
        f"The file is not valid {encoding_label(encoding)} text; declare the encoding it was "
        "saved in.",
        location="encoding",
    )


def _decode_error(exc: UnicodeDecodeError, encoding: str, line: int) -> UnreadableFile:
    bad = " ".join(f"0x{b:02X}" for b in exc.object[exc.start : exc.end][:4])
    return UnreadableFile(
        f"The file is not valid {encoding_label(encoding)} text: byte {bad} on line {line} "
        "cannot be decoded. If it was saved in another encoding (Excel on Windows often uses "
        "cp1252), declare the encoding, e.g. cp1252, latin-1 or utf-16.",
        location=f"line {line}",
    )


# --- columns and values ---------------------------------------------------------------------


def column_names(header: Sequence[str], *, where: str) -> list[str | None]:
    """Header cells → column names; ``None`` for a cell left empty.

    A name used twice would silently lose one column's values in a ``dict``, so it refuses the
    file. ``where`` says where the header is (``line 1``, ``row 3``) for the message.
    """
    names: list[str | None] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        name = cell.strip()
        if not name:
            names.append(None)
            continue
        if name in seen:
            raise UnreadableFile(
                f"Column {name!r} appears twice in the header (columns {seen[name]} and "
                f"{position}); give every column its own name.",
                location=where,
            )
        seen[name] = position
        names.append(name)
    return names


def row_values(
    names: Sequence[str | None],
    cells: Sequence[str],
    joiner: str,
    skip: frozenset[int] = frozenset(),
) -> dict[str, str]:
    """Pair cells with column names, stripping surrounding whitespace.

    Cells past the header, or under a column without a name, that are not empty go under
    :data:`EXTRA` (joined with ``joiner``), so validation can report the row. A row shorter than
    the header lacks the missing columns' keys. Indexes in ``skip`` are left out.
    """
    values: dict[str, str] = {}
    extra: list[str] = []
    width = len(names)
    for index, cell in enumerate(cells):
        if index in skip:
            continue
        name = names[index] if index < width else None
        if name is None:
            extra.append(cell.strip())
        else:
            values[name] = cell.strip()
    while extra and not extra[-1]:
        extra.pop()
    if extra:
        values[EXTRA] = joiner.join(extra)
    return values
