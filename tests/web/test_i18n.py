"""Languages of the public pages: complete catalogues, how a request's language is chosen, and
Swahili pages (interface text, dates, chart descriptions, the coalition's own translation)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.web.a11y import attribute, element_texts, parse, texts
from tests.web.conftest import World
from voicescount.web import i18n

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compile_translations", ROOT / "scripts" / "compile_translations.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_extracted_and_translated() -> None:
    """messages.pot matches the templates and code, and every language translates all of it
    with the same placeholders (run scripts/compile_translations.py after changing text)."""
    script = _script()
    assert script.problems() == []
    assert script.LOCALES == i18n.LOCALES


def test_the_check_finds_a_missing_translation(tmp_path: Path, monkeypatch) -> None:
    """The completeness check can fail: an untranslated message is reported."""
    script = _script()
    copy = tmp_path / "locale"
    for locale in i18n.LOCALES:
        target = copy / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        text = script.po_path(locale).read_text("utf-8")
        if locale == "sw":
            text = text.replace('msgstr "Ruka hadi maudhui makuu"', 'msgstr ""')
        (target / "messages.po").write_text(text, "utf-8")
    (copy / "messages.pot").write_bytes(script.TEMPLATE.read_bytes())
    monkeypatch.setattr(script, "LOCALE_DIR", copy)
    monkeypatch.setattr(script, "TEMPLATE", copy / "messages.pot")
    assert script.problems() == ["sw: 'Skip to main content' is not translated"]


def test_swahili_catalogue_translates_interface_text() -> None:
    tr = i18n.translator("sw")
    assert tr.gettext("Catalogue") == "Katalogi"
    assert tr.ngettext("%(num)s dataset.", "%(num)s datasets.", 1) == "Seti 1 ya data."
    assert tr.ngettext("%(num)s dataset.", "%(num)s datasets.", 3) == "Seti 3 za data."
    assert tr.territory("KE") == "Kenya" and i18n.translator("sw").territory("DE") == "Ujerumani"
    assert i18n.translator("en").gettext("Catalogue") == "Catalogue"


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("sw", None, None, i18n.Choice("sw", from_query=True)),
        ("sw-KE", "en", "en", i18n.Choice("sw", from_query=True)),
        ("xx", "sw", None, i18n.Choice("sw")),  # an unknown ?lang= is ignored
        (None, "sw", "en", i18n.Choice("sw")),  # the cookie beats the header
        (None, None, "sw-KE,sw;q=0.9,en;q=0.5", i18n.Choice("sw")),
        (None, None, "fr-FR, en;q=0.8, sw;q=0.7", i18n.Choice("en")),
        (None, None, "fr, sw;q=0.5", i18n.Choice("sw")),
        (None, None, "en;q=0.2, sw;q=0.9", i18n.Choice("sw")),  # by quality, not order
        (None, None, "sw;q=0, de", i18n.Choice("en")),  # q=0 means "not this"
        (None, None, "*", i18n.Choice("en")),
        (None, None, None, i18n.Choice("en")),
        (None, None, "garbage;;q=x", i18n.Choice("en")),
    ],
)
def test_language_negotiation(
    query: str | None, cookie: str | None, header: str | None, expected: i18n.Choice
) -> None:
    assert i18n.negotiate(query, cookie, header) == expected


def test_sdmx_names_are_picked_in_the_requested_language() -> None:
    names = {"en": "Women", "sw": "Wanawake", "fr": "Femmes"}
    assert i18n.pick_name(names, "sw") == ("Wanawake", "sw")
    assert i18n.pick_name(names, "en") == ("Women", "en")
    assert i18n.pick_name({"en": "Women"}, "sw") == ("Women", "en")  # English when missing
    assert i18n.pick_name({"fr": "Femmes"}, "sw") == ("Femmes", "fr")
    assert i18n.pick_name({"sw-KE": "Wanawake"}, "sw") == ("Wanawake", "sw")
    assert i18n.pick_name({}, "sw") == ("", "sw")


def test_lang_query_gives_swahili_and_is_remembered(world: World) -> None:
    response = world.client.get("/catalogue", params={"lang": "sw"})
    assert response.status_code == 200
    html = response.text
    assert attribute(html, "html", "lang") == ["sw"]
    assert texts(html, "h1") == ["Katalogi ya seti za data za jamii"]
    assert texts(html, "a")[0] == "Ruka hadi maudhui makuu"
    assert "Onyesha seti za data" in texts(html, "button")
    assert response.headers["content-language"] == "sw"
    assert "lang=sw" in response.headers["set-cookie"]
    # The cookie alone keeps Swahili on the next page.
    assert world.client.cookies.get("lang") == "sw"
    html = world.client.get("/").text
    assert attribute(html, "html", "lang") == ["sw"]
    assert "Matoleo ya hivi karibuni" in texts(html, "h2")


def test_accept_language_gives_swahili(world: World) -> None:
    response = world.client.get(
        f"/datasets/{world.water['id']}", headers={"Accept-Language": "sw-KE,sw;q=0.9,en;q=0.5"}
    )
    html = response.text
    assert attribute(html, "html", "lang") == ["sw"]
    assert "Accept-Language" in response.headers["vary"]
    for heading in ("Muhtasari", "Mbinu", "Data", "Nukuu seti hii ya data", "Historia"):
        assert heading in texts(html, "h2")
    # Chart description and dates in Swahili; the English title marked as English (WCAG 3.1.2).
    assert "Chati ya mistari yenye migawanyo 2 kuanzia 2019 hadi 2021." in html
    assert "Januari 2019" in html
    assert f'<h1><span lang="en">Safe drinking water in Kisumu {world.token}</span></h1>' in html
    assert "imezuiliwa" in element_texts(html, id="observations-table")[0]
    # An English page asked for in English stays English.
    english = world.client.get("/", headers={"Accept-Language": "en-GB"}).text
    assert attribute(english, "html", "lang") == ["en"]


def test_the_coalition_s_swahili_title_is_shown_to_swahili_readers(world: World) -> None:
    html = world.client.get(f"/datasets/{world.child['id']}", params={"lang": "sw"}).text
    # The metadata of the child-marriage dataset carry a Swahili title: it becomes the heading.
    assert texts(html, "h1")[0].startswith("Mazungumzo ya jamii")
    other = [e for e in parse(html).elements if e.tag == "span" and e.attrs.get("lang") == "en"]
    assert any(f"Child marriage in Mombasa {world.token}" in "".join(e.text) for e in other)


def test_the_language_switch_keeps_the_page_and_its_query(world: World) -> None:
    html = world.client.get("/catalogue", params={"area": "KE-17"}).text
    switch = [
        e
        for e in parse(html).elements
        if e.tag == "a" and e.attrs.get("hreflang") == "sw" and e.attrs.get("lang") == "sw"
    ]
    assert [e.attrs["href"] for e in switch] == ["/catalogue?area=KE-17&lang=sw"]
