"""Citations of releases and of data queries, in the forms people and reference managers read.

Pure: a :class:`CitationRecord` (what a release is, gathered by ``provenance.citing``) goes in,
text comes out. Formats: the DataCite recommended text form, APA-like text, BibTeX, RIS,
CSL-JSON, DataCite JSON (checked against the official DataCite 4.5 JSON Schema) and DataCite XML
4.5 (serialised from that JSON by the ``datacite`` package). Every format carries the caveat of
the review decision ("citizen-generated data produced by …; reviewed by …"), and a withdrawn
release still cites, with the withdrawal noted.

Decisions, so that every format says the same thing:

* **Names are never split by guessing.** Many of the names cited here are not "Given Family"
  (Vietnamese and Hungarian put the family name first, many South Asian names have no family
  name). A person's name is split only when written ``Family, Given``; otherwise it is printed
  whole, as written, in every format (BibTeX braces it, CSL-JSON gives it as ``literal``,
  DataCite gives it without given/family names).
* **Organisations are one name**: never split, never abbreviated (BibTeX ``{{…}}``, CSL
  ``literal``, DataCite ``nameType="Organizational"``, RIS ``AU`` with the full name).
* **How many creators**: the DataCite form lists every creator (credit is the point of a data
  citation); APA lists up to 20, then the first 19, ". . ." and the last (APA 7th ed., 9.8).
* **Identifier**: ``https://doi.org/<DOI>`` once a DOI is minted, else the release's URL.
* **Scripts**: output is UTF-8 everywhere; BibTeX escapes only its special characters and says
  so in a ``% Encoding: UTF-8`` line (biber and BibTeX 0.99d+ read UTF-8).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from datacite import schema45

#: DataCite's resourceTypeGeneral of everything cited here, and the free-text resourceType.
RESOURCE_TYPE_GENERAL = "Dataset"
RESOURCE_TYPE = "Citizen-generated data"
#: Where the SDG indicator codes used as subjects are defined.
SDG_SCHEME = "UN SDG global indicator framework"
SDG_SCHEME_URI = "https://unstats.un.org/sdgs/indicators/indicators-list/"
#: APA 7th ed.: up to this many authors are listed; beyond, the first 19, ". . ." and the last.
APA_MAX_AUTHORS = 20


class CreatorKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class Creator:
    """A person or organisation credited as an author of the data."""

    name: str
    kind: CreatorKind = CreatorKind.ORGANISATION
    #: Only when the name was written "Family, Given" (see the module docstring).
    family: str | None = None
    given: str | None = None
    orcid: str | None = None
    ror: str | None = None
    affiliation: str | None = None

    @classmethod
    def person(
        cls, name: str, *, orcid: str | None = None, affiliation: str | None = None
    ) -> Creator:
        """A person; ``"Family, Given"`` is split there, any other form is kept whole."""
        name = _nfc(name)
        family, comma, given = name.partition(",")
        if comma and family.strip() and given.strip():
            family, given = family.strip(), given.strip()
            return cls(
                f"{family}, {given}",
                CreatorKind.PERSON,
                family=family,
                given=given,
                orcid=orcid,
                affiliation=affiliation,
            )
        return cls(name, CreatorKind.PERSON, orcid=orcid, affiliation=affiliation)

    @classmethod
    def organisation(cls, name: str, *, ror: str | None = None) -> Creator:
        return cls(_nfc(name), CreatorKind.ORGANISATION, ror=ror)

    @property
    def is_split(self) -> bool:
        return self.kind is CreatorKind.PERSON and bool(self.family and self.given)


@dataclass(frozen=True)
class Subject:
    """A subject: an SDG goal, target or indicator (with its code), or a free keyword."""

    text: str
    code: str | None = None
    scheme: str | None = None
    scheme_uri: str | None = None


@dataclass(frozen=True)
class Licence:
    identifier: str
    name: str
    url: str | None = None
    #: Whether ``identifier`` is an SPDX licence id (rather than a ``LicenseRef-…``).
    spdx: bool = True


@dataclass(frozen=True)
class Title:
    """A title beyond the main one: its translation into a language, or an alternative."""

    text: str
    lang: str | None = None
    kind: str = "TranslatedTitle"


@dataclass(frozen=True)
class CitationRecord:
    """Everything a citation of one release says."""

    key: str
    title: str
    creators: tuple[Creator, ...]
    publisher: str
    url: str
    year: int | None = None
    issued: date | None = None
    version: str | None = None
    doi: str | None = None
    caveat: str | None = None
    language: str | None = None
    licence: Licence | None = None
    subjects: tuple[Subject, ...] = ()
    abstract: str | None = None
    titles: tuple[Title, ...] = ()
    content_hash: str | None = None
    withdrawn_on: date | None = None
    withdrawn_reason: str | None = None
    superseded_on: date | None = None
    superseded_by: str | None = None
    superseded_by_url: str | None = None
    #: Further notes (e.g. the data query a release was cited through).
    notes: tuple[str, ...] = ()

    @property
    def identifier(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else self.url

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    def withdrawal_note(self) -> str | None:
        if self.withdrawn_on is None:
            return None
        when = self.withdrawn_on.isoformat()
        if self.withdrawn_reason and self.withdrawn_reason.strip():
            return f"Withdrawn on {when}: {_sentence(self.withdrawn_reason)}"
        return f"Withdrawn on {when}."

    def supersession_note(self) -> str | None:
        if self.superseded_on is None:
            return None
        newer = f" by {self.superseded_by}" if self.superseded_by else ""
        return f"Superseded on {self.superseded_on.isoformat()}{newer}."

    def all_notes(self) -> list[str]:
        """The caveat, then what happened to the release since, then any further notes."""
        found = [
            _sentence(self.caveat) if self.caveat else None,
            self.withdrawal_note(),
            self.supersession_note(),
            *self.notes,
        ]
        return [note for note in found if note]


class DataCiteInvalid(ValueError):
    """The DataCite JSON made from a record breaks the DataCite 4.5 schema."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Not valid DataCite 4.5 metadata: " + "; ".join(problems))
        self.problems = problems


# ------------------------------------------------------------------------------------------
# Small text helpers


def _nfc(text: str) -> str:
    # One form for every name: "ễ" typed as e + two combining marks and as one character
    # must cite (and sort, and compare) the same.
    return unicodedata.normalize("NFC", text.strip())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _sentence(text: str | None) -> str:
    """``text`` on one line, ending with a full stop unless it already ends a sentence."""
    text = _one_line(text or "")
    if text and text[-1] not in ".!?…":
        text += "."
    return text


def _year(record: CitationRecord) -> int | None:
    if record.year is not None:
        return record.year
    return record.issued.year if record.issued else None


# ------------------------------------------------------------------------------------------
# Plain text: the DataCite recommended form and APA


def _datacite_name(creator: Creator) -> str:
    return f"{creator.family}, {creator.given}" if creator.is_split else creator.name


def datacite_text(record: CitationRecord) -> str:
    """``Creator (Year): Title. Version. Publisher. Identifier``, then the notes, one a line.

    Every creator is listed, separated by ``;`` (organisation names may hold commas).
    """
    year = _year(record)
    creators = "; ".join(_datacite_name(c) for c in record.creators)
    head = f"{creators} ({year})" if year is not None else f"{creators} (n.d.)"
    if not record.creators:
        head = f"({year})" if year is not None else "(n.d.)"
    parts = [f"{head}: {_sentence(record.title)}"]
    if record.version:
        parts.append(f"Version {record.version}.")
    parts.append(_sentence(record.publisher))
    parts.append(record.identifier)
    return "\n".join([" ".join(parts), *record.all_notes()])


def _initial(word: str) -> str:
    first = word[0]
    if first.upper() == first.lower():
        # A script without capitals (Devanagari, Bengali, Han…) has no initials to speak of.
        return word
    return first.upper() + "."


def initials(given: str) -> str:
    """APA initials of given names: ``Thị Hoa`` → ``T. H.``, ``Jean-Pierre`` → ``J.-P.``."""
    words = []
    for word in _nfc(given).split():
        pieces = [p for p in word.split("-") if p]
        words.append("-".join(_initial(piece) for piece in pieces))
    return " ".join(words)


def _apa_name(creator: Creator) -> str:
    if creator.is_split:
        assert creator.family is not None and creator.given is not None
        return f"{creator.family}, {initials(creator.given)}"
    return creator.name


def _apa_authors(creators: tuple[Creator, ...]) -> str:
    names = [_apa_name(c) for c in creators]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]}, & {names[1]}"
    if len(names) <= APA_MAX_AUTHORS:
        return ", ".join(names[:-1]) + f", & {names[-1]}"
    return ", ".join(names[: APA_MAX_AUTHORS - 1]) + f", . . . {names[-1]}"


def apa(record: CitationRecord) -> str:
    """APA 7th-edition style: ``Author, A. (Year). Title (Version 1) [Data set]. Publisher. URL``."""
    year = _year(record)
    when = f"({year})." if year is not None else "(n.d.)."
    version = f" (Version {record.version})" if record.version else ""
    title = f"{_one_line(record.title)}{version} [Data set]."
    if record.creators:
        authors = _apa_authors(record.creators)
        head = f"{authors if authors.endswith('.') else authors + '.'} {when} {title}"
    else:
        head = f"{title} {when}"
    parts = [head]
    # APA leaves the publisher out when it is the (only) author.
    if not (len(record.creators) == 1 and record.creators[0].name == record.publisher):
        parts.append(_sentence(record.publisher))
    parts.append(record.identifier)
    return "\n".join([" ".join(parts), *record.all_notes()])


# ------------------------------------------------------------------------------------------
# BibTeX

_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def tex(text: str) -> str:
    """``text`` on one line with BibTeX's special characters escaped (letters stay UTF-8)."""
    return "".join(_TEX_SPECIALS.get(char, char) for char in _one_line(text))


def _tex_verbatim(text: str) -> str:
    # url and doi fields are read verbatim (url/hyperref); only braces could break the entry.
    return _one_line(text).replace("{", "%7B").replace("}", "%7D")


_AND = re.compile(r"(?i)\band\b")


def _bibtex_part(text: str) -> str:
    # A name part holding "and" or a comma would be split by BibTeX: brace it.
    escaped = tex(text)
    return f"{{{escaped}}}" if "," in text or _AND.search(text) else escaped


def _bibtex_name(creator: Creator) -> str:
    if creator.is_split:
        assert creator.family is not None and creator.given is not None
        return f"{_bibtex_part(creator.family)}, {_bibtex_part(creator.given)}"
    # Organisations, and persons whose name was not split: one unit that BibTeX leaves whole.
    return f"{{{tex(creator.name)}}}"


def bibtex_key(key: str) -> str:
    """A citation key BibTeX and biber accept: letters, digits and ``-_:.``."""
    cleaned = re.sub(r"[^A-Za-z0-9_:.\-]", "-", key).strip("-")
    return cleaned or "voicescount"


def bibtex(record: CitationRecord) -> str:
    """A ``@misc`` entry (the type BibTeX and biblatex styles both format), UTF-8."""
    fields: list[tuple[str, str]] = []
    if record.creators:
        fields.append(("author", " and ".join(_bibtex_name(c) for c in record.creators)))
    fields.append(("title", f"{{{tex(record.title)}}}"))
    year = _year(record)
    if year is not None:
        fields.append(("year", str(year)))
    if record.issued is not None:
        fields.append(("date", record.issued.isoformat()))
    if record.version:
        fields.append(("version", tex(record.version)))
    fields.append(("publisher", tex(record.publisher)))
    fields.append(("howpublished", tex(f"{RESOURCE_TYPE_GENERAL}: {RESOURCE_TYPE}")))
    if record.doi:
        fields.append(("doi", _tex_verbatim(record.doi)))
    fields.append(("url", _tex_verbatim(record.url)))
    if record.language:
        fields.append(("language", tex(record.language)))
    keywords = [s.text for s in record.subjects]
    if keywords:
        fields.append(("keywords", tex(", ".join(keywords))))
    if record.licence is not None:
        fields.append(("copyright", tex(_licence_text(record.licence))))
    notes = record.all_notes()
    if notes:
        fields.append(("note", tex(" ".join(notes))))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields)
    return f"% Encoding: UTF-8\n@misc{{{bibtex_key(record.key)},\n{body}\n}}\n"


def _licence_text(licence: Licence) -> str:
    if licence.name and licence.name != licence.identifier:
        return f"{licence.name} ({licence.identifier})"
    return licence.identifier


# ------------------------------------------------------------------------------------------
# RIS


def _ris_name(creator: Creator) -> str:
    # RIS: persons "Last, First"; an organisation (or an unsplit name) is its full name.
    return f"{creator.family}, {creator.given}" if creator.is_split else _one_line(creator.name)


def ris(record: CitationRecord) -> str:
    """A ``TY  - DATA`` record, UTF-8, lines ending CRLF as the RIS specification has them."""
    lines: list[tuple[str, str]] = [("TY", "DATA"), ("ID", record.key)]
    lines += [("AU", _ris_name(c)) for c in record.creators]
    lines.append(("TI", record.title))
    year = _year(record)
    if year is not None:
        lines.append(("PY", str(year)))
    if record.issued is not None:
        lines.append(("DA", record.issued.strftime("%Y/%m/%d/")))
    if record.version:
        lines.append(("ET", record.version))
    lines.append(("PB", record.publisher))
    lines.append(("M3", f"{RESOURCE_TYPE_GENERAL}: {RESOURCE_TYPE}"))
    if record.doi:
        lines.append(("DO", record.doi))
    lines.append(("UR", record.url))
    if record.language:
        lines.append(("LA", record.language))
    lines += [("KW", s.text) for s in record.subjects]
    if record.abstract:
        lines.append(("AB", record.abstract))
    lines += [("N1", note) for note in record.all_notes()]
    text = "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)
    return text + "ER  - \r\n"


# ------------------------------------------------------------------------------------------
# CSL-JSON


def _csl_name(creator: Creator) -> dict[str, str]:
    if creator.is_split:
        assert creator.family is not None and creator.given is not None
        return {"family": creator.family, "given": creator.given}
    return {"literal": creator.name}


def csl(record: CitationRecord) -> dict[str, Any]:
    """One CSL-JSON item of type ``dataset`` (citeproc-js, Zotero, pandoc read it)."""
    item: dict[str, Any] = {
        "id": record.key,
        "type": "dataset",
        "title": _one_line(record.title),
        "author": [_csl_name(c) for c in record.creators],
        "publisher": record.publisher,
        "genre": RESOURCE_TYPE,
        "URL": record.url,
    }
    if record.issued is not None:
        item["issued"] = {
            "date-parts": [[record.issued.year, record.issued.month, record.issued.day]]
        }
    elif _year(record) is not None:
        item["issued"] = {"date-parts": [[_year(record)]]}
    if record.version:
        item["version"] = record.version
    if record.doi:
        item["DOI"] = record.doi
    if record.language:
        item["language"] = record.language
    if record.abstract:
        item["abstract"] = record.abstract
    if record.subjects:
        item["keyword"] = ", ".join(s.text for s in record.subjects)
    if record.licence is not None:
        item["license"] = _licence_text(record.licence)
    if record.withdrawn:
        item["status"] = "withdrawn"
    notes = record.all_notes()
    if notes:
        item["note"] = "\n".join(notes)
    return item


# ------------------------------------------------------------------------------------------
# DataCite 4.5


def _datacite_creator(creator: Creator) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": _datacite_name(creator)}
    if creator.kind is CreatorKind.ORGANISATION:
        entry["nameType"] = "Organizational"
    else:
        entry["nameType"] = "Personal"
        if creator.is_split:
            entry["givenName"] = creator.given
            entry["familyName"] = creator.family
    identifiers = []
    if creator.orcid:
        identifiers.append(
            {
                "nameIdentifier": f"https://orcid.org/{creator.orcid}",
                "nameIdentifierScheme": "ORCID",
                "schemeUri": "https://orcid.org",
            }
        )
    if creator.ror:
        identifiers.append(
            {
                "nameIdentifier": f"https://ror.org/{creator.ror}",
                "nameIdentifierScheme": "ROR",
                "schemeUri": "https://ror.org",
            }
        )
    if identifiers:
        entry["nameIdentifiers"] = identifiers
    if creator.affiliation:
        entry["affiliation"] = [{"name": creator.affiliation}]
    return entry


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The schema wants unique items; equal subjects or titles may come from different fields.
    seen: set[str] = set()
    kept = []
    for item in items:
        marker = json.dumps(item, sort_keys=True)
        if marker not in seen:
            seen.add(marker)
            kept.append(item)
    return kept


def _some(**entries: Any) -> dict[str, Any]:
    """The entries that have a value (DataCite wants absent, not empty, properties)."""
    return {name: value for name, value in entries.items() if value not in (None, "", [], {})}


def _datacite_titles(record: CitationRecord) -> list[dict[str, Any]]:
    titles = [_some(title=_one_line(record.title), lang=record.language)]
    titles += [_some(title=_one_line(t.text), titleType=t.kind, lang=t.lang) for t in record.titles]
    return _unique(titles)


def _datacite_subjects(record: CitationRecord) -> list[dict[str, Any]]:
    return _unique(
        [
            _some(
                subject=s.text,
                subjectScheme=s.scheme,
                schemeUri=s.scheme_uri,
                classificationCode=s.code,
            )
            for s in record.subjects
        ]
    )


def _datacite_dates(record: CitationRecord) -> list[dict[str, Any]]:
    dates = []
    if record.issued is not None:
        dates.append({"date": record.issued.isoformat(), "dateType": "Issued"})
    if record.withdrawn_on is not None:
        reason = _one_line(record.withdrawn_reason or "")
        dates.append(
            _some(
                date=record.withdrawn_on.isoformat(), dateType="Withdrawn", dateInformation=reason
            )
        )
    return dates


def _datacite_rights(licence: Licence | None) -> list[dict[str, Any]]:
    if licence is None:
        return []
    spdx = licence.spdx
    return [
        _some(
            rights=licence.name or licence.identifier,
            rightsUri=licence.url,
            rightsIdentifier=licence.identifier if spdx else None,
            rightsIdentifierScheme="SPDX" if spdx else None,
            schemeUri="https://spdx.org/licenses/" if spdx else None,
        )
    ]


def _datacite_descriptions(record: CitationRecord) -> list[dict[str, Any]]:
    descriptions = []
    if record.abstract:
        descriptions.append({"description": record.abstract.strip(), "descriptionType": "Abstract"})
    notes = record.all_notes()
    if notes:
        descriptions.append({"description": " ".join(notes), "descriptionType": "Other"})
    if record.content_hash:
        descriptions.append(
            {
                "description": "Content hash (SHA-256) of the released version: "
                f"{record.content_hash}",
                "descriptionType": "TechnicalInfo",
            }
        )
    return descriptions


def datacite_json(record: CitationRecord) -> dict[str, Any]:
    """The record as DataCite 4.5 JSON; :class:`DataCiteInvalid` if it breaks the schema.

    Without a DOI there is no ``doi`` (DataCite's identifier is a DOI by definition): the release
    URL is the landing page (``url``) and an alternate identifier of type URL, so the document is
    ready for the operator to register once a DOI is minted.
    """
    year = _year(record)
    newer = (
        [
            {
                "relatedIdentifier": record.superseded_by_url,
                "relatedIdentifierType": "URL",
                "relationType": "IsPreviousVersionOf",
            }
        ]
        if record.superseded_by_url
        else []
    )
    document = _some(
        schemaVersion="http://datacite.org/schema/kernel-4",
        doi=record.doi,
        url=record.url,
        types={"resourceTypeGeneral": RESOURCE_TYPE_GENERAL, "resourceType": RESOURCE_TYPE},
        creators=[_datacite_creator(c) for c in record.creators],
        titles=_datacite_titles(record),
        publisher={"name": record.publisher},
        publicationYear=f"{year:04d}" if year is not None else None,
        subjects=_datacite_subjects(record),
        dates=_datacite_dates(record),
        language=record.language,
        alternateIdentifiers=[
            {"alternateIdentifier": record.url, "alternateIdentifierType": "URL"}
        ],
        relatedIdentifiers=newer,
        version=record.version,
        rightsList=_datacite_rights(record.licence),
        descriptions=_datacite_descriptions(record),
    )
    check_datacite(document)
    return document


def check_datacite(document: dict[str, Any]) -> None:
    """Raise :class:`DataCiteInvalid` naming every way ``document`` breaks DataCite 4.5."""
    if schema45.validate(document):
        return
    problems = sorted(
        f"{'/'.join(str(p) for p in error.absolute_path) or '(document)'}: {error.message}"
        for error in schema45.validator.iter_errors(document)
    )
    raise DataCiteInvalid(problems or ["rejected by the DataCite 4.5 schema"])


def datacite_xml(record: CitationRecord) -> str:
    """DataCite XML 4.5 (namespace ``http://datacite.org/schema/kernel-4``), from checked JSON."""
    return str(schema45.tostring(datacite_json(record)))


# ------------------------------------------------------------------------------------------
# Dispatch

#: Format name → renderer to text.
RENDERERS = {
    "text": datacite_text,
    "apa": apa,
    "bibtex": bibtex,
    "ris": ris,
    "csl": lambda record: json.dumps(csl(record), ensure_ascii=False, indent=2),
    "datacite-json": lambda record: json.dumps(datacite_json(record), ensure_ascii=False, indent=2),
    "datacite-xml": datacite_xml,
}


def render(record: CitationRecord, fmt: str) -> str:
    """The record in format ``fmt`` (a key of :data:`RENDERERS`)."""
    return RENDERERS[fmt](record)


def everything(record: CitationRecord) -> dict[str, Any]:
    """Every format at once (the JSON answer of the citation endpoint)."""
    return {
        "id": record.key,
        "identifier": record.identifier,
        "caveat": record.caveat,
        "notes": record.all_notes(),
        "text": datacite_text(record),
        "apa": apa(record),
        "bibtex": bibtex(record),
        "ris": ris(record),
        "csl": csl(record),
        "datacite": datacite_json(record),
    }


# ------------------------------------------------------------------------------------------
# Data queries


@dataclass(frozen=True)
class ReleaseUse:
    """A release a data query drew on, and how many of the query's observations came from it."""

    record: CitationRecord
    content_hash: str
    observations: int
    status: str = "current"


@dataclass(frozen=True)
class QueryCitation:
    """A data query pinned to the moment it was cited: the releases it returned, and the URL
    that returns the same numbers later (the query with ``asOf`` set to that moment)."""

    url: str
    pinned_url: str
    as_of: datetime
    observations: int
    #: SHA-256 over the numbers returned: one "release, series key, period, value" line each.
    numbers_sha256: str
    releases: tuple[ReleaseUse, ...] = field(default_factory=tuple)


def instant(moment: datetime) -> str:
    """An xs:dateTime in UTC with microseconds, as ``asOf`` takes it (``Z``: no ``+`` to encode)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _query_note(citation: QueryCitation) -> str:
    return f"Cited through the SDMX data query {citation.pinned_url}"


def query_text(citation: QueryCitation) -> str:
    """The pinned query, then a numbered reference to each release it drew on."""
    count = len(citation.releases)
    lines = [
        f"SDMX data query as of {instant(citation.as_of)}: {citation.pinned_url}",
        f"It returns {citation.observations} observation{'s' if citation.observations != 1 else ''} "
        f"from {count} release{'s' if count != 1 else ''} (SHA-256 of the numbers: "
        f"{citation.numbers_sha256}).",
    ]
    for number, use in enumerate(citation.releases, start=1):
        reference = datacite_text(use.record).split("\n")
        lines.append("")
        lines.append(f"{number}. {reference[0]}")
        lines += [f"   {note}" for note in reference[1:]]
        lines.append(
            f"   Release {use.record.key}, content hash {use.content_hash}; "
            f"{use.observations} observation{'s' if use.observations != 1 else ''} in this query."
        )
    return "\n".join(lines)


def _with_query_note(citation: QueryCitation) -> list[CitationRecord]:
    note = _query_note(citation)
    return [replace(use.record, notes=(*use.record.notes, note)) for use in citation.releases]


def query_bibtex(citation: QueryCitation) -> str:
    entries = [bibtex(r).removeprefix("% Encoding: UTF-8\n") for r in _with_query_note(citation)]
    return "% Encoding: UTF-8\n" + "\n".join(entries)


def query_ris(citation: QueryCitation) -> str:
    return "".join(ris(record) for record in _with_query_note(citation))


def query_csl(citation: QueryCitation) -> list[dict[str, Any]]:
    return [csl(record) for record in _with_query_note(citation)]


def query_json(citation: QueryCitation) -> dict[str, Any]:
    return {
        "url": citation.url,
        "pinned_url": citation.pinned_url,
        "as_of": instant(citation.as_of),
        "observations": citation.observations,
        "numbers_sha256": citation.numbers_sha256,
        "releases": [
            {
                "id": use.record.key,
                "url": use.record.url,
                "doi": use.record.doi,
                "status": use.status,
                "content_hash": use.content_hash,
                "observations": use.observations,
                "caveat": use.record.caveat,
                "citation": datacite_text(use.record),
            }
            for use in citation.releases
        ],
        "citation": query_text(citation),
    }


#: Format name → renderer of a query citation to text.
QUERY_RENDERERS = {
    "text": query_text,
    "bibtex": query_bibtex,
    "ris": query_ris,
    "csl": lambda citation: json.dumps(query_csl(citation), ensure_ascii=False, indent=2),
    "json": lambda citation: json.dumps(query_json(citation), ensure_ascii=False, indent=2),
}
