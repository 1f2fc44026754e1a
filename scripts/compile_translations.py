"""Extract the web pages' messages, merge them into each language's catalogue, check them.

    .venv/bin/python scripts/compile_translations.py           # update messages.pot and the .po files
    .venv/bin/python scripts/compile_translations.py --check   # exit 1 if stale or untranslated
    .venv/bin/python scripts/compile_translations.py --mo DIR  # also write .mo files to DIR

Messages come from the templates (``{{ _("…") }}``, ``{% trans %}``, ``ngettext``) and from
``web/*.py`` (``tr.gettext``, ``tr.ngettext`` and ``N_`` for labels translated later). The
``.po`` files are the catalogues the app reads: it compiles them in memory when a language is
first used (``voicescount.web.i18n``), so no ``.mo`` file is kept in the repository or can fall
behind its source; ``--mo DIR`` writes them elsewhere for tools that want them. English is the source language:
its catalogue repeats each message, so wording can be corrected there without touching code.

After adding or changing interface text, run this script, translate the new (empty or fuzzy)
entries of ``locale/sw/LC_MESSAGES/messages.po``, and run it again; ``tests/web/test_i18n.py``
fails while a message is missing from a catalogue or left untranslated.
"""

from __future__ import annotations

import argparse
import copy
import io
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "voicescount" / "web"
LOCALE_DIR = WEB / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LOCALES = ("en", "sw")

METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS_MAP = {
    "templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "True",
        "lstrip_blocks": "True",
        "newstyle_gettext": "True",
    }
}
#: gettext's keywords plus ``N_`` (marked for extraction, translated where it is used).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
HEADER = "# Interface text of the voicescount public pages."
LANGUAGE_TEAMS = {"en": "English", "sw": "Kiswahili"}


def extract() -> Catalog:
    """Every message of the templates and ``web/*.py``, as a template catalogue."""
    catalog = Catalog(
        project="voicescount",
        version="1",
        domain=DOMAIN,
        header_comment=HEADER,
        msgid_bugs_address="",
        charset="utf-8",
    )
    found = extract_from_dir(
        str(WEB), method_map=METHOD_MAP, options_map=OPTIONS_MAP, keywords=KEYWORDS
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # File names without line numbers: a template edit does not rewrite every catalogue.
    write_po(
        buffer,
        catalog,
        width=100,
        sort_output=True,
        include_lineno=False,
        omit_header=False,
        ignore_obsolete=True,
    )
    return buffer.getvalue()


def _without_dates(content: bytes) -> bytes:
    return b"\n".join(
        line
        for line in content.splitlines()
        if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date'))
    )


def _write(path: Path, content: bytes) -> bool:
    """Write ``content`` unless only the header dates would change; True if written."""
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=DOMAIN)


def merged(template: Catalog, locale: str) -> Catalog:
    """The catalogue of ``locale`` updated to ``template``: new messages added (empty), gone
    ones dropped; the source language repeats each message."""
    path = po_path(locale)
    catalog = read(path, locale) if path.exists() else Catalog(locale=locale, domain=DOMAIN)
    catalog.header_comment = HEADER
    catalog.project = "voicescount"
    # A copy: Catalog.update shares the template's message objects with the catalogue.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    catalog.fuzzy = False
    catalog.version = "1"
    catalog.last_translator = "voicescount contributors"
    catalog.language_team = LANGUAGE_TEAMS.get(locale, locale)
    catalog.msgid_bugs_address = ""
    if locale == SOURCE_LANGUAGE:
        for message in catalog:
            if message.id and (not message.string or message.string == ("", "")):
                message.string = message.id
            message.flags.discard("fuzzy")
    return catalog


def update(*, mo: Path | None = None) -> list[Path]:
    """Rewrite ``messages.pot`` and every ``.po`` from the sources (and the ``.mo`` files
    under ``mo``, if given); the files written."""
    template = extract()
    written = [TEMPLATE] if _write(TEMPLATE, _render(template)) else []
    for locale in LOCALES:
        catalog = merged(template, locale)
        if _write(po_path(locale), _render(catalog)):
            written.append(po_path(locale))
        if mo is not None:
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            target = mo / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(buffer.getvalue())
            written.append(target)
    return written


def _ids(catalog: Iterable) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def problems() -> list[str]:
    """What is stale or missing: the template against the sources, each catalogue against the
    template, untranslated and fuzzy messages, and placeholders a translation got wrong."""
    found: list[str] = []
    template = extract()
    if not TEMPLATE.exists() or _ids(read(TEMPLATE)) != _ids(template):
        found.append(f"{TEMPLATE.relative_to(ROOT)} is stale: run scripts/compile_translations.py")
    expected = _ids(template)
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            found.append(f"{path.relative_to(ROOT)} is missing")
            continue
        catalog = read(path, locale)
        have = _ids(catalog)
        for _, message in sorted(expected - have, key=str):
            found.append(f"{locale}: {message!r} is not in the catalogue (run the script)")
        for message in catalog:
            if not message.id:
                continue
            shown = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                found.append(f"{locale}: {shown!r} is not translated")
            elif message.fuzzy:
                found.append(f"{locale}: {shown!r} is marked fuzzy (check it, remove the flag)")
            for error in message.check(catalog):
                found.append(f"{locale}: {shown!r}: {error}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 on problems")
    parser.add_argument(
        "--mo", type=Path, metavar="DIR", help="also write compiled .mo files under DIR"
    )
    args = parser.parse_args(argv)
    if not args.check:
        for path in update(mo=args.mo):
            print(f"wrote {path}")
    issues = problems()
    for issue in issues:
        print(issue, file=sys.stderr)
    return 1 if issues and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
