"""Likely personal data in text and column names: phones, e-mails, national IDs, names. Pure.

Screening runs these checks on every free-text field of a submitted version (metadata, findings,
observation comments) and on the columns of its files that were not kept, because a coalition's
export from a survey app easily carries respondents' names or phone numbers along.

The patterns favour recall over precision on purpose: a steward who sees a false alarm loses a
minute; a published phone number of a woman in a remote ward can cost her far more. Matches are
masked in reports (``+2547•••••678``) so the screening report does not spread what it found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: Kinds of personal data the scan recognises.
EMAIL = "email"
PHONE = "phone"
NATIONAL_ID = "national_id"
PERSON_NAME = "person_name"
COORDINATES = "coordinates"

KIND_NAMES = {
    EMAIL: "an e-mail address",
    PHONE: "a phone number",
    NATIONAL_ID: "a national identity or tax number",
    PERSON_NAME: "a person's name",
    COORDINATES: "precise GPS coordinates",
}

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+|\b(?:doi|orcid|ror)\.org/\S+", re.I)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# International numbers: +254 712 345 678, 0091-98765-43210, +84 (0)90 123 4567.
_INTERNATIONAL = re.compile(r"(?<![\w+])(?:\+|00)[1-9][\d ().-]{6,20}\d(?![\w])")
# National mobile numbers of the pilot countries written without a country code:
# Kenya 07xx/01xx (10 digits), Bangladesh 01[3-9] (11), Viet Nam 0[35789] (10), Nepal 97/98 (10),
# India 6-9 (10).
_LOCAL_PHONE = re.compile(
    r"(?<![\w.,/-])(?:0[17]\d{2}|01[3-9]\d{2}|0[35789]\d{2}|9[78]\d{2}|[6-9]\d{3})"
    r"[ .-]?\d{3}[ .-]?\d{3,4}(?![\w]|[.,/-]\d)"
    r"|(?<![\w.,/-])[6-9]\d{4}[ -]\d{5}(?![\w]|[.,/-]\d)"
)
# Aadhaar (India, 12 digits in groups of four), CCCD (Viet Nam, 12), Bangladesh NID (10/13/17),
# Kenya ID (7-8), and any other long run of digits that is no year, count or date.
_AADHAAR = re.compile(r"(?<![\w.,/-])[2-9]\d{3}[ -]\d{4}[ -]\d{4}(?![\w]|[.,/-]\d)")
_DIGITS = re.compile(r"(?<![\w.,/:-])\d{7,17}(?![\w]|[.,/:-]\d)")
# Seven or eight bare digits are as often a count ("population 4397073") as a Kenyan ID number;
# they are reported only after a word that says "identity".
_ID_CONTEXT = re.compile(
    r"(?i:\b(?:id|ids|no|nos|number|nid|card|passport|aadhaa?r|citizenship|identity|pin)\b|#)"
    r"\W{0,3}$"
)
# Nepal citizenship certificate numbers (district-year-serial, e.g. 27-01-73-01234).
_NEPAL_CITIZENSHIP = re.compile(r"(?<![\w-])\d{1,3}-\d{2}-\d{2}-\d{3,6}(?![\w-])")
# India PAN and Kenya KRA PIN (tax numbers that identify a person).
_TAX_NUMBER = re.compile(r"\b(?:[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]|[AP]\d{9}[A-Z])\b")
# Five decimals locate a house (about a metre); fewer are more often ratios than places.
_COORDINATES = re.compile(r"(?<![\w.])-?\d{1,2}\.\d{5,}\s*[,;/ ]\s*-?\d{1,3}\.\d{5,}(?![\w.])")
_HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Shri|Shrimati|Smt|Sri|Kumari|Sheikh|Mzee|Bwana)\.? "
    r"(?:[A-Z][a-z'’-]+)(?: [A-Z][a-z'’-]+)?"
)
_LABELLED_NAME = re.compile(
    r"\b(?i:name|respondent|participant|interviewee|informant|beneficiary|caller)"
    r"(?i: name)?\s*[:=]\s*[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)+"
)


@dataclass(frozen=True)
class Match:
    kind: str
    #: The match with its middle masked, safe to show in a report.
    masked: str

    @property
    def description(self) -> str:
        return KIND_NAMES[self.kind]


def mask(text: str) -> str:
    """Keep enough of a match to find it again, hide the rest."""
    text = text.strip()
    keep = 2 if len(text) <= 10 else 4
    if len(text) <= 2 * keep:
        return text[0] + "•" * (len(text) - 1)
    return text[:keep] + "•" * (len(text) - 2 * keep) + text[-keep:]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _long_enough_or_labelled(m: re.Match[str]) -> bool:
    text = m.string
    return len(m.group(0)) >= 9 or bool(
        _ID_CONTEXT.search(text[max(0, m.start() - 20) : m.start()])
    )


#: (kind, pattern, extra test) in order of precedence: a span found once is not found again.
_RULES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool] | None], ...] = (
    (EMAIL, _EMAIL, None),
    (COORDINATES, _COORDINATES, None),
    (PHONE, _INTERNATIONAL, lambda m: 8 <= _digits(m.group(0)) <= 15),
    (NATIONAL_ID, _AADHAAR, None),
    (PHONE, _LOCAL_PHONE, None),
    (NATIONAL_ID, _NEPAL_CITIZENSHIP, None),
    (NATIONAL_ID, _TAX_NUMBER, None),
    (NATIONAL_ID, _DIGITS, _long_enough_or_labelled),
    (PERSON_NAME, _HONORIFIC, None),
    (PERSON_NAME, _LABELLED_NAME, None),
)


def scan_text(text: str, *, allowed: frozenset[str] = frozenset()) -> list[Match]:
    """Likely personal data in ``text``; strings in ``allowed`` (e.g. the contact e-mail the
    coalition published on purpose) are not reported."""
    if not text or len(text) < 6:
        return []
    # Web addresses and DOIs carry digits that are not anybody's number.
    text = _URL.sub(" ", text)
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, accept in _RULES:
        for m in pattern.finditer(text):
            if accept is not None and not accept(m):
                continue
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append(m.span())
            if m.group(0).strip() not in allowed:
                found.append(Match(kind, mask(m.group(0))))
    return found


# ------------------------------------------------------------------------------------------
# Column names

#: Column-name words that on their own point at personal data.
_DIRECT_WORDS = {
    "phone": PHONE,
    "telephone": PHONE,
    "tel": PHONE,
    "mobile": PHONE,
    "msisdn": PHONE,
    "cell": PHONE,
    "whatsapp": PHONE,
    "email": EMAIL,
    "mail": EMAIL,
    "aadhaar": NATIONAL_ID,
    "aadhar": NATIONAL_ID,
    "nid": NATIONAL_ID,
    "passport": NATIONAL_ID,
    "citizenship": NATIONAL_ID,
    "ssn": NATIONAL_ID,
    "cccd": NATIONAL_ID,
    "cmnd": NATIONAL_ID,
    "kra": NATIONAL_ID,
    "pan": NATIONAL_ID,
    "gps": COORDINATES,
    "latitude": COORDINATES,
    "longitude": COORDINATES,
    "lat": COORDINATES,
    "lon": COORDINATES,
    "lng": COORDINATES,
    "geolocation": COORDINATES,
    "geopoint": COORDINATES,
    "coordinates": COORDINATES,
    "surname": PERSON_NAME,
    "fullname": PERSON_NAME,
    "firstname": PERSON_NAME,
    "lastname": PERSON_NAME,
}
#: Whole column names that point at personal data.
_DIRECT_NAMES = {
    "name": PERSON_NAME,
    "names": PERSON_NAME,
    "dob": NATIONAL_ID,
    "date_of_birth": NATIONAL_ID,
    "birth_date": NATIONAL_ID,
    "birthdate": NATIONAL_ID,
    "address": PERSON_NAME,
    "home_address": PERSON_NAME,
    "id_number": NATIONAL_ID,
    "id_no": NATIONAL_ID,
    "national_id": NATIONAL_ID,
    "voter_id": NATIONAL_ID,
    "e_mail": EMAIL,
}
#: Words that make "name" a person's name (``respondent_name``, ``hh_head_name``).
_PERSON_WORDS = {
    "respondent",
    "participant",
    "person",
    "head",
    "hh",
    "household",
    "interviewee",
    "informant",
    "child",
    "mother",
    "father",
    "first",
    "last",
    "given",
    "family",
    "full",
    "middle",
    "beneficiary",
    "member",
    "caregiver",
    "guardian",
    "spouse",
    "patient",
    "student",
}

COLUMN_KIND_NAMES = {
    EMAIL: "e-mail addresses",
    PHONE: "phone numbers",
    NATIONAL_ID: "identity numbers or dates of birth",
    PERSON_NAME: "names or addresses of people",
    COORDINATES: "GPS coordinates",
}


def _words(column: str) -> list[str]:
    # camelCase → camel_case, then split on anything that is not a letter or digit.
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column.strip())
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def column_kind(column: str) -> str | None:
    """The kind of personal data a column's name suggests, if any."""
    words = _words(column)
    if not words:
        return None
    joined = "_".join(words)
    if joined in _DIRECT_NAMES:
        return _DIRECT_NAMES[joined]
    for word in words:
        if word in _DIRECT_WORDS:
            return _DIRECT_WORDS[word]
    if "name" in words and _PERSON_WORDS.intersection(words):
        return PERSON_NAME
    return None


def scan_mapping(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in nested dicts and lists, with its dotted path (``a.b[2].c``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from scan_mapping(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from scan_mapping(item, f"{path}[{index}]")
