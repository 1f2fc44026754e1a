"""Resolving coalition labels to codes, and the suggestions for those that do not resolve."""

from __future__ import annotations

from voicescount.mapping.labels import BUILT_IN_LABELS
from voicescount.mapping.normalise import normalise, similarity, without_admin_words
from voicescount.mapping.resolve import Codebook, Resolver

SEX = Codebook(
    component="SEX",
    codelist="IAEG-SDGs:CL_SEX(1.1)",
    codes=frozenset({"_T", "F", "M", "_O"}),
    names={"_T": "Both sexes or no breakdown by sex", "F": "Female", "M": "Male", "_O": "Other"},
    labels=BUILT_IN_LABELS["SEX"],
)

AREA = Codebook(
    component="REF_AREA",
    codelist="VOICES:CL_AREA(1.0.0)",
    codes=frozenset({"404", "KE-28", "KE-30", "KE-21", "50", "BD-C", "BD-13"}),
    names={
        "404": "Kenya",
        "KE-28": "Mombasa",
        "KE-30": "Nairobi City",
        "KE-21": "Murang'a",
        "50": "Bangladesh",
        "BD-C": "Dhaka",
        "BD-13": "Dhaka",
    },
    places=True,
)


def test_normalise_folds_case_width_and_punctuation() -> None:
    assert normalise("  Ｆemale_") == "female"
    assert normalise("Murang'a") == "muranga"
    assert without_admin_words("Mombasa County") == "mombasa"
    assert similarity("mombasa", "mombasa") == 1.0
    assert similarity("mombasa", "nairobi") < 0.2


def test_codes_and_names_in_several_languages_resolve_to_sex_codes() -> None:
    resolve = Resolver(SEX)
    for label in ("F", "f", "Female", "Women", "women", "महिला", "মহিলা", "wanawake", "Nữ"):
        assert resolve(label).code == "F", label
    assert resolve("Men").code == "M"
    assert resolve("पुरुष").code == "M"
    assert resolve("F").via == "code"
    assert resolve("Women").via == "label"


def test_the_profile_wins_and_is_checked() -> None:
    resolve = Resolver(SEX, {"Wamama": "F", "Broken": "Z"})
    assert resolve("Wamama").code == "F"
    assert resolve("wamama").code == "F"  # normalised label
    assert resolve("Wamama").via == "profile"
    broken = resolve("Broken")
    assert broken.code is None
    assert "maps 'Broken' to 'Z', which is not a code" in (broken.problem or "")


def test_place_names_with_administrative_words() -> None:
    resolve = Resolver(AREA)
    assert resolve("Mombasa County").code == "KE-28"
    assert resolve("Mombasa").code == "KE-28"
    assert resolve("Muranga").code == "KE-21"  # apostrophe and accents do not matter
    assert resolve("Kenya").code == "404"


def test_ambiguous_names_are_not_guessed() -> None:
    outcome = Resolver(AREA)("Dhaka")
    assert outcome.code is None
    assert "several codes" in (outcome.problem or "")
    assert set(outcome.suggestions) == {"BD-C", "BD-13"}


def test_preferred_codes_break_a_tie() -> None:
    book = Codebook(
        component="REF_AREA",
        codelist="X",
        codes=AREA.codes,
        names=AREA.names,
        places=True,
        preferred=frozenset({"BD-C"}),
    )
    assert Resolver(book)("Dhaka").code == "BD-C"


def test_unknown_values_come_back_with_ranked_suggestions() -> None:
    outcome = Resolver(AREA)("Mombassa")
    assert outcome.code is None
    assert outcome.suggestions[0] == "KE-28"
    outcome = Resolver(SEX)("Femal")
    assert outcome.suggestions[0] == "F"


def test_a_custom_suggester_is_asked_first() -> None:
    book = Codebook(
        component="SERIES",
        codelist="VOICES:CL_SERIES(1.0.0)",
        codes=frozenset({"SP_DYN_MRBF18", "SP_DYN_MRBF15"}),
        names={"SP_DYN_MRBF18": "married before 18", "SP_DYN_MRBF15": "married before 15"},
        suggester=lambda value, limit: ["SP_DYN_MRBF18", "NOT_A_CODE"],
    )
    outcome = Resolver(book)("Child marriage rate")
    assert outcome.suggestions[0] == "SP_DYN_MRBF18"
    assert "NOT_A_CODE" not in outcome.suggestions
