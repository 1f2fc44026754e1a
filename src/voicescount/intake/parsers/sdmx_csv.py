"""SDMX-CSV 1.0 and 2.0 data files: a CSV whose first columns name the structure.

They are read like tidy CSV (same encodings, delimiters, line numbers); on top of that:

* the structure columns are not values: ``DATAFLOW`` (1.0); ``STRUCTURE``, ``STRUCTURE_ID``,
  ``STRUCTURE_NAME`` and the derived ``SERIES_KEY`` / ``OBS_KEY`` (2.0). ``declared_structure``
  is the ``AGENCY:ID(VERSION)`` of the first data row; a later row naming another structure
  stops reading (:class:`UnreadableFile`): one upload is one dataset of one structure. The
  2.0 ``STRUCTURE`` type (dataflow, datastructure, dataprovision) is not kept.
* ``ACTION`` (2.0) stays in the values as found (``I``, ``A``, ``M``, ``R``, ``D`` or empty), so
  validation can refuse deletions and replacements row by row.
* ``labels=both`` files (``SEX: Sex`` headers, ``F: Female`` values) are recognised by a
  header cell holding ``": "``; then every value ``CODE: label`` whose part before ``": "`` looks
  like an SDMX id or period is cut to that part. Free text holding ``": "`` after an id-like
  word is cut too: a known limit of labels=both, which does not say which columns are coded.
* Column ids lose SDMX-CSV 2.0 brackets (``ATTR[]``, ``ATTR[en;fr]``, ``STRUCTURE[;]``); the
  values of such multi-valued or localised columns are kept raw (``X;Y``, ``en:…;fr:…``).
* ``labels=name`` files of SDMX-CSV 2.0 (a name column after each id column) are not
  recognised: their name columns come through as ordinary columns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from voicescount.intake.parsers._common import column_names, decide, head_text, row_values
from voicescount.intake.parsers.base import SourceRow, UnreadableFile
from voicescount.intake.parsers.tidy_csv import TidyCsvParser, first_cell

_BRACKETS = re.compile(r"\[[^\]]*\]")
#: What may stand before ``": "`` in a labels=both value: a code id, a period, a structure ref.
_ID_LIKE = re.compile(r"[\w@$.\-:+()]+\Z")


def component_id(header_cell: str) -> str:
    """``OBS_VALUE: Observation value`` → ``OBS_VALUE``; ``ATTR_1[en;fr]`` → ``ATTR_1``."""
    return _BRACKETS.sub("", header_cell.strip().partition(": ")[0]).strip()


def strip_label(value: str) -> str:
    """``F: Female`` → ``F``; values without an id-like part before ``": "`` are kept."""
    code, sep, _ = value.partition(": ")
    return code if sep and _ID_LIKE.match(code) else value


class _SdmxCsvParser(TidyCsvParser):
    #: Header cells (ids, upper case) that describe the structure, not a component.
    structure_columns: ClassVar[frozenset[str]]
    #: The column holding ``AGENCY:ID(VERSION)``.
    structure_id_column: ClassVar[str]
    #: What the first header cell must be.
    first_column: ClassVar[str]

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        text = head_text(head)
        ours = text is not None and component_id(first_cell(text)).upper() == cls.first_column
        # Only the content tells SDMX-CSV from tidy CSV: a label alone is not enough.
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
        self._skip: frozenset[int] = frozenset()
        self._structure_index: int | None = None
        self._labels = False
        super().__init__(path, encoding=encoding, sheet=sheet)
        # Reading the first data row sets declared_structure (see _check_structure).
        rows = self.rows()
        try:
            next(rows, None)
        finally:
            rows.close()

    def _column_names(self, header: list[str]) -> list[str | None]:
        ids = [component_id(cell) for cell in header]
        self._labels = any(": " in cell for cell in header)
        skip: set[int] = set()
        for index, id_ in enumerate(ids):
            if id_.upper() in self.structure_columns:
                skip.add(index)
                if id_.upper() == self.structure_id_column:
                    self._structure_index = index
                ids[index] = ""
        self._skip = frozenset(skip)
        return column_names(ids, where=f"line {self.header_line}")

    def _row(self, number: int, cells: list[str]) -> SourceRow:
        index = self._structure_index
        if index is not None and index < len(cells):
            self._check_structure(number, strip_label(cells[index].strip()))
        values = row_values(self._names, cells, self.delimiter, self._skip)
        if self._labels:
            values = {key: strip_label(value) for key, value in values.items()}
        return SourceRow(number, values)

    def _check_structure(self, number: int, structure: str) -> None:
        if not structure:
            return
        if self.declared_structure is None:
            # The first row naming a structure declares it (read once, from __init__).
            self.declared_structure = structure
        elif structure != self.declared_structure:
            raise UnreadableFile(
                f"Line {number} is for structure {structure} but the file started with "
                f"{self.declared_structure}; upload one structure per file.",
                location=f"line {number}",
            )


class SdmxCsv1Parser(_SdmxCsvParser):
    """SDMX-CSV 1.0 (SDMX 2.1 services): ``DATAFLOW`` column, then components."""

    format: ClassVar[str] = "sdmx-csv-1"
    media_types: ClassVar[tuple[str, ...]] = ("application/vnd.sdmx.data+csv",)
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    structure_columns: ClassVar[frozenset[str]] = frozenset({"DATAFLOW"})
    structure_id_column: ClassVar[str] = "DATAFLOW"
    first_column: ClassVar[str] = "DATAFLOW"


class SdmxCsv2Parser(_SdmxCsvParser):
    """SDMX-CSV 2.0: ``STRUCTURE``, ``STRUCTURE_ID``, [``STRUCTURE_NAME``], ``ACTION``, components."""

    format: ClassVar[str] = "sdmx-csv-2"
    media_types: ClassVar[tuple[str, ...]] = ("application/vnd.sdmx.data+csv",)
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    structure_columns: ClassVar[frozenset[str]] = frozenset(
        {"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "SERIES_KEY", "OBS_KEY"}
    )
    structure_id_column: ClassVar[str] = "STRUCTURE_ID"
    first_column: ClassVar[str] = "STRUCTURE"
