"""Server-side SVG charts: a line chart over periods and a horizontal bar chart. Pure.

Why SVG made here rather than a JavaScript library: the pages must work without JavaScript,
load nothing from the internet, and stay light on a phone. An inline ``<svg role="img">``
names itself through ``<title>`` (``aria-labelledby``) and summarises itself through ``<desc>``
(``aria-describedby``); the page puts the same numbers in a table next to it for screen readers.

Colours are not the only cue (WCAG 1.4.1): each line also has its own dash pattern and marker
shape, and every colour has at least 3:1 contrast with the white background (WCAG 1.4.11,
checked by the tests). Missing values (cells withheld by disclosure control) leave a gap: a
line is never drawn across a period without a value. Only presentation attributes are used
(no ``style=``), so a strict Content-Security-Policy does not get in the way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

#: Series colours, each ≥ 3:1 against white (#ffffff); the tests compute the ratios.
PALETTE: tuple[str, ...] = (
    "#1f5fa8",  # blue
    "#b4470c",  # orange-brown
    "#2b7a3d",  # green
    "#7a3ea1",  # purple
    "#8a6a00",  # ochre
    "#0f7c85",  # teal
    "#a8326a",  # magenta
    "#4a4a4a",  # grey
)
#: Dash patterns (``stroke-dasharray``), so that lines differ in more than colour.
DASHES: tuple[str, ...] = ("", "7 4", "2 3", "9 3 2 3", "4 4", "12 4", "1 4", "6 2 1 2")
MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond")
#: The axis, grid and text colours (text ≥ 4.5:1 on white).
AXIS = "#595959"
GRID = "#d6d6d6"
TEXT = "#1a1a1a"
BACKGROUND = "#ffffff"

#: Most lines one chart draws; more would be unreadable (the table keeps them all).
MAX_LINES = len(PALETTE)
#: Most bars one chart draws.
MAX_BARS = 24

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Line:
    """One line: a label and a value (or ``None``) per category of the x axis."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10ⁿ apart) covering ``low``–``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
        if len(ticks) > 50:  # cannot happen with finite input; a guard, not a branch
            break
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _range(values: Sequence[float | None]) -> tuple[float, float]:
    present = [v for v in values if v is not None and math.isfinite(v)]
    if not present:
        return 0.0, 1.0
    # Zero stays on the axis when all values are on one side of it: bars and lines then show
    # proportions honestly instead of magnifying small differences.
    return min(0.0, *present), max(0.0, *present)


def _marker(kind: str, x: float, y: float, colour: str, label: str) -> str:
    tip = f"<title>{escape(label)}</title>"
    if kind == "square":
        return (
            f'<rect x="{_num(x - 4)}" y="{_num(y - 4)}" width="8" height="8" fill="{colour}">'
            f"{tip}</rect>"
        )
    if kind == "triangle":
        points = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y + 4)} {_num(x - 5)},{_num(y + 4)}"
        return f'<polygon points="{points}" fill="{colour}">{tip}</polygon>'
    if kind == "diamond":
        points = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y)} {_num(x)},{_num(y + 5)} {_num(x - 5)},{_num(y)}"
        return f'<polygon points="{points}" fill="{colour}">{tip}</polygon>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" fill="{colour}">{tip}</circle>'


def swatch(index: int) -> str:
    """A small legend sample of line ``index`` (colour, dash and marker), decorative."""
    colour = PALETTE[index % len(PALETTE)]
    dash = DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    marker = _marker(MARKERS[index % len(MARKERS)], 15, 7, colour, "").replace(
        "<title></title>", ""
    )
    return (
        '<svg class="swatch" width="30" height="14" viewBox="0 0 30 14" aria-hidden="true" '
        f'focusable="false"><line x1="1" y1="7" x2="29" y2="7" stroke="{colour}" '
        f'stroke-width="2.5"{dash_attr}/>{marker}</svg>'
    )


def _open_svg(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" id="{_attr(chart_id)}" role="img" '
        f'aria-labelledby="{_attr(chart_id)}-title" aria-describedby="{_attr(chart_id)}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13">'
        f'<title id="{_attr(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{_attr(chart_id)}-desc">{escape(description)}</desc>'
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>'
    )


def _value_grid(
    ticks: Sequence[float], y_of: Callable[[float], float], x0: float, x1: float, fmt: Formatter
) -> str:
    parts = ['<g class="grid">']
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{_num(x0)}" x2="{_num(x1)}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{_num(x0 - 8)}" y="{_num(y + 4)}" text-anchor="end" fill="{TEXT}">'
            f"{escape(fmt(tick))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _period_axis(
    categories: Sequence[str],
    x_of: Callable[[int], float],
    x0: float,
    x1: float,
    y: float,
    label_y: float,
) -> str:
    # At most about eight period labels fit; the others stay in the table and the tooltips.
    every = max(1, math.ceil(len(categories) / 8))
    parts = [
        '<g class="x-axis">',
        f'<line x1="{_num(x0)}" x2="{_num(x1)}" y1="{_num(y)}" y2="{_num(y)}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>',
    ]
    for index, category in enumerate(categories):
        if index % every and index != len(categories) - 1:
            continue
        parts.append(
            f'<text x="{_num(x_of(index))}" y="{_num(label_y)}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(category)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    lines: Sequence[Line],
    *,
    fmt: Formatter = _num,
    width: int = 560,
    height: int = 300,
) -> str:
    """A line chart of ``lines`` over ``categories`` (periods, in order), as inline SVG."""
    lines = list(lines)[:MAX_LINES]
    low, high = _range([v for line in lines for v in line.values])
    ticks = nice_ticks(low, high)
    left, right, top, bottom = 64, 16, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (ticks[-1] - ticks[0]) or 1.0

    def y_of(value: float) -> float:
        return top + plot_h - (value - ticks[0]) / span * plot_h

    def x_of(index: int) -> float:
        if len(categories) == 1:
            return left + plot_w / 2
        return left + 12 + index * (plot_w - 24) / (len(categories) - 1)

    parts = [_open_svg(chart_id, title, description, width, height)]
    parts.append(_value_grid(ticks, y_of, left, width - right, fmt))
    parts.append(_period_axis(categories, x_of, left, width - right, top + plot_h, height - 12))
    for number, line in enumerate(lines):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[number % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="series series-{number}">')
        # A run of consecutive values is one polyline; a missing value breaks the line.
        run: list[str] = []
        for index, value in enumerate([*line.values, None]):
            if value is not None and index < len(categories):
                run.append(f"{_num(x_of(index))},{_num(y_of(value))}")
                continue
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>'
                )
            run = []
        for index, value in enumerate(line.values[: len(categories)]):
            if value is None:
                continue
            label = f"{line.label}, {categories[index]}: {fmt(value)}"
            parts.append(
                _marker(MARKERS[number % len(MARKERS)], x_of(index), y_of(value), colour, label)
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    fmt: Formatter = _num,
    withheld: str = "withheld",
    width: int = 560,
) -> str:
    """Horizontal bars, one per label (each label on its own line above its bar, so long
    labels never collide on a narrow screen); a missing value is written out, not drawn."""
    bars = list(bars)[:MAX_BARS]
    low, high = _range([bar.value for bar in bars])
    ticks = nice_ticks(low, high)
    left, right, top = 12, 64, 8
    row = 44
    height = top + row * len(bars) + 28
    plot_w = width - left - right
    span = (ticks[-1] - ticks[0]) or 1.0

    def x_of(value: float) -> float:
        return left + (value - ticks[0]) / span * plot_w

    parts = [_open_svg(chart_id, title, description, width, height)]
    zero = x_of(0.0)
    bottom = top + row * len(bars)
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{top}" y2="{bottom}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{_num(x)}" y="{bottom + 18}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(fmt(tick))}</text>'
        )
    for index, bar in enumerate(bars):
        y = top + index * row
        parts.append(
            f'<text x="{left}" y="{y + 14}" fill="{TEXT}">{escape(_short(bar.label))}</text>'
        )
        if bar.value is None:
            parts.append(
                f'<text x="{_num(zero + 4)}" y="{y + 33}" fill="{TEXT}" font-style="italic">'
                f"{escape(withheld)}</text>"
            )
            continue
        start, end = sorted((zero, x_of(bar.value)))
        colour = PALETTE[0]
        parts.append(
            f'<rect x="{_num(start)}" y="{y + 20}" width="{_num(max(end - start, 1.5))}" '
            f'height="16" fill="{colour}"><title>{escape(bar.label)}: {escape(fmt(bar.value))}'
            f"</title></rect>"
            f'<text x="{_num(end + 6)}" y="{y + 33}" fill="{TEXT}">{escape(fmt(bar.value))}</text>'
        )
    parts.append(
        f'<line x1="{_num(zero)}" x2="{_num(zero)}" y1="{top}" y2="{bottom}" stroke="{AXIS}" '
        'stroke-width="1.5"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 70) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
