"""Excel workbooks (``.xlsx``), read as a stream with openpyxl's read-only mode.

The first worksheet is read, or the one named by ``sheet``. The header is the first row with a
non-empty cell; the rows are spreadsheet row numbers (row 1 is the top row, as Excel shows
them). Rows whose cells are all empty are skipped; an empty cell under a header column is an
empty string (a spreadsheet has no "absent" cell).

Cells give their stored values (``data_only``: the cached result of a formula, not the formula),
not the text Excel displays, so number formats (percent, thousands separators) do not leak into
values: integers, and whole numbers stored as floats, come out without ``.0`` (a year 2024 is
``"2024"``), other floats as ``repr`` (the shortest text that reads back to the same number),
dates as ISO 8601 (``2024-03-01``, with ``T10:30:00`` only when there is a time), booleans as
``true``/``false``.

The shared-strings table of a workbook is held in memory by openpyxl; rows are not.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from openpyxl import load_workbook

from voicescount.intake.parsers._common import column_names, decide, head_text, row_values
from voicescount.intake.parsers.base import SourceRow, UnreadableFile

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

ZIP_MAGIC = b"PK\x03\x04"
#: Floats whole and smaller than this print as integers; beyond it a float has no exact digits.
_EXACT_INTEGER = 1e15


def cell_text(value: object) -> str:
    """A cell value as text, without losing precision or inventing digits."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_INTEGER:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta | Decimal):
        return str(value)
    return str(value).strip()


class ExcelParser:
    """Reads ``xlsx`` workbooks."""

    format: ClassVar[str] = "xlsx"
    media_types: ClassVar[tuple[str, ...]] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
    )
    suffixes: ClassVar[tuple[str, ...]] = (".xlsx", ".xlsm")

    declared_structure: str | None

    @classmethod
    def handles(cls, head: bytes, media_type: str | None, filename: str | None) -> bool:
        # A zip whose first entries include the workbook's parts is conclusive; any binary file
        # labelled as a workbook is handed to openpyxl, which then says what is wrong with it.
        zipped = head.startswith(ZIP_MAGIC)
        return decide(
            compatible=zipped or head_text(head) is None,
            conclusive=zipped and b"xl/" in head,
            media_type=media_type,
            filename=filename,
            media_types=cls.media_types,
            suffixes=cls.suffixes,
        )

    def __init__(
        self, path: Path, *, encoding: str | None = None, sheet: str | None = None
    ) -> None:
        self.path = Path(path)
        self.sheet = sheet
        self.declared_structure = None
        self.sheet_title = ""
        self.header_row = 0
        self._names: list[str | None] = []
        cells = self._cells()
        try:
            for number, row in cells:
                texts = [cell_text(value) for value in row]
                if any(texts):
                    self.header_row = number
                    self._names = column_names(texts, where=self._where(number))
                    break
        finally:
            cells.close()
        if not self.header_row:
            raise UnreadableFile(
                f"The sheet {self.sheet_title!r} is empty: it has no header row.",
                location=f"sheet {self.sheet_title}",
            )

    def _where(self, row: int) -> str:
        return f"sheet {self.sheet_title} row {row}"

    def _load(self) -> Workbook:
        # An open file rather than the path: openpyxl refuses paths without an Excel suffix, and
        # uploads are kept under their SHA-256. The handle is closed with the workbook.
        handle = self.path.open("rb")
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            workbook_close = workbook.close

            def close() -> None:
                workbook_close()
                handle.close()

            workbook.close = close  # type: ignore[method-assign]
            return workbook
        except (zipfile.BadZipFile, zipfile.LargeZipFile):
            handle.close()
            detail = "it is not a zip archive, so not an .xlsx workbook"
        except Exception as exc:  # openpyxl raises many types for a broken or foreign zip
            handle.close()
            detail = f"{type(exc).__name__}: {exc}"
        raise UnreadableFile(
            f"The file is not a readable Excel workbook ({detail}). Save it from Excel as "
            "'Excel Workbook (.xlsx)' or as CSV UTF-8.",
            location="file",
        )

    def _worksheet(self, workbook: Workbook) -> ReadOnlyWorksheet:
        if self.sheet is None:
            if not workbook.worksheets:
                raise UnreadableFile("The workbook has no worksheet.", location="file")
            sheet = workbook.worksheets[0]
        elif self.sheet in workbook.sheetnames:
            sheet = workbook[self.sheet]
        else:
            raise UnreadableFile(
                f"The workbook has no sheet named {self.sheet!r}; its sheets are "
                f"{', '.join(repr(name) for name in workbook.sheetnames)}.",
                location=f"sheet {self.sheet}",
            )
        self.sheet_title = sheet.title
        return sheet  # type: ignore[return-value]

    def _cells(self) -> Iterator[tuple[int, Sequence[object]]]:
        """Every row of the sheet with its row number, including empty rows."""
        workbook = self._load()
        number = 0
        try:
            sheet = self._worksheet(workbook)
            # The <dimension> a writer stores may be wrong (some tools write A1); without it
            # openpyxl reads each row to its last cell instead of cutting rows short.
            sheet.reset_dimensions()
            # openpyxl yields an empty tuple for each row missing from the file, so counting
            # from 1 gives spreadsheet row numbers.
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, row
        except UnreadableFile:
            raise
        except Exception as exc:  # a damaged sheet part surfaces from deep inside openpyxl
            raise UnreadableFile(
                f"The workbook cannot be read after row {number}: {type(exc).__name__}: {exc}.",
                location=self._where(number + 1),
            ) from None
        finally:
            workbook.close()

    def columns(self) -> list[str]:
        return [name for name in self._names if name is not None]

    def rows(self) -> Iterator[SourceRow]:
        width = len(self._names)
        cells = self._cells()
        try:
            for number, row in cells:
                if number <= self.header_row:
                    continue
                texts = [cell_text(value) for value in row]
                if not any(texts):
                    continue
                if len(texts) < width:
                    texts.extend([""] * (width - len(texts)))
                yield SourceRow(number, row_values(self._names, texts, ","))
        finally:
            cells.close()
