"""Tidy CSV: one row per observation under a header row, with any column names.

Coalitions export these from Excel, Google Sheets, KoboToolbox or ODK, so the reader is
forgiving about what those tools produce: a UTF-8 byte-order mark, a semicolon or tab instead of
a comma, blank lines, trailing empty columns. The encoding defaults to UTF-8 (with or without a
BOM; a UTF-16/32 BOM is followed too) and a declared one (``cp1252``, ``latin-1``, ``utf-16``)
is honoured.

Row numbers are physical line numbers of the file (line 1 is the first line, normally the
header), counting blank lines and every line of a quoted cell that spans several lines; a row's
number is the line it starts on, which is where a person finds it in a text editor. Lines that
are blank, or whose cells are all empty (``,,,``), are skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, TextIO

from voicescount.intake.parsers._common import (
    column_names,
    decide,
    decode_error,
    head_text,
    looks_like_json,
    looks_like_xml,
    row_values,
    text_encoding,
)
from voicescount.intake.parsers.base import SourceRow, UnreadableFile

#: Candidate delimiters, the first winning ties (comma is what most tools write).
DELIMITERS = (",", ";", "\t")


def sniff_delimiter(line: str) -> str:
    """The delimiter used most often outside quotes in a header line (comma if none is)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def first_line(text: str) -> str:
    """The first non-blank line of a text."""
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip():
            return line
    return ""


def first_cell(text: str) -> str:
    """The first header cell of a CSV head, unquoted and stripped."""
    line = first_line(text)
    cells = next(csv.reader([line], delimiter=sniff_delimiter(line)), [""])
    return cells[0].strip() if cells else ""


#: Longest cell read (the csv module's default); a longer one is a quote never closed.
MAX_CELL_CHARS = 131_072


class TidyCsvParser:
    """Reads ``csv``: a header row naming the columns, then one observation per line."""

    format: ClassVar[str] = "csv"
    # Browsers on Windows with Excel installed send .csv files as application/vnd.ms-excel.
    media_types: ClassVar[tuple[str, ...]] = (
        "text/csv",
        "application/csv",
        "text/tab-separated-values",
        "text/plain",
        "application/vnd.ms-excel",
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".tsv", ".tab", ".txt")

    declared_structure: str | None

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        text = head_text(head)
        # Any text that is not XML or JSON reads as CSV: a one-column file is still a CSV file.
        compatible = text is not None and not looks_like_xml(text) and not looks_like_json(text)
        return decide(
            compatible=compatible,
            conclusive=compatible and bool(text and text.strip()),
            media_type=media_type,
            filename=filename,
            media_types=cls.media_types,
            suffixes=cls.suffixes,
        )

    def __init__(
        self, path: Path, *, encoding: str | None = None, sheet: str | None = None
    ) -> None:
        self.path = Path(path)
        self.encoding = text_encoding(self.path, encoding)
        self.declared_structure = None
        self.delimiter = self._sniff()
        records = self._records()
        try:
            header = next(records, None)
        finally:
            records.close()
        if header is None:
            raise UnreadableFile("The file has no header row: it is empty.", location="line 1")
        self.header_line, header_cells = header
        self._names = self._column_names(header_cells)
        # Every column named: rows of the header's width take a faster path.
        self._plain_names: list[str] | None = (
            [name for name in self._names if name is not None] if None not in self._names else None
        )

    # --- reading ---------------------------------------------------------------------------

    def _open(self) -> TextIO:
        # newline="" lets the csv module see line breaks inside quoted cells.
        return self.path.open(encoding=self.encoding, newline="", errors="strict")

    def _sniff(self) -> str:
        try:
            with self._open() as f:
                for line in f:
                    if line.strip():
                        return sniff_delimiter(line)
        except UnicodeDecodeError:
            raise decode_error(self.path, self.encoding) from None
        return ","

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Non-blank records, cells stripped once, with the line each starts on."""
        end = 0
        strip = str.strip
        try:
            # The limit is process-wide and some libraries (frictionless) raise it on import;
            # ours keeps a quote that never closes from swallowing the rest of a large file.
            csv.field_size_limit(MAX_CELL_CHARS)
            with self._open() as f:
                reader = csv.reader(f, delimiter=self.delimiter)
                for cells in reader:
                    start, end = end + 1, reader.line_num
                    stripped = list(map(strip, cells))
                    if any(stripped):
                        yield start, stripped
        except UnicodeDecodeError:
            raise decode_error(self.path, self.encoding) from None
        except csv.Error as exc:
            line = end + 1
            if "field larger than field limit" in str(exc):
                raise UnreadableFile(
                    f"A quoted cell starting on line {line} never ends; look for a stray "
                    'double quote (") on that line.',
                    location=f"line {line}",
                ) from None
            raise UnreadableFile(
                f"The CSV cannot be read at line {line}: {exc}.", location=f"line {line}"
            ) from None

    # --- hooks for SDMX-CSV ----------------------------------------------------------------

    def _column_names(self, header: list[str]) -> list[str | None]:
        return column_names(header, where=f"line {self.header_line}")

    def _row(self, number: int, cells: list[str]) -> SourceRow:
        names = self._plain_names
        if names is not None and len(cells) == len(names):
            return SourceRow(number, cells=cells, names=names)
        return SourceRow(number, row_values(self._names, cells, self.delimiter))

    # --- Parser ----------------------------------------------------------------------------

    def columns(self) -> list[str]:
        return [name for name in self._names if name is not None]

    def rows(self) -> Iterator[SourceRow]:
        records = self._records()
        next(records, None)  # the header
        for number, cells in records:
            yield self._row(number, cells)
