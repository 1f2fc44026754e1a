"""Label normalisation for matching, in any script. Pure."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-–—/\\.,;:()\[\]{}\"“”!?]+")
#: Apostrophes join a word rather than split it ("Murang'a" is one word).
_APOSTROPHES = re.compile(r"['’‘ʼ`]")

#: Words that name an administrative level rather than the place ("Mombasa County").
ADMIN_WORDS = frozenset(
    {
        "county",
        "district",
        "province",
        "state",
        "division",
        "region",
        "municipality",
        "city",
        "ward",
        "zila",
        "zilla",
        "upazila",
        "sub county",
        "subcounty",
        "tinh",
        "tỉnh",
        "thanh pho",
        "thành phố",
    }
)


def normalise(text: str) -> str:
    """Casefold, unify Unicode forms, and treat punctuation and underscores as spaces.

    Combining marks are kept (they change meaning in Devanagari and Vietnamese); only
    compatibility forms are unified (NFKC), so "Ｆemale" and "female" match.
    """
    folded = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text).casefold())
    return _SEPARATORS.sub(" ", folded).strip()


def without_admin_words(text: str) -> str:
    """A normalised place label without a leading or trailing administrative word."""
    words = normalise(text).split()
    while words and words[-1] in ADMIN_WORDS:
        words.pop()
    while words and words[0] in ADMIN_WORDS:
        words.pop(0)
    return " ".join(words)


def strip_accents(text: str) -> str:
    """Latin-script accents removed ("Murang'a" / "Muranga", "Thành" / "Thanh") for loose matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) or not _is_latin_mark(c))


def _is_latin_mark(char: str) -> bool:
    # Combining marks in U+0300–U+036F decorate Latin letters; Indic scripts use their own blocks.
    return 0x300 <= ord(char) <= 0x36F


def trigrams(text: str) -> frozenset[str]:
    padded = f"  {text} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character trigrams of two normalised strings (0–1)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ta, tb = trigrams(a), trigrams(b)
    return 2 * len(ta & tb) / (len(ta) + len(tb))
