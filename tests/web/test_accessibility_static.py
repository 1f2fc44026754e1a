"""WCAG 2.1 AA points checked without a browser: the structure of every kind of page in both
languages, the contrast of the stylesheet's colour pairs, and the charts' own colours and text.

(Keyboard and screen-reader runs in real browsers are the browser tests' job.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from tests.web import a11y
from tests.web.conftest import World
from voicescount.web import charts, i18n

WEB = Path(__file__).resolve().parents[2] / "src" / "voicescount" / "web"
CSS = (WEB / "static" / "site.css").read_text("utf-8")


# ------------------------------------------------------------------------------------------
# Pages


def _paths(world: World) -> list[str]:
    return [
        "/",
        "/catalogue",
        f"/catalogue?q={world.token}&area=KE-17",
        "/catalogue?q=zzqx",
        f"/datasets/{world.child['id']}",
        f"/datasets/{world.water['id']}",
        f"/datasets/{world.withdrawn['id']}",
        "/indicators/6.1.1",
        "/indicators/10.2.1",
        "/datasets/ds-0000000000-v1",
    ]


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_kind_of_page_passes_the_static_checks(world: World, locale: str) -> None:
    for path in _paths(world):
        separator = "&" if "?" in path else "?"
        response = world.client.get(f"{path}{separator}lang={locale}")
        assert response.status_code in (200, 404), path
        assert a11y.problems(response.text, locale) == [], path


def test_the_checks_catch_what_they_look_for() -> None:
    """The checker is not blind: a page breaking each rule is reported for each."""
    broken = """<!doctype html><html><body><a href="/">Home</a>
    <h1>One</h1><h3>Skipped</h3><h1>Two</h1>
    <main><form><input name="q" type="search"><select name="s"></select></form>
    <img src="x.png"><svg role="img" aria-labelledby="nothing"></svg><svg></svg>
    <table><tr><th>Head</th></tr></table><p id="x"></p><p id="x" lang="english"></p>
    <button></button></main></body></html>"""
    found = "\n".join(a11y.problems(broken, "en"))
    for expected in (
        "<html lang>",
        "skip link",
        "h1",
        "jumps from h1 to h3",
        "<input name='q'> has no label",
        "<select name='s'> has no label",
        "no alt text",
        "#nothing",
        "neither role=img",
        "has no caption",
        "has no scope",
        "used twice",
        "not a language tag",
        "<button",
    ):
        assert expected in found, expected


def test_interactive_targets_work_without_javascript(world: World) -> None:
    """The catalogue is a GET form, the language switch and pagination are links, and the
    copy buttons (which need the script) are hidden until it shows them."""
    html = world.client.get(f"/datasets/{world.child['id']}").text
    assert all("hidden" in b.attrs for b in a11y.parse(html).elements if b.tag == "button")
    catalogue = a11y.parse(world.client.get("/catalogue").text)
    forms = [e for e in catalogue.elements if e.tag == "form"]
    assert forms and all(f.attrs.get("method") == "get" for f in forms)


def test_templates_use_no_inline_styles_or_scripts() -> None:
    """Inline style or script would need a weaker Content-Security-Policy."""
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text("utf-8")
        assert " style=" not in text, template.name
        assert re.search(r"<script(?![^>]*\bsrc=)", text) is None, template.name
        assert " onclick=" not in text, template.name
    script = (WEB / "static" / "copy.js").read_text("utf-8")
    assert "http" not in script  # nothing fetched from anywhere


# ------------------------------------------------------------------------------------------
# Colour contrast (WCAG 1.4.3 text 4.5:1, 1.4.11 graphics 3:1)


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#fff", "#ffffff") == pytest.approx(1.0)


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S)
    assert root
    return dict(re.findall(r"--(c-[\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", root.group(1)))


def _pairs() -> list[tuple[str, str]]:
    declared = re.search(r"contrast pairs:(.*?)\*/", CSS, re.S)
    assert declared
    words = declared.group(1).replace("*", " ").split()
    return [tuple(f"c-{part}" for part in word.split("/")) for word in words]  # type: ignore[misc]


def test_every_declared_text_colour_pair_has_enough_contrast() -> None:
    colours = _variables()
    pairs = _pairs()
    assert len(pairs) >= 10
    for foreground, background in pairs:
        assert foreground in colours and background in colours, (foreground, background)
        ratio = contrast(colours[foreground], colours[background])
        assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}"


def test_every_rule_uses_declared_pairs_and_only_variables() -> None:
    """Colours are set through variables only; a rule setting both colours uses a declared
    pair, and every text colour belongs to some declared pair."""
    pairs = set(_pairs())
    foregrounds = {f for f, _ in pairs}
    body = CSS[CSS.index(":root") :]
    body = body[body.index("}") + 1 :]
    for selector, block in re.findall(r"([^{}]+)\{([^{}]*)\}", body):
        colour = re.search(r"(?<![-\w])color:\s*([^;]+);", block)
        background = re.search(r"background(?:-color)?:\s*([^;]+);", block)
        for match in (colour, background):
            if match and match.group(1).strip() not in ("inherit", "currentColor"):
                assert match.group(1).strip().startswith("var(--c-"), (selector, match.group(0))
        if colour and colour.group(1).strip().startswith("var("):
            fg = colour.group(1).strip()[6:-1]
            assert fg in foregrounds, (selector.strip(), fg)
            if background:
                bg = background.group(1).strip()[6:-1]
                assert (fg, bg) in pairs, (selector.strip(), fg, bg)


def test_form_borders_and_the_focus_ring_are_visible() -> None:
    colours = _variables()
    for background in ("c-bg", "c-surface"):
        assert contrast(colours["c-border"], colours[background]) >= 3
        assert contrast(colours["c-focus-ring"], colours[background]) >= 3
    # In the dark header the focused link gets the light focus background instead.
    assert contrast(colours["c-focus-bg"], colours["c-accent"]) >= 3


def test_chart_colours_are_visible_and_chart_text_readable() -> None:
    for colour in charts.PALETTE:
        assert contrast(colour, charts.BACKGROUND) >= 3, colour
    assert contrast(charts.TEXT, charts.BACKGROUND) >= 4.5
    assert contrast(charts.AXIS, charts.BACKGROUND) >= 3
    # Lines differ by more than colour (WCAG 1.4.1): dash patterns and markers of their own.
    assert len(set(charts.DASHES)) == len(charts.DASHES) >= charts.MAX_LINES
    assert len(set(charts.MARKERS)) == len(charts.MARKERS) >= charts.MAX_LINES


# ------------------------------------------------------------------------------------------
# Charts, as matplotlib draws them and the pages carry them

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> etree._Element:
    return etree.fromstring(markup.encode())


def _colours(root: etree._Element) -> dict[str, set[str]]:
    """Colours the chart paints, by use: text, and lines and shapes (fill or stroke)."""
    found: dict[str, set[str]] = {"text": set(), "graphics": set()}
    for element in root.iter():
        for name in ("fill", "stroke"):
            value = (element.get(name) or "").lower()
            if not re.fullmatch(r"#[0-9a-f]{6}", value) or value == charts.BACKGROUND:
                continue
            kind = "text" if element.tag == f"{SVG}text" else "graphics"
            # The light grid only guides the eye; the values are in the lines and the table.
            if value != charts.GRID:
                found[kind].add(value)
    return found


def _line_chart() -> str:
    return charts.line_chart(
        "c1",
        "Water <& access>",
        "Two lines.",
        ["2019", "2020", "2021", "2022"],
        [
            charts.Line("Women", (1.0, 2.0, None, 4.0)),
            charts.Line('Men "all"', (2.0, 3.0, 4.0, 5.0)),
        ],
    )


def test_a_line_chart_names_itself_and_breaks_at_missing_values() -> None:
    markup = _line_chart()
    root = _svg(markup)
    assert root.get("role") == "img" and root.get("class") == "chart" and root.get("id") == "c1"
    assert root.get("aria-labelledby") == "c1-title"
    assert root.get("aria-describedby") == "c1-desc"
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (
        f"{SVG}title",
        "c1-title",
        "Water <& access>",
    )
    assert (desc.tag, desc.get("id"), desc.text) == (f"{SVG}desc", "c1-desc", "Two lines.")
    # Scales with the page: no fixed size, a viewBox.
    assert root.get("width") is None and root.get("height") is None
    assert root.get("viewBox") == "0 0 560 300"
    # Women: 2019–2020 is one stretch of line; 2022 stands alone (a marker, no line across the
    # gap): matplotlib's path moves (M) to 2022 instead of drawing (L) to it.
    women = root.find(".//*[@id='c1-series-0']")
    assert women is not None
    line = women.find(f"{SVG}path").get("d")
    assert line.count("M") == 2 and line.count("L") == 1
    tips = [t.text for t in women.iter(f"{SVG}title")]
    assert tips == ["Women, 2019: 1", "Women, 2020: 2", "Women, 2022: 4"]
    assert 'Men "all", 2022: 5' in markup.replace("&quot;", '"')
    # Both lines differ in dash pattern (and in marker, by their definitions).
    men = root.find(".//*[@id='c1-series-1']")
    assert men is not None and men.find(f"{SVG}path").get("stroke-dasharray")
    assert women.find(f"{SVG}path").get("stroke-dasharray") is None


def test_a_chart_needs_no_inline_style_and_keeps_its_ids_to_itself() -> None:
    """The page's CSP allows no inline style: matplotlib's styles become attributes. Ids are
    prefixed per chart, so that two charts on a page never share one."""
    first = _line_chart()
    second = charts.line_chart(
        "c2",
        "Other",
        "Same data.",
        ["2019", "2020", "2021", "2022"],
        [charts.Line("Women", (1.0, 2.0, None, 4.0))],
    )
    for markup in (first, second):
        assert "style=" not in markup and "<style" not in markup and "<script" not in markup
        assert "xlink" not in markup and "<?xml" not in markup and "DOCTYPE" not in markup
    ids = {
        name: [e.get("id") for e in _svg(m).iter() if e.get("id")]
        for name, m in (("c1", first), ("c2", second))
    }
    for name, found in ids.items():
        assert all(i == name or i.startswith(f"{name}-") for i in found), found
    assert not set(ids["c1"]) & set(ids["c2"])
    # Every reference points at an id of the same chart.
    for markup, name in ((first, "c1"), (second, "c2")):
        for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', markup):
            assert reference.startswith(f"{name}-") and reference in ids[name], reference


def test_rendered_charts_use_only_readable_colours() -> None:
    drawn = [
        _line_chart(),
        charts.bar_chart("b1", "Scores", "Bars.", [charts.Bar("A", 2.5), charts.Bar("B", -1.0)]),
        charts.comparison_chart(
            "k1",
            "Compared",
            "Bars.",
            ["Kisumu, 2019"],
            [
                charts.Source("Community", (40.5,)),
                charts.Source("Official", (38.0,), official=True),
                charts.Source("Other official", (None,), official=True),
            ],
        ),
    ]
    for markup in drawn:
        colours = _colours(_svg(markup))
        assert colours["graphics"] and colours["text"]
        for colour in colours["graphics"]:
            assert contrast(colour, charts.BACKGROUND) >= 3, colour
        for colour in colours["text"]:
            assert contrast(colour, charts.BACKGROUND) >= 4.5, colour


def test_a_bar_chart_writes_out_withheld_values() -> None:
    markup = charts.bar_chart(
        "b1",
        "Scores",
        "Three bars.",
        [charts.Bar("A", 2.5), charts.Bar("B", None)],
        withheld="imezuiliwa",
    )
    root = _svg(markup)
    bars = [e for e in root.iter() if (e.get("id") or "").startswith("b1-bar-")]
    assert [b.get("id") for b in bars] == ["b1-bar-0-0"]  # B has no bar, only its word
    assert [t.text for t in bars[0].iter(f"{SVG}title")] == ["A: 2.5"]
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert "imezuiliwa" in words and "A" in words and "B" in words and "2.5" in words


def test_a_comparison_chart_tells_sources_apart_without_colour() -> None:
    markup = charts.comparison_chart(
        "k1",
        "Compared",
        "Two sources.",
        ["Kisumu · Female, 2019", "Kisumu · Male, 2021"],
        [
            charts.Source("Community data: LNOB", (40.5, 53.0)),
            charts.Source("Official: KNBS", (38.0, None), official=True),
        ],
        missing="no official figure",
    )
    root = _svg(markup)
    community = root.find(".//*[@id='k1-bar-0-0']/{http://www.w3.org/2000/svg}path")
    official = root.find(".//*[@id='k1-bar-1-0']/{http://www.w3.org/2000/svg}path")
    assert community is not None and official is not None
    # Solid community bars; official bars filled with a hatching pattern of the same chart.
    assert community.get("fill", "").startswith("#")
    assert re.fullmatch(r"url\(#k1-h[0-9a-f]+\)", official.get("fill", ""))
    assert root.find(".//*[@id='k1-bar-1-1']") is None  # no official figure for men in 2021
    words = [t.text for t in root.iter(f"{SVG}text")]
    assert "no official figure" in words and "40.5" in words and "38" in words
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert "Official: KNBS: Kisumu · Female, 2019: 38" in tips
    # The legend's samples are decorative, sized, and unique to their chart.
    samples = [
        charts.swatch(0, "k1", kind="bar"),
        charts.swatch(1, "k1", kind="hatched", hatch=0),
        charts.swatch(0, "k2", kind="line"),
    ]
    for sample in samples:
        swatch = _svg(sample)
        assert swatch.get("aria-hidden") == "true" and swatch.get("role") is None
        assert (swatch.get("width"), swatch.get("height")) == ("30", "14")
    assert _svg(samples[0]).get("id") != _svg(samples[2]).get("id")


def test_a_chart_is_drawn_once_per_content() -> None:
    """Releases never change: the same chart is the same string, made once."""
    assert _line_chart() is _line_chart()


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 53, [0, 20, 40, 60]),
        (0, 1, [0, 0.25, 0.5, 0.75, 1]),
        (-3, 7, [-5, -2.5, 0, 2.5, 5, 7.5]),
        (5, 5, [4, 6, 8, 10]),  # a single value: an axis up to about twice it
    ],
)
def test_axis_ticks_are_round_and_cover_the_values(low: float, high: float, expected) -> None:
    ticks = charts.nice_ticks(low, high)
    assert ticks == expected
    assert ticks[0] <= low and ticks[-1] >= high
