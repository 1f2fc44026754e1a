"""What every upload parser provides: rows of raw text values, read as a stream from a file.

Parsers do not know SDMX codes or the database; they turn bytes into :class:`SourceRow` objects
(column name → raw text) that mapping and validation work on. A file that cannot be read at all
raises :class:`UnreadableFile` with the location of the problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Protocol

from voicescount.errors import UnreadableFile

__all__ = ["Parser", "SourceRow", "UnreadableFile"]


class SourceRow:
    """One observation as found in the file.

    ``number`` is the identity of the row in the file, as a person would count it: the line of
    a CSV file (the header is line 1), the row of a spreadsheet, the record of a JSON array
    (1-based), the observation of an SDMX-ML message (1-based, in document order).

    ``values`` maps column (or SDMX component) → raw text, exactly as in the file except for
    surrounding whitespace. Empty cells are empty strings; absent components are absent keys.

    A parser whose rows are plain lists of cells under one header may pass ``cells`` and
    ``names`` instead of ``values``: the mapping is then built only if someone asks for it,
    and the validator reads clean rows by position (building a dict per row cost a tenth of
    the time of a million-row upload).
    """

    __slots__ = ("_values", "cells", "names", "number")

    def __init__(
        self,
        number: int,
        values: dict[str, str] | None = None,
        *,
        cells: list[str] | None = None,
        names: list[str] | None = None,
    ) -> None:
        if values is None and (cells is None or names is None):
            raise ValueError("a SourceRow needs values, or cells with their names")
        self.number = number
        self._values = values
        #: The cells in header order, when the parser gave them so (else ``None``).
        self.cells = cells
        #: The header the cells line up with (one list shared by every row of a file).
        self.names = names

    @property
    def values(self) -> dict[str, str]:
        if self._values is None:
            assert self.cells is not None and self.names is not None
            self._values = dict(zip(self.names, self.cells))  # noqa: B905 (same length)
        return self._values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceRow):
            return NotImplemented
        return self.number == other.number and self.values == other.values

    def __hash__(self) -> int:
        return hash((self.number, tuple(sorted(self.values.items()))))

    def __repr__(self) -> str:
        return f"SourceRow({self.number!r}, {self.values!r})"


class Parser(Protocol):
    """A reader for one input format. Registered in ``parsers/__init__.py: PARSERS``."""

    #: Stable name of the format (``csv``, ``xlsx``, ``json``, ``sdmx-csv-1``, ``sdmx-csv-2``,
    #: ``sdmx-ml-generic``, ``sdmx-ml-structure-specific``).
    format: ClassVar[str]
    #: Media types and file suffixes that name this format.
    media_types: ClassVar[tuple[str, ...]]
    suffixes: ClassVar[tuple[str, ...]]

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        """Whether this parser reads a file starting with ``head`` (the first 64 KiB)."""
        ...

    def __init__(
        self, path: Path, *, encoding: str | None = None, sheet: str | None = None
    ) -> None: ...

    def columns(self) -> list[str]:
        """Column names (or SDMX component ids) in file order, as far as known before reading."""
        ...

    def rows(self) -> Iterator[SourceRow]:
        """The rows, read lazily: memory must not grow with the size of the file."""
        ...

    #: The SDMX structure the file declares (``AGENCY:ID(VERSION)`` of a dataflow or DSD), if any.
    declared_structure: str | None
