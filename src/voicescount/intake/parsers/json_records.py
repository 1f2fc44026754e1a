"""JSON records: an array of flat objects, such an array wrapped in an object, or JSON Lines.

* ``[{"Indicator": …, "Value": 12.5}, …]``: record numbers count the objects, from 1.
* ``{"observations": [ … ]}`` (or ``"data"``; the first of the two that holds an array):
  the other keys of the wrapper are ignored; numbers count the objects, from 1.
* JSON Lines (``.jsonl``, ``application/x-ndjson``): one object per line; the number is the
  line number (blank lines are skipped but counted), which is where a person finds it.

Arrays are streamed with ijson, so memory does not grow with the file. Values become text:
strings stripped; numbers exactly as written for JSON Lines, and as ijson's ``Decimal`` printed
for arrays (``0.1`` stays ``"0.1"``, ``1.50`` stays ``"1.50"``, but ``1e2`` becomes ``"1E+2"``);
``true``/``false``; ``null`` an empty string. A nested object or array is refused
(:class:`UnreadableFile` naming the record): records must be flat.

JSON is UTF-8; a UTF-16/32 byte-order mark or a declared encoding is followed too.
SDMX-JSON data messages are not read by this parser.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, ClassVar, Literal, TextIO

import ijson

from voicescount.intake.parsers._common import (
    decide,
    decode_error,
    head_text,
    looks_like_json,
    text_encoding,
)
from voicescount.intake.parsers.base import SourceRow, UnreadableFile

#: Keys of a wrapper object that may hold the array of records, in order of preference.
WRAPPER_KEYS = ("observations", "data")
#: A first line longer than this is not a JSON Lines record but one big document.
_MAX_LINE = 1024 * 1024


class _Utf8Reader:
    """A text stream re-encoded as UTF-8 bytes, which is what ijson reads."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            chunk = self._text.read(64 * 1024 if size < 0 else max(size, 1024))
            if not chunk:
                break
            self._pending += chunk.encode("utf-8")
        if size < 0:
            data, self._pending = self._pending, b""
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def __enter__(self) -> _Utf8Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._text.close()


def json_text(value: object, where: str, key: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    kind = "object" if isinstance(value, dict) else "array"
    raise UnreadableFile(
        f"{where.capitalize()} has a nested {kind} under {key!r}; each record must map column "
        "names to plain values (text, numbers, true/false or null).",
        location=where,
    )


def record_values(record: object, where: str) -> dict[str, str]:
    """A decoded record as column → text; ``where`` (``record 3``, ``line 3``) names it."""
    if not isinstance(record, dict):
        raise UnreadableFile(
            f"{where.capitalize()} is not an object but {type(record).__name__}; the file must "
            "hold objects mapping column names to values.",
            location=where,
        )
    return {str(key).strip(): json_text(value, where, key) for key, value in record.items()}


class JsonRecordsParser:
    """Reads ``json``: records as a JSON array, a wrapped array, or JSON Lines."""

    format: ClassVar[str] = "json"
    media_types: ClassVar[tuple[str, ...]] = (
        "application/json",
        "text/json",
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl", ".ndjson")

    declared_structure: str | None

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        text = head_text(head)
        ours = text is not None and looks_like_json(text)
        return decide(
            compatible=ours,
            conclusive=ours,
            media_type=media_type,
            filename=filename,
            media_types=cls.media_types,
            suffixes=cls.suffixes,
        )

    def __init__(
        self, path: Path, *, encoding: str | None = None, sheet: str | None = None
    ) -> None:
        self.path = Path(path)
        self.declared_structure = None
        self.encoding = text_encoding(self.path, encoding)
        # UTF-8 goes to ijson as bytes (fast); anything else is re-encoded on the way.
        self._utf8 = self.encoding == "utf-8-sig"
        self._mode: Literal["array", "lines", "object"]
        self._prefix = "item"
        self._columns: list[str] | None = None
        self._mode = self._find_mode()
        if self._mode == "object":
            self._prefix = self._find_wrapped_array()

    # --- opening ---------------------------------------------------------------------------

    def _open_bytes(self) -> BinaryIO | _Utf8Reader:
        if self._utf8:
            f = self.path.open("rb")
            if f.read(3) != codecs.BOM_UTF8:
                f.seek(0)
            return f
        text = self.path.open(encoding=self.encoding, errors="strict")
        return _Utf8Reader(text)

    def _find_mode(self) -> Literal["array", "lines", "object"]:
        try:
            with self.path.open(encoding=self.encoding, errors="strict") as f:
                line = f.readline(_MAX_LINE)
                while line and not line.strip():
                    line = f.readline(_MAX_LINE)
        except UnicodeDecodeError:
            raise decode_error(self.path, self.encoding) from None
        start = line.lstrip()
        if start.startswith("["):
            return "array"
        if not start.startswith("{"):
            raise UnreadableFile(
                "The file is not a JSON array or object of records.", location="record 1"
            )
        try:
            first = json.loads(line)
        except ValueError:
            # An object spread over several lines: a wrapper, not JSON Lines.
            return "object"
        wrapped = isinstance(first, dict) and any(
            isinstance(first.get(key), list) for key in WRAPPER_KEYS
        )
        return "object" if wrapped else "lines"

    def _find_wrapped_array(self) -> str:
        """The key of the wrapper whose value is the array of records."""
        found: list[str] = []
        with self._open_bytes() as f:
            try:
                events = ijson.parse(f)
                for prefix, event, value in events:
                    if event == "map_key" and prefix == "" and value in WRAPPER_KEYS:
                        _, event, _ = next(events, ("", "end", None))
                        if event == "start_array":
                            found.append(value)
                            if value == WRAPPER_KEYS[0]:
                                break
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                raise self._broken(exc, 1) from None
        if not found:
            raise UnreadableFile(
                "The JSON object holds no array of records under "
                f"{' or '.join(repr(key) for key in WRAPPER_KEYS)} (SDMX-JSON messages are not "
                "read here; upload SDMX-ML or SDMX-CSV instead).",
                location="record 1",
            )
        return f"{min(found, key=WRAPPER_KEYS.index)}.item"

    def _broken(self, exc: Exception, number: int) -> UnreadableFile:
        message = exc.args[0] if exc.args else exc
        if isinstance(message, bytes):  # the C backend reports bytes, with a context excerpt
            message = message.decode("utf-8", errors="replace")
        first_line = str(message).strip().splitlines()[0] if str(message).strip() else ""
        if isinstance(exc, UnicodeDecodeError) or "invalid bytes in UTF8" in first_line:
            return decode_error(self.path, self.encoding)
        return UnreadableFile(
            f"The JSON is broken at record {number}: {first_line}.", location=f"record {number}"
        )

    # --- Parser ----------------------------------------------------------------------------

    def columns(self) -> list[str]:
        if self._columns is None:
            rows = self.rows()
            try:
                first = next(rows, None)
            finally:
                rows.close()
            self._columns = list(first.values) if first else []
        return self._columns

    def rows(self) -> Iterator[SourceRow]:
        if self._mode == "lines":
            yield from self._lines()
            return
        number = 0
        with self._open_bytes() as f:
            try:
                for number, record in enumerate(ijson.items(f, self._prefix), start=1):
                    yield SourceRow(number, record_values(record, f"record {number}"))
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                raise self._broken(exc, number + 1) from None

    def _lines(self) -> Iterator[SourceRow]:
        number = 0
        try:
            with self.path.open(encoding=self.encoding, errors="strict") as f:
                for number, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        # Numbers keep the text they were written with.
                        record = json.loads(
                            line, parse_float=str, parse_int=str, parse_constant=str
                        )
                    except ValueError as exc:
                        raise UnreadableFile(
                            f"Line {number} is not a JSON object: {exc}.", location=f"line {number}"
                        ) from None
                    yield SourceRow(number, record_values(record, f"line {number}"))
        except UnicodeDecodeError:
            raise decode_error(self.path, self.encoding) from None
