"""Relevance search over the SDG framework: the text pipeline, BM25F ranking, the cached index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tests.conftest import Store
from voicescount.errors import InvalidInput
from voicescount.registry import sdg
from voicescount.registry import search as s
from voicescount.registry.search import Document, Index, rank, stem, tokens
from voicescount.storage import migrate
from voicescount.storage.db import make_engine

# --- the text pipeline (pure) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("married", "marri"),
        ("countries", "countri"),
        ("country", "countri"),
        ("managed", "manag"),
        ("managing", "manag"),
        ("manage", "manag"),
        ("safely", "saf"),
        ("safe", "saf"),
        ("planning", "plan"),
        ("skilled", "skill"),
        ("births", "birth"),
        ("services", "servic"),
        ("children", "child"),
        ("women", "woman"),
        ("status", "status"),  # -us is not a plural
        ("bed", "bed"),  # too short to strip
    ],
)
def test_the_stemmer_brings_forms_together(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_tokens_fold_case_and_width_drop_stop_words_and_keep_codes() -> None:
    assert tokens("The Proportion of WOMEN") == ["proportion", "woman"]
    # NFKC: full-width letters and no-break spaces are ordinary text.
    assert tokens("ＷＡＴＥＲ\u00a0services") == ["water", "servic"]
    assert tokens("indicator 5.3.1 and 1.a.1") == ["indicator", "5.3.1", "1.a.1"]
    assert tokens("SP_DYN_MRBF18") == ["sp_dyn_mrbf18", "sp", "dyn", "mrbf18"]
    # Unicode-aware splitting: en dashes and hyphens separate, accented letters stay in words.
    assert tokens("aged 20–24, non-debt Côte") == ["aged", "20", "24", "non", "debt", "côt"]
    assert tokens("of the and") == []


# --- ranking on a small made-up corpus (pure) ------------------------------------------------


def _doc(code: str, title: str, position: int, target: str = "") -> Document:
    return Document(
        kind="indicator",
        code=code,
        title=title,
        fields={"code": code, "title": title, "target": target},
        position=position,
    )


CORPUS = [
    _doc("W1", "Water use efficiency in agriculture", 0),
    _doc("W2", "Water stress: freshwater withdrawal as a share of water resources", 1),
    _doc("W3", "Proportion of bodies of water with good ambient water quality", 2),
    _doc("W4", "Change in the extent of water-related ecosystems", 3),
    _doc("D1", "Proportion of population using safely managed drinking water services", 4),
    _doc("M1", "Mortality rate attributed to unsafe water and sanitation", 5),
    _doc("E1", "Proportion of population with access to electricity", 6),
]


def _substring_order(documents: list[Document], needle: str) -> list[str]:
    """What ``WHERE title ILIKE '%needle%'`` in framework order returns."""
    return [d.code for d in documents if needle.lower() in d.title.lower()]


def test_more_matching_terms_outrank_an_earlier_substring_match() -> None:
    # A substring search for "water" returns W1 first: it merely comes first.
    assert _substring_order(CORPUS, "water")[0] == "W1"
    hits = rank(CORPUS, "safe drinking water")
    # D1 holds all three words (safely ~ safe through the stemmer) and ranks first.
    assert hits[0].code == "D1"
    assert [h.code for h in hits].index("D1") < [h.code for h in hits].index("W1")


def test_a_rarer_term_outweighs_a_common_one() -> None:
    # "water" is in six of seven documents, "mortality" in one: the IDF makes M1 the best match
    # for "water mortality", though a substring search for either word lists W1 first.
    hits = rank(CORPUS, "water mortality")
    assert hits[0].code == "M1"
    assert hits[0].score > 2 * hits[1].score


def test_the_order_of_the_query_words_does_not_matter() -> None:
    assert [h.code for h in rank(CORPUS, "drinking water")] == [
        h.code for h in rank(CORPUS, "water drinking")
    ]
    # ...while a substring search for the phrase finds nothing: it is never written that way.
    assert _substring_order(CORPUS, "water drinking") == []


def test_scores_are_positive_and_descending() -> None:
    hits = rank(CORPUS, "water quality of freshwater")
    assert hits
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_nothing_matching_gives_nothing() -> None:
    assert rank(CORPUS, "xyzzy plugh") == []
    assert rank(CORPUS, "of the and") == []


def test_a_repeated_word_does_not_win_by_length() -> None:
    # Length normalisation: one mention in a short title beats one mention in a long one.
    corpus = [
        _doc("LONG", "electricity " + " ".join(f"filler{n}" for n in range(30)), 0),
        _doc("SHORT", "electricity access", 1),
    ]
    assert [h.code for h in rank(corpus, "electricity")] == ["SHORT", "LONG"]


def test_a_parent_text_counts_less_than_the_own_title() -> None:
    corpus = [
        _doc("PARENT", "Something else entirely", 0, target="child marriage"),
        _doc("OWN", "Child marriage prevalence", 1),
    ]
    hits = rank(corpus, "child marriage")
    assert [h.code for h in hits] == ["OWN", "PARENT"]
    assert hits[1].score > 0


# --- on the real framework (SQLite and PostgreSQL) -------------------------------------------


@pytest.fixture(scope="module")
def loaded(store: Store) -> dict[str, int]:
    with store.session() as session:
        return sdg.load_framework(session)


@pytest.fixture
def db(store: Store, loaded: dict[str, int]) -> Iterator[Session]:
    with store.session() as session:
        yield session


def _codes(session: Session, q: str, kind: s.Kind | None = None, limit: int = 20) -> list[str]:
    return [h.code for h in s.search(session, q, kind=kind, limit=limit)]


def test_child_marriage_finds_5_3_1_and_its_series(db: Session) -> None:
    indicators = s.search(db, "child marriage", kind="indicator")
    assert indicators[0].code == "5.3.1"
    # Strictly first: the morphological variant (married ~ marriage) separates it from 5.3.2,
    # which shares its target text but not the word.
    assert indicators[0].score > indicators[1].score
    assert indicators[1].code == "5.3.2"
    series = _codes(db, "child marriage", kind="series", limit=5)
    assert {"SP_DYN_MRBF18", "SP_DYN_MRBF15"} <= set(series[:3])
    everything = _codes(db, "child marriage", limit=5)
    assert {"5.3.1", "SP_DYN_MRBF18", "SP_DYN_MRBF15"} <= set(everything)


def test_child_marriage_is_not_found_by_substring_but_by_relevance(db: Session) -> None:
    # Nothing says "child marriage" in so many words: a LIKE search would come back empty.
    assert [i for i in sdg.list_indicators(db) if "child marriage" in i.title.lower()] == []
    assert _codes(db, "child marriage", kind="indicator")[0] == "5.3.1"


def test_variant_matching_is_what_separates_5_3_1_from_5_3_2(db: Session) -> None:
    plain = Index(s.documents_from_store(db), variants=False)
    hits = plain.search("child marriage", kind="indicator", limit=2)
    assert {h.code for h in hits} == {"5.3.1", "5.3.2"}
    assert hits[0].score == hits[1].score


@pytest.mark.parametrize(
    ("q", "indicator", "series"),
    [
        ("safe drinking water", "6.1.1", "SH_H2O_SAFE"),
        ("birth registration", "16.9.1", "SG_REG_BRTH"),
        ("maternal mortality", "3.1.1", "SH_STA_MORT"),
        ("access to electricity", "7.1.1", "EG_ACS_ELEC"),
        ("open defecation", "6.2.1", "SH_SAN_DEFECT"),
        ("tuberculosis", "3.3.2", "SH_TBS_INCD"),
    ],
)
def test_realistic_queries_find_the_right_indicator_and_series(
    db: Session, q: str, indicator: str, series: str
) -> None:
    assert _codes(db, q, kind="indicator")[0] == indicator
    assert series in _codes(db, q, kind="series", limit=3)


def test_codes_find_themselves(db: Session) -> None:
    assert _codes(db, "5.3.1")[:3] == ["5.3.1", "SP_DYN_MRBF15", "SP_DYN_MRBF18"]
    assert _codes(db, "SP_DYN_MRBF18")[0] == "SP_DYN_MRBF18"
    assert _codes(db, "sp_dyn_mrbf18")[0] == "SP_DYN_MRBF18"


def test_hits_carry_what_a_client_shows(db: Session) -> None:
    hits = s.search(db, "married before age 18", limit=10)
    by_code = {h.code: h for h in hits}
    assert by_code["SP_DYN_MRBF18"].kind == "series"
    assert by_code["SP_DYN_MRBF18"].indicators == ("5.3.1",)
    assert by_code["5.3.1"].kind == "indicator"
    assert (by_code["5.3.1"].target, by_code["5.3.1"].goal) == ("5.3", "5")
    assert by_code["5.3.1"].title.startswith("Proportion of women aged 20–24")


def test_kind_and_limit_are_respected(db: Session) -> None:
    assert {h.kind for h in s.search(db, "water", kind="series", limit=50)} == {"series"}
    assert {h.kind for h in s.search(db, "water", kind="indicator", limit=50)} == {"indicator"}
    assert len(s.search(db, "water", limit=3)) == 3


def test_no_matching_terms_gives_an_empty_list(db: Session) -> None:
    assert s.search(db, "xyzzy plugh") == []
    assert s.search(db, "the of and") == []


@pytest.mark.parametrize(
    ("q", "kind", "limit", "field"),
    [
        ("", None, 20, "q"),
        ("   ", None, 20, "q"),
        ("water", "goal", 20, "kind"),
        ("water", None, 0, "limit"),
        ("water", None, 101, "limit"),
    ],
)
def test_bad_requests_are_invalid_input(
    db: Session, q: str, kind: str | None, limit: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        s.search(db, q, kind=kind, limit=limit)  # type: ignore[arg-type]
    assert [e["field"] for e in caught.value.errors] == [field]


def test_the_index_is_cached_and_rebuilt_after_a_load(store: Store, db: Session) -> None:
    first = s.get_index(db)
    assert s.get_index(db) is first
    with store.session() as session:
        sdg.load_framework(session)
    assert s.get_index(db) is not first


def test_the_index_notices_changes_made_elsewhere(store: Store, db: Session) -> None:
    # As if another process had changed the tables: no load_framework in this process.
    s.get_index(db)
    try:
        with store.session() as session:
            session.execute(
                text("UPDATE sdg_indicator SET title = 'Zebra crossings' WHERE code = '5.3.1'")
            )
            session.commit()
        # The indicator, and the series whose documents carry its title.
        assert _codes(db, "zebra") == ["5.3.1", "SP_DYN_MRBF15", "SP_DYN_MRBF18"]
    finally:
        with store.session() as session:
            sdg.load_framework(session)
    assert _codes(db, "zebra") == []


def test_an_empty_registry_finds_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert s.search(session, "child marriage") == []
        assert sdg.list_goals(session) == []
    engine.dispose()
