"""SDMX time periods (ObservationalTimePeriod) parsed into the dates they cover. Pure.

Accepted: ``2024``, ``2024-03``, ``2024-03-15``, ``2024-Q1``, ``2024-S2``, ``2024-W05``,
``2024-M03``, ``2024-A1``, ``2024-D075`` and a date interval ``2024-01-01/2024-06-30``.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_REPORTING = re.compile(r"^(\d{4})-([ASQMWD])(\d{1,3})$")
_INTERVAL = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")


class InvalidPeriod(ValueError):
    pass


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=4096)
def period_range(period: str) -> tuple[date, date]:
    """The first and last day a period covers; :class:`InvalidPeriod` if it is not one."""
    try:
        return _range(period.strip())
    except ValueError as exc:
        raise InvalidPeriod(
            f"{period!r} is not an SDMX time period (e.g. 2024, 2024-03, 2024-Q1, 2024-03-15)"
        ) from exc


def _range(text: str) -> tuple[date, date]:
    if m := _YEAR.match(text):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if m := _MONTH.match(text):
        return _month(int(m[1]), int(m[2]))
    if m := _DAY.match(text):
        day = date(int(m[1]), int(m[2]), int(m[3]))
        return day, day
    if m := _REPORTING.match(text):
        return _reporting(int(m[1]), m[2], int(m[3]))
    if m := _INTERVAL.match(text):
        start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        if end < start:
            raise ValueError("interval ends before it starts")
        return start, end
    raise ValueError(text)


def _reporting(year: int, kind: str, number: int) -> tuple[date, date]:
    if kind == "A" and number == 1:
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "S" and number in (1, 2):
        return _month(year, 6 * number - 5)[0], _month(year, 6 * number)[1]
    if kind == "Q" and 1 <= number <= 4:
        return _month(year, 3 * number - 2)[0], _month(year, 3 * number)[1]
    if kind == "M" and 1 <= number <= 12:
        return _month(year, number)
    if kind == "W" and 1 <= number <= 53:
        start = date.fromisocalendar(year, number, 1)
        return start, start + timedelta(days=6)
    if kind == "D" and 1 <= number <= 366:
        day = date(year, 1, 1) + timedelta(days=number - 1)
        if day.year != year:
            raise ValueError("day of year out of range")
        return day, day
    raise ValueError(f"{year}-{kind}{number}")


def overlaps(period: tuple[date, date], window: tuple[date, date]) -> bool:
    return period[0] <= window[1] and window[0] <= period[1]
