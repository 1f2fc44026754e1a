"""Charts drawn on the server with matplotlib, as inline SVG. Pure: no web framework, no store.

Three kinds: a line chart over periods (:func:`line_chart`), horizontal bars for one period
(:func:`bar_chart`), and grouped bars that put community figures beside official ones
(:func:`comparison_chart`). Why SVG rendered on the server: the pages must work without
JavaScript, load nothing from the internet and stay light on a phone; matplotlib (a maintained
plotting library) lays out the axes, ticks and labels.

What every chart keeps, whatever matplotlib writes:

* **A name and a summary.** The SVG is an inline ``<svg role="img">`` whose ``<title>``
  (``aria-labelledby``) and ``<desc>`` (``aria-describedby``) say what it shows; the page puts
  the same numbers in a table next to it for screen readers.
* **More than colour** (WCAG 1.4.1): each line has its own dash pattern and marker shape, each
  official source its own hatching; every colour has at least 3:1 contrast with the white
  background (WCAG 1.4.11, checked by the tests).
* **Gaps, never guesses**: a missing value (a cell withheld by disclosure control) breaks the
  line; a bar without a value is written out in words.
* **A strict Content-Security-Policy** (``style-src 'self'``): matplotlib's ``<style>`` element
  and ``style=`` attributes are turned into presentation attributes, text stays ``<text>``
  (``svg.fonttype`` ``none``), and no script is ever written.
* **Scales on a phone**: the fixed width and height are dropped, the ``viewBox`` kept.
* **Ids unique per chart**: matplotlib names its clip paths, markers and hatches by a hash of
  their content, the same in every chart; each id is prefixed with the chart's own id.

A chart is rendered once per content (``functools.lru_cache``): releases never change, so the
same chart is asked for again and again. Figures are made with :class:`matplotlib.figure.Figure`
directly, never ``pyplot``, so rendering is safe in the server's worker threads.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import matplotlib
from lxml import etree
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

# Read when a figure is saved or a line made, so they are set once for the process (only this
# module draws): text as <text> (selectable, translatable, no glyph paths); ids that depend on
# content only, so the same chart is the same bytes; dash lengths in pixels, not line widths.
matplotlib.rcParams.update(
    {"svg.fonttype": "none", "svg.hashsalt": "voicescount", "lines.scale_dashes": False}
)

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
#: Dash patterns (on, off… in pixels; empty: solid), so that lines differ in more than colour.
DASHES: tuple[tuple[float, ...], ...] = (
    (),
    (7, 4),
    (2, 3),
    (9, 3, 2, 3),
    (4, 4),
    (12, 4),
    (1, 4),
    (6, 2, 1, 2),
)
#: Marker shapes (matplotlib's codes): circle, square, triangle, diamond and more.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Hatching of official figures' bars (community bars are solid), one per reference source.
HATCHES: tuple[str, ...] = ("//", "\\\\", "xx", "..", "--", "++")
#: The axis, grid and text colours (text ≥ 4.5:1 on white).
AXIS = "#595959"
GRID = "#d6d6d6"
TEXT = "#1a1a1a"
BACKGROUND = "#ffffff"
#: Fonts the browser picks from (matplotlib measures text in DejaVu Sans, which it ships).
FONT_FAMILY = "DejaVu Sans, Verdana, system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
FONT_SIZE = 13

#: Most lines one chart draws; more would be unreadable (the table keeps them all).
MAX_LINES = len(PALETTE)
#: Most bars one chart draws.
MAX_BARS = 24
#: Most groups (pairs of figures) one comparison chart draws.
MAX_GROUPS = 16

Formatter = Callable[[float], str]

_SVG = "http://www.w3.org/2000/svg"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
#: Our own group ids (matplotlib's ``gid``), kept (prefixed) where matplotlib's are dropped.
_OURS = "vc-"
_URL_REF = re.compile(r"url\(#([^)]+)\)")
#: Pixels of matplotlib's SVG user unit: figures are sized in inches of 72 units.
_DPI = 72


@dataclass(frozen=True)
class Line:
    """One line: a label and a value (or ``None``) per category of the x axis."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None


@dataclass(frozen=True)
class Source:
    """One side of a comparison: its label and a value (or ``None``) per group."""

    label: str
    values: tuple[float | None, ...]
    #: Community figures are solid bars; official ones hatched.
    official: bool = False


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


def _short(label: str, limit: int = 70) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------
# From matplotlib's SVG to an inline SVG the page can carry


def _declarations(style: str) -> list[tuple[str, str]]:
    """``"fill: #fff; stroke: none"`` → ``[("fill", "#fff"), ("stroke", "none")]``."""
    pairs = []
    for part in style.split(";"):
        name, _, value = part.partition(":")
        if name.strip() and value.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


def _referenced(root: Any) -> set[str]:
    found: set[str] = set()
    for element in root.iter():
        for name, value in element.attrib.items():
            found.update(_URL_REF.findall(value))
            if name in (_XLINK_HREF, "href") and value.startswith("#"):
                found.add(value[1:])
    return found


def _rename(root: Any, prefix: str) -> None:
    """Prefix every id worth keeping with ``prefix``, fix the references, drop the others."""
    keep = _referenced(root)
    renamed: dict[str, str] = {}
    for element in root.iter():
        ident = element.get("id")
        if ident is None:
            continue
        if ident in keep or ident.startswith(_OURS):
            renamed[ident] = f"{prefix}-{ident.removeprefix(_OURS)}"
            element.set("id", renamed[ident])
        else:
            del element.attrib["id"]  # matplotlib's names of groups ("axes_1"): noise
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if name in (_XLINK_HREF, "href") and value.startswith("#"):
                del element.attrib[name]
                # SVG 2 ``href``: every current browser reads it, and no xlink namespace.
                element.set("href", "#" + renamed.get(value[1:], value[1:]))
            elif "url(#" in value:
                element.set(name, _URL_REF.sub(lambda m: f"url(#{renamed.get(m[1], m[1])})", value))


def _font(shorthand: str) -> list[tuple[str, str]]:
    """The CSS ``font`` shorthand (older matplotlib writes ``font: italic 10px 'DejaVu Sans'``)
    as presentation attributes; the family is the chart's own."""
    found = []
    for token in shorthand.split():
        if re.fullmatch(r"[\d.]+px", token):
            found.append(("font-size", token))
        elif token in ("italic", "oblique"):
            found.append(("font-style", token))
        elif token in ("bold", "bolder", "lighter") or re.fullmatch(r"[1-9]00", token):
            found.append(("font-weight", token))
    return found


def _presentation(root: Any) -> None:
    """Styles → presentation attributes, so no inline style needs ``'unsafe-inline'``."""
    for style in list(root.iter(f"{{{_SVG}}}style")):
        # matplotlib's one rule is ``*{stroke-linejoin: round; stroke-linecap: butt}``: the
        # root's attributes give every element the same by inheritance.
        for name, value in _declarations(re.sub(r"^[^{]*\{|\}\s*$", "", style.text or "")):
            root.set(name, value)
        style.getparent().remove(style)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if not style:
            continue
        for name, value in _declarations(style):
            if name == "font":
                for part in _font(value):
                    element.set(*part)
            elif name != "font-family":  # one family for the whole chart, set on the root
                element.set(name, value)


def _compact(root: Any) -> None:
    for empty in [e for e in root.iter(f"{{{_SVG}}}defs") if len(e) == 0]:
        empty.getparent().remove(empty)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
        path = element.get("d")
        if path:
            element.set("d", " ".join(path.split()))
        if (element.get("transform") or "").startswith("rotate(-0 "):
            del element.attrib["transform"]  # matplotlib's "no rotation"
    # Groups matplotlib opened for nothing, innermost first.
    for group in reversed(list(root.iter(f"{{{_SVG}}}g"))):
        if len(group) == 0 and not group.attrib:
            group.getparent().remove(group)


def _tooltips(root: Any, tips: Mapping[str, Sequence[str]]) -> None:
    """A ``<title>`` (a tooltip for mouse users) on each marker of a line, or on a bar, in
    order; the table, not these, is what screen readers get."""
    for group_id, texts in tips.items():
        group = root.find(f".//*[@id='{group_id}']")
        if group is None:
            continue
        drawn = [e for e in group.iter() if e.getparent().tag != f"{{{_SVG}}}defs"]
        markers = [e for e in drawn if e.tag == f"{{{_SVG}}}use"]
        shapes = markers or [e for e in drawn if e.tag == f"{{{_SVG}}}path"]
        for shape, text in zip(shapes, texts, strict=False):
            title = etree.Element(f"{{{_SVG}}}title")
            title.text = text
            shape.insert(0, title)


def _inline(
    figure: Figure,
    chart_id: str,
    *,
    title: str | None,
    description: str | None,
    tips: Mapping[str, Sequence[str]] | None = None,
    css_class: str = "chart",
) -> str:
    """The figure as inline SVG: named (or hidden), no styles, ids prefixed by ``chart_id``."""
    buffer = io.BytesIO()
    FigureCanvasSVG(figure).print_svg(
        buffer, metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(buffer.getvalue(), parser)
    for child in root.findall(f"{{{_SVG}}}metadata"):
        root.remove(child)
    _presentation(root)
    _rename(root, chart_id)
    _compact(root)
    if tips:
        _tooltips(root, {f"{chart_id}-{k.removeprefix(_OURS)}": v for k, v in tips.items()})
    for name in ("width", "height", "version"):
        root.attrib.pop(name, None)
    root.set("class", css_class)
    root.set("id", chart_id)
    root.set("font-family", FONT_FAMILY)
    root.set("focusable", "false")
    root.set("preserveAspectRatio", "xMinYMin meet")
    if title is None:
        root.set("aria-hidden", "true")
    else:
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title")
        root.set("aria-describedby", f"{chart_id}-desc")
        for index, (tag, text) in enumerate((("title", title), ("desc", description or ""))):
            element = etree.Element(f"{{{_SVG}}}{tag}", id=f"{chart_id}-{tag}")
            element.text = text
            root.insert(index, element)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="unicode")


# ------------------------------------------------------------------------------------------
# Drawing


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor=BACKGROUND)
    return figure


def _axes(figure: Figure, width: float, height: float, box: tuple[float, ...]) -> Axes:
    """Axes placed by pixel margins (left, right, top, bottom), styled for reading."""
    left, right, top, bottom = box
    axes = figure.add_axes(
        (
            left / width,
            bottom / height,
            (width - left - right) / width,
            (height - top - bottom) / height,
        )
    )
    axes.set_facecolor(BACKGROUND)
    for side in ("top", "right", "left", "bottom"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=AXIS, labelcolor=TEXT, labelsize=FONT_SIZE, length=0, pad=8)
    axes.set_axisbelow(True)
    return axes


def _value_axis(axes: Axes, ticks: Sequence[float], fmt: Formatter, *, vertical: bool) -> None:
    axis = axes.yaxis if vertical else axes.xaxis
    axis.set_major_locator(FixedLocator(list(ticks)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: fmt(value)))
    if vertical:
        axes.set_ylim(ticks[0], ticks[-1])
    else:
        axes.set_xlim(ticks[0], ticks[-1])
    axes.grid(axis="y" if vertical else "x", color=GRID, linewidth=1)


def _label_room(labels: Sequence[str]) -> float:
    """Pixels the longest tick label takes (about 0.62 em a character in DejaVu Sans)."""
    return max((len(text) for text in labels), default=1) * FONT_SIZE * 0.62 + 12


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
    return _line_chart(
        chart_id,
        title,
        description,
        tuple(categories),
        tuple(lines[:MAX_LINES]),
        fmt,
        width,
        height,
    )


@lru_cache(maxsize=512)
def _line_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: tuple[str, ...],
    lines: tuple[Line, ...],
    fmt: Formatter,
    width: int,
    height: int,
) -> str:
    low, high = _range([v for line in lines for v in line.values])
    ticks = nice_ticks(low, high)
    figure = _figure(width, height)
    left = _label_room([fmt(t) for t in ticks])
    axes = _axes(figure, width, height, (left, 16, 14, 36))
    _value_axis(axes, ticks, fmt, vertical=True)
    # At most about eight period labels fit; the others stay in the table and the tooltips.
    every = max(1, math.ceil(len(categories) / 8))
    shown = [i for i in range(len(categories)) if i % every == 0 or i == len(categories) - 1]
    axes.xaxis.set_major_locator(FixedLocator(shown))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: categories[int(value)]))
    margin = 0.5 if len(categories) == 1 else 0.25
    axes.set_xlim(-margin, len(categories) - 1 + margin)
    axes.spines["bottom"].set_visible(True)
    axes.spines["bottom"].set_color(AXIS)
    axes.spines["bottom"].set_linewidth(1.5)
    tips: dict[str, list[str]] = {}
    for number, line in enumerate(lines):
        values = [math.nan if v is None else v for v in line.values[: len(categories)]]
        dashes = DASHES[number % len(DASHES)]
        # NaN breaks a matplotlib line: a withheld value leaves a gap, never a bridge.
        axes.plot(
            range(len(values)),
            values,
            color=PALETTE[number % len(PALETTE)],
            linestyle=(0, dashes) if dashes else "solid",
            linewidth=2.5,
            marker=MARKERS[number % len(MARKERS)],
            markersize=8,
            gid=f"{_OURS}series-{number}",
        )
        tips[f"{_OURS}series-{number}"] = [
            f"{line.label}, {categories[i]}: {fmt(v)}"
            for i, v in enumerate(line.values[: len(categories)])
            if v is not None
        ]
    return _inline(figure, chart_id, title=title, description=description, tips=tips)


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
    return _bar_chart(chart_id, title, description, tuple(bars[:MAX_BARS]), fmt, withheld, width)


@lru_cache(maxsize=512)
def _bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: tuple[Bar, ...],
    fmt: Formatter,
    withheld: str,
    width: int,
) -> str:
    source = Source("", tuple(bar.value for bar in bars))
    return _grouped_bars(
        chart_id,
        title,
        description,
        tuple(bar.label for bar in bars),
        (source,),
        fmt,
        withheld,
        width,
    )


def comparison_chart(
    chart_id: str,
    title: str,
    description: str,
    groups: Sequence[str],
    sources: Sequence[Source],
    *,
    fmt: Formatter = _num,
    missing: str = "no figure",
    width: int = 560,
) -> str:
    """Grouped horizontal bars: for each group (an area, a breakdown, a period), one bar per
    source (the community figure solid, each official source hatched), labelled with values."""
    return _grouped_bars(
        chart_id,
        title,
        description,
        tuple(groups[:MAX_GROUPS]),
        tuple(sources[: len(HATCHES) + 1]),
        fmt,
        missing,
        width,
    )


def _bar_style(source: Source, number: int, official_number: int) -> dict[str, Any]:
    colour = PALETTE[number % len(PALETTE)]
    if not source.official:
        return {"color": colour, "edgecolor": colour}
    # White with coloured hatching and edge: told apart from solid community bars without
    # colour, and from other official sources by the hatching's direction.
    return {
        "color": BACKGROUND,
        "edgecolor": colour,
        "hatch": HATCHES[official_number % len(HATCHES)],
        "linewidth": 1.5,
    }


@lru_cache(maxsize=512)
def _grouped_bars(
    chart_id: str,
    title: str,
    description: str,
    groups: tuple[str, ...],
    sources: tuple[Source, ...],
    fmt: Formatter,
    missing: str,
    width: int,
) -> str:
    bar, label_row, gap = 18.0, 22.0, 14.0
    group_height = label_row + bar * len(sources) + gap
    top, bottom = 8.0, 30.0
    height = top + group_height * len(groups) + bottom
    low, high = _range([v for s in sources for v in s.values])
    ticks = nice_ticks(low, high)
    figure = _figure(width, height)
    axes = _axes(figure, width, height, (12, 72, top, bottom))
    _value_axis(axes, ticks, fmt, vertical=False)
    # y runs downwards in pixels from the top of the plot, so rows read like the table.
    axes.set_ylim(group_height * len(groups), 0)
    axes.yaxis.set_major_locator(FixedLocator([]))
    axes.axvline(0, color=AXIS, linewidth=1.5)
    tips: dict[str, list[str]] = {}
    officials = 0
    for number, source in enumerate(sources):
        style = _bar_style(source, number, officials)
        officials += source.official
        centres = [
            index * group_height + label_row + bar * (number + 0.5) for index in range(len(groups))
        ]
        named = f"{source.label}: " if source.label else ""
        for index, (y, value) in enumerate(zip(centres, source.values, strict=False)):
            if value is None:
                continue
            gid = f"{_OURS}bar-{number}-{index}"
            axes.barh([y], [value], height=bar * 0.8, gid=gid, **style)
            tips[gid] = [f"{named}{groups[index]}: {fmt(value)}"]
        for y, value in zip(centres, source.values, strict=False):
            text = missing if value is None else fmt(value)
            at = 0.0 if value is None else max(value, 0.0)
            axes.annotate(
                text,
                (at, y),
                xytext=(6, 0),
                textcoords="offset pixels",
                va="center",
                color=TEXT,
                fontsize=FONT_SIZE,
                fontstyle="italic" if value is None else "normal",
                annotation_clip=False,
            )
    for index, group in enumerate(groups):
        # The label on its own line above its bars, from the left edge of the plot.
        axes.annotate(
            _short(group),
            (0, index * group_height + label_row - 6),
            xycoords=("axes fraction", "data"),
            color=TEXT,
            fontsize=FONT_SIZE,
            annotation_clip=False,
        )
    return _inline(figure, chart_id, title=title, description=description, tips=tips)


# ------------------------------------------------------------------------------------------
# Legend samples


def swatch(
    index: int, owner: str, *, kind: Literal["line", "bar", "hatched"] = "line", hatch: int = 0
) -> str:
    """A small legend sample, decorative (``aria-hidden``): line ``index`` of a line chart
    (colour, dash and marker), or bar ``index`` of a bar chart (solid, or hatched with hatching
    ``hatch``). ``owner`` (the chart's id) keeps its ids unique on the page."""
    return _swatch(index, f"{owner}-swatch-{index}", kind, hatch)


@lru_cache(maxsize=256)
def _swatch(index: int, swatch_id: str, kind: str, hatch: int) -> str:
    figure = _figure(30, 14)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, 30)
    axes.set_ylim(0, 14)
    colour = PALETTE[index % len(PALETTE)]
    if kind == "line":
        dashes = DASHES[index % len(DASHES)]
        axes.plot(
            [1, 29],
            [7, 7],
            color=colour,
            linestyle=(0, dashes) if dashes else "solid",
            linewidth=2.5,
        )
        axes.plot([15], [7], color=colour, linestyle="none", marker=MARKERS[index % len(MARKERS)])
    else:
        source = Source("", (), official=kind == "hatched")
        axes.bar([15], [10], bottom=2, width=26, **_bar_style(source, index, hatch))
    svg = _inline(figure, swatch_id, title=None, description=None, css_class="swatch")
    # A fixed size: a sample beside a word, not a picture that grows with the column.
    return svg.replace("<svg ", '<svg width="30" height="14" ', 1)
