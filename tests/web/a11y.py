"""Static accessibility checks of an HTML page (WCAG 2.1 AA points a parser can verify).

:func:`problems` reads a page with the standard library's HTML parser and lists what breaks:
the document language, a working skip link, one ``h1`` and no skipped heading levels, a label
for every form control, a text alternative for every image and ``role="img"`` SVG (with its
``aria-labelledby`` targets present and not empty), unique ids, ``aria-*`` references that
resolve, captions and header scopes on tables, and well-formed ``lang`` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
CONTROLS = ("input", "select", "textarea")
UNLABELLED_INPUTS = ("hidden", "submit", "button", "reset", "image")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    parent: Element | None = None


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.headings: list[int] = []
        self.links: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(
            tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1] if self.stack else None
        )
        self.elements.append(element)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self.links.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def _text(element: Element) -> str:
    return " ".join("".join(element.text).split())


def _inside(element: Element, tag: str) -> bool:
    parent = element.parent
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent
    return False


def _ids(page: Page) -> tuple[dict[str, Element], list[str]]:
    by_id: dict[str, Element] = {}
    found = []
    for element in page.elements:
        ident = element.attrs.get("id")
        if ident:
            if ident in by_id:
                found.append(f"id {ident!r} is used twice")
            by_id[ident] = element
    return by_id, found


def _document(page: Page, by_id: dict[str, Element], locale: str) -> list[str]:
    """Language, skip link, main landmark and headings."""
    found = []
    root = next((e for e in page.elements if e.tag == "html"), None)
    if root is None or root.attrs.get("lang") != locale:
        found.append(f"<html lang> is {root.attrs.get('lang') if root else None!r}, not {locale!r}")
    # Skip link: the first link, pointing at an element that exists.
    if not page.links or not page.links[0].attrs.get("href", "").startswith("#"):
        found.append("the first link is not a skip link")
    elif page.links[0].attrs["href"][1:] not in by_id:
        found.append(f"the skip link points at {page.links[0].attrs['href']}, not on the page")
    if "main" not in {e.tag for e in page.elements}:
        found.append("the page has no <main>")
    # Headings: one h1, first; never a jump of more than one level down.
    if page.headings.count(1) != 1 or (page.headings and page.headings[0] != 1):
        found.append(f"headings must start with the one h1: {page.headings}")
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        if after > before + 1:
            found.append(f"heading level jumps from h{before} to h{after}")
    return found


def _control(element: Element, labelled: set[str | None]) -> list[str]:
    attrs = element.attrs
    if element.tag not in CONTROLS or attrs.get("type") in UNLABELLED_INPUTS:
        return []
    named = attrs.get("aria-label") or attrs.get("aria-labelledby")
    if named or _inside(element, "label") or attrs.get("id") in labelled:
        return []
    return [f"<{element.tag} name={attrs.get('name')!r}> has no label"]


def _graphic(element: Element, by_id: dict[str, Element]) -> list[str]:
    attrs = element.attrs
    if element.tag == "img" and "alt" not in attrs:
        return [f"<img src={attrs.get('src')!r}> has no alt text"]
    if element.tag != "svg" or _inside(element, "svg"):
        return []
    if attrs.get("role") != "img":
        ok = attrs.get("aria-hidden") == "true"
        return [] if ok else ["an <svg> is neither role=img with a name nor aria-hidden"]
    references = attrs.get("aria-labelledby", "").split()
    if not references and not attrs.get("aria-label"):
        return [f"<svg id={attrs.get('id')!r} role=img> has no accessible name"]
    return [
        f"<svg> names itself by #{reference}, which is empty or absent"
        for reference in references
        if reference not in by_id or not _text(by_id[reference])
    ]


def _element(page: Page, element: Element, by_id: dict[str, Element]) -> list[str]:
    """References, languages, tables and the text of links and buttons."""
    attrs = element.attrs
    found = [
        f"{aria}={reference!r} on <{element.tag}> points nowhere"
        for aria in ("aria-labelledby", "aria-describedby")
        for reference in attrs.get(aria, "").split()
        if reference not in by_id
    ]
    if "lang" in attrs and not LANG.match(attrs["lang"]):
        found.append(f"lang={attrs['lang']!r} is not a language tag")
    if element.tag == "table" and not any(
        e.tag == "caption" and e.parent is element for e in page.elements
    ):
        found.append(f"<table id={attrs.get('id')!r}> has no caption")
    if element.tag == "th" and attrs.get("scope") not in ("col", "row"):
        found.append(f"<th> {_text(element)!r} has no scope")
    if element.tag in ("a", "button") and not _text(element) and not attrs.get("aria-label"):
        found.append(f"<{element.tag} href={attrs.get('href')!r}> has no text")
    return found


def problems(html: str, locale: str) -> list[str]:
    """Everything on the page that breaks one of the checks (empty: none)."""
    page = parse(html)
    by_id, found = _ids(page)
    found += _document(page, by_id, locale)
    labelled = {e.attrs.get("for") for e in page.elements if e.tag == "label"}
    for element in page.elements:
        found += _control(element, labelled)
        found += _graphic(element, by_id)
        found += _element(page, element, by_id)
    return found


def texts(html: str, tag: str) -> list[str]:
    """The text of every ``tag`` element, whitespace collapsed."""
    return [_text(e) for e in parse(html).elements if e.tag == tag]


def element_texts(html: str, **attrs: str) -> list[str]:
    """The text of every element with these attribute values."""
    return [
        _text(e)
        for e in parse(html).elements
        if all(e.attrs.get(name) == value for name, value in attrs.items())
    ]


def attribute(html: str, tag: str, name: str) -> list[str]:
    return [e.attrs[name] for e in parse(html).elements if e.tag == tag and name in e.attrs]


def links_in(html: str, **attrs: str) -> list[str]:
    """The hrefs of the links inside every element with these attribute values."""
    page = parse(html)
    found = []
    for element in page.elements:
        if element.tag != "a" or "href" not in element.attrs:
            continue
        parent = element.parent
        while parent is not None:
            if all(parent.attrs.get(name) == value for name, value in attrs.items()):
                found.append(element.attrs["href"])
                break
            parent = parent.parent
    return found
