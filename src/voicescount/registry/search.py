"""Text-relevance search over SDG indicators and series: BM25F (Okapi BM25 over weighted fields).

Why not ``LIKE '%…%'``: a substring match has no notion of relevance (every hit is equal, ordered
by code), misses morphological variants and finds nothing when the words are in a different
order. Here each indicator and series is a document of weighted fields, scored with Okapi BM25
(k1 = 1.2, b = 0.75) in its multi-field form, BM25F: per-field term frequencies are
length-normalised, weighted and summed before the usual saturation, so a word in an indicator's
own title counts more than the same word in its parent target's text, and rare words count
more than common ones (IDF).

Fields (weights in ``FIELD_WEIGHTS``):

* an indicator: its code, its title and its target's title (so ``child marriage`` reaches
  5.3.1, whose own text says "married or in a union before age 15 and before age 18");
* a series: its code (also split at ``_``), its name, its indicators' codes and titles, and
  their targets' titles.

(Series names as a field of indicators were tried and dropped: they are many and long, so
they favoured indicators with many series, e.g. 17.19.2 over 16.9.1 for ``birth
registration``; mean reciprocal rank on a 60-query check set fell from 0.96 to 0.94.)

Text → terms: NFKC normalisation and case folding, Unicode word splitting (codes such as
``5.3.1`` and ``SP_DYN_MRBF18`` stay whole), a short English stop-word list and a light suffix
stemmer (plurals, -ing, -ed, -ly). A query word also matches close *variants* in the
vocabulary (``marriage`` ~ ``married``, ``register`` ~ ``registration``, ``child`` ~
``childhood``), found through shared character trigrams and a shared prefix, as a secondary
signal: a variant occurrence counts ``VARIANT_WEIGHT`` × similarity of an exact one. On the
check set this lifted the mean reciprocal rank from 0.94 to 0.96 for indicators and from 0.90 to
0.94 for series; without it ``child marriage`` ties 5.3.1 with 5.3.2 (FGM, same target).

The index is built from the database on first use and cached per database; it is rebuilt when
:func:`voicescount.registry.sdg.load_framework` has run in this process or when a cheap
fingerprint of the tables (row counts and text lengths) changes, e.g. after a load by another
process.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Table, func, select
from sqlmodel import Session

from voicescount.errors import InvalidInput
from voicescount.registry import sdg
from voicescount.storage.tables import SdgIndicator, SdgSeries, SdgSeriesIndicator, SdgTarget

Kind = Literal["indicator", "series"]
KINDS: tuple[Kind, ...] = ("indicator", "series")

#: Okapi BM25 parameters: term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.75

#: Field weights per kind of document (BM25F). Own text 1.0; a code match is decisive; the
#: parent target is context, weighted down so an indicator that *says* the words wins.
FIELD_WEIGHTS: dict[Kind, dict[str, float]] = {
    "indicator": {"code": 3.0, "title": 1.0, "target": 0.3},
    "series": {"code": 3.0, "name": 1.0, "indicator_code": 1.0, "indicator": 0.6, "target": 0.2},
}

#: Variant matching: a query term expands to vocabulary terms whose character trigrams overlap
#: (Dice coefficient over the trigrams of the stems, word start marked) by at least this much,
#: and that share at least ``VARIANT_MIN_PREFIX`` leading characters (variants are suffix
#: variations; shared middles such as "-ation" are not evidence). A variant's score is scaled
#: by ``VARIANT_WEIGHT`` × similarity.
VARIANT_MIN_SIMILARITY = 0.55
VARIANT_MIN_PREFIX = 4
VARIANT_WEIGHT = 0.7

#: Fields holding codes rather than prose.
CODE_FIELDS = frozenset({"code", "indicator_code"})

MAX_LIMIT = 100

# Function words only: "not", "without", "under" and the like carry meaning in SDG titles.
STOP_WORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "been", "by", "for", "from", "has", "have"),
        *("in", "into", "is", "it", "its", "of", "on", "or", "per", "than", "that", "the"),
        *("their", "them", "these", "this", "those", "to", "was", "were", "which", "who"),
        *("whose", "with", "within", "all", "any", "such", "other"),
    }
)

# Letters/digits runs, joined by "." or "_" when those sit between two such runs: codes
# (5.3.1, 1.a.1, SP_DYN_MRBF18) stay one token; "20–24" or "non-debt" split.
_TOKEN = re.compile(r"[^\W_]+(?:[._][^\W_]+)*")
_VOWELS = "aeiouy"
#: Irregular plurals common in SDG texts, which no suffix rule reaches.
_IRREGULAR = {"children": "child", "women": "woman", "men": "man", "people": "person"}


# --- text → terms ----------------------------------------------------------------------------


def stem(word: str) -> str:
    """A light English suffix stemmer: plurals, -ing, -ed, -ly; a final -e and -y normalised.

    Deliberately conservative (no -ation, -ment, -al): over-stemming merges unrelated SDG terms
    (``informal``/``information``); related forms are caught by variant matching instead.
    Examples: children→child, countries→countri, married→marri, managed→manag,
    managing→manag, safely→saf, planning→plan, services→servic.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    w = _strip_ending(_strip_plural(word))
    # Spelling normalisation so that forms meet: country/countries → countri,
    # manage/managed/managing → manag.
    if len(w) > 3 and w.endswith("y") and w[-2] not in _VOWELS:
        w = w[:-1] + "i"
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def _strip_plural(w: str) -> str:
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _strip_ending(w: str) -> str:
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        if not w.endswith(suffix):
            continue
        base = w[: -len(suffix)]
        # A stem needs a vowel and some length: "bed", "sing" and "fly" stay as they are.
        if len(base) < 3 or not any(c in _VOWELS for c in base):
            return w
        # planning → plann → plan; but keep -ll, -ss (skilled → skill, assessed → assess).
        if len(base) > 3 and base[-1] == base[-2] and base[-1] not in _VOWELS + "lsz":
            base = base[:-1]
        return base
    return w


def tokens(text: str) -> list[str]:
    """Index terms of a text: normalised, split, stop words dropped, stemmed.

    A code joined by ``_`` also yields its parts (``sp_dyn_mrbf18`` → ``sp``, ``dyn``,
    ``mrbf18``) so a partial code finds it; dotted codes stay whole (their parts would be noise).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if "_" in word:
            terms.append(word)
            terms.extend(part for part in word.split("_") if part not in STOP_WORDS)
        elif "." in word:
            terms.append(word)
        elif word not in STOP_WORDS:
            terms.append(stem(word))
    return terms


def _trigrams(term: str) -> frozenset[str]:
    padded = f"^{term}"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


# --- the index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    code: str
    kind: Kind
    title: str
    score: float
    #: For a series: the indicators it measures. For an indicator: empty.
    indicators: tuple[str, ...] = ()
    #: For an indicator: its target and goal codes.
    target: str | None = None
    goal: str | None = None
    #: For a series: withdrawn from the framework (CL_SERIES ``RetiredSeries``).
    retired: bool = False


@dataclass(frozen=True)
class Document:
    kind: Kind
    code: str
    title: str
    #: Field name → text (or several texts, e.g. the titles of a series' indicators).
    fields: Mapping[str, str | Sequence[str]]
    position: int = 0
    indicators: tuple[str, ...] = ()
    target: str | None = None
    goal: str | None = None
    retired: bool = False


@dataclass
class Index:
    """BM25F over a fixed corpus; build once, query many times (read-only after ``__init__``)."""

    documents: Sequence[Document]
    k1: float = K1
    b: float = B
    field_weights: Mapping[Kind, Mapping[str, float]] = field(default_factory=lambda: FIELD_WEIGHTS)
    variants: bool = True
    #: term → {document number: its BM25F pseudo term frequency}: the field frequencies, each
    #: length-normalised and weighted, summed; saturation and IDF are applied at query time
    #: because a query term's variants join it there (see :meth:`score`).
    postings: dict[str, dict[int, float]] = field(init=False, default_factory=dict)
    _by_trigram: dict[str, set[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Per-field term frequencies and lengths; averages per (kind, field), as BM25F does.
        counts: list[dict[str, Counter[str]]] = []
        totals: dict[tuple[Kind, str], list[int]] = defaultdict(list)
        for doc in self.documents:
            per_field: dict[str, Counter[str]] = {}
            for name, value in doc.fields.items():
                texts = [value] if isinstance(value, str) else list(value)
                terms = [t for text in texts for t in tokens(text)]
                if terms:
                    per_field[name] = Counter(terms)
                totals[(doc.kind, name)].append(len(terms))
            counts.append(per_field)
        average = {key: (sum(v) / len(v) if v and sum(v) else 1.0) for key, v in totals.items()}

        # Only words of running text take part in variant matching: code parts ("marr" of
        # VC_VAW_MARR) look like word stems but are abbreviations, matched exactly or not at all.
        words: set[str] = set()
        for number, (doc, per_field) in enumerate(zip(self.documents, counts, strict=True)):
            weights = self.field_weights[doc.kind]
            for name, counter in per_field.items():
                if name not in CODE_FIELDS:
                    words.update(counter)
                length = sum(counter.values())
                norm = 1 - self.b + self.b * length / average[(doc.kind, name)]
                weight = weights.get(name, 0.0)
                if weight <= 0:
                    continue
                for term, tf in counter.items():
                    bucket = self.postings.setdefault(term, {})
                    bucket[number] = bucket.get(number, 0.0) + weight * tf / norm
        for term in self.postings:
            if term in words and term.isalpha() and len(term) >= VARIANT_MIN_PREFIX:
                for gram in _trigrams(term):
                    self._by_trigram.setdefault(gram, set()).add(term)

    def expand(self, term: str) -> list[tuple[str, float]]:
        """The term itself (weight 1) and its vocabulary variants (discounted weights)."""
        expansions = [(term, 1.0)] if term in self.postings else []
        if not self.variants or not term.isalpha() or len(term) < VARIANT_MIN_PREFIX:
            return expansions
        grams = _trigrams(term)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self._by_trigram.get(gram, ()))
        for other, overlap in shared.items():
            if other == term or _common_prefix(term, other) < VARIANT_MIN_PREFIX:
                continue
            similarity = 2 * overlap / (len(grams) + len(_trigrams(other)))
            if similarity >= VARIANT_MIN_SIMILARITY:
                expansions.append((other, VARIANT_WEIGHT * similarity))
        return sorted(expansions, key=lambda pair: (-pair[1], pair[0]))

    def score(self, query: str) -> dict[int, float]:
        """Document number → BM25F score, for every document matching at least one query term.

        A query term and its variants count as one term whose occurrences are the term's plus
        the variants' at their discounted weights (how BM25F treats synonyms): the pseudo
        frequencies add up *before* saturation, so "married" in a title adds to "marriage" in
        the target text, yet a pile of variants cannot outweigh a second query word. The IDF
        is that of the documents holding any of them.
        """
        n = len(self.documents)
        scores: dict[int, float] = defaultdict(float)
        for term in dict.fromkeys(tokens(query)):
            pseudo_tf: dict[int, float] = defaultdict(float)
            for candidate, weight in self.expand(term):
                for number, tf in self.postings[candidate].items():
                    pseudo_tf[number] += weight * tf
            if not pseudo_tf:
                continue
            df = len(pseudo_tf)
            # The Robertson–Spärck Jones IDF, shifted by 1 so that it never goes negative.
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for number, tf in pseudo_tf.items():
                scores[number] += idf * tf * (self.k1 + 1) / (tf + self.k1)
        return scores

    def search(self, query: str, kind: Kind | None = None, limit: int = 20) -> list[SearchHit]:
        ranked = sorted(
            (
                (score, number)
                for number, score in self.score(query).items()
                if kind is None or self.documents[number].kind == kind
            ),
            # Ties: indicators before series, then framework order, so results are stable.
            key=lambda pair: (
                -pair[0],
                KINDS.index(self.documents[pair[1]].kind),
                self.documents[pair[1]].position,
            ),
        )
        hits = []
        for score, number in ranked[:limit]:
            doc = self.documents[number]
            hits.append(
                SearchHit(
                    code=doc.code,
                    kind=doc.kind,
                    title=doc.title,
                    score=round(score, 4),
                    indicators=doc.indicators,
                    target=doc.target,
                    goal=doc.goal,
                    retired=doc.retired,
                )
            )
        return hits


# --- documents from the database, and the cache ----------------------------------------------

_indicator: Table = SdgIndicator.__table__  # type: ignore[attr-defined]
_target: Table = SdgTarget.__table__  # type: ignore[attr-defined]
_series: Table = SdgSeries.__table__  # type: ignore[attr-defined]
_link: Table = SdgSeriesIndicator.__table__  # type: ignore[attr-defined]


def documents_from_store(session: Session) -> list[Document]:
    """The search documents of every indicator and series in the store, in framework order."""
    targets = {r.code: r.title for r in session.execute(select(_target.c.code, _target.c.title))}
    indicators = session.execute(select(_indicator).order_by(_indicator.c.position)).all()
    series = session.execute(select(_series).order_by(_series.c.position, _series.c.code)).all()
    links = session.execute(select(_link.c.series_code, _link.c.indicator_code)).all()
    by_series: dict[str, list[str]] = defaultdict(list)
    for link in links:
        by_series[link.series_code].append(link.indicator_code)
    indicator_rows = {r.code: r for r in indicators}

    docs = [
        Document(
            kind="indicator",
            code=r.code,
            title=r.title,
            fields={
                "code": r.code,
                "title": r.title,
                "target": targets.get(r.target_code, ""),
            },
            position=r.position,
            target=r.target_code,
            goal=r.goal_code,
        )
        for r in indicators
    ]
    for r in series:
        codes = tuple(sorted(by_series[r.code], key=lambda c: (indicator_rows[c].position, c)))
        members = [indicator_rows[c] for c in codes if c in indicator_rows]
        docs.append(
            Document(
                kind="series",
                code=r.code,
                title=r.name,
                fields={
                    "code": r.code,
                    "name": r.name,
                    "indicator_code": " ".join(codes),
                    # A text shared by several members (a repeated indicator) counts once.
                    "indicator": list(dict.fromkeys(m.title for m in members)),
                    "target": list(dict.fromkeys(targets.get(m.target_code, "") for m in members)),
                },
                position=r.position,
                indicators=codes,
                retired=r.retired_note is not None,
            )
        )
    return docs


def _fingerprint(session: Session) -> tuple[Any, ...]:
    # Cheap enough for every request (a few aggregates over ~1,200 rows) and it changes when a
    # load by another process adds, removes or rewrites rows.
    def stats(table: Table, text_column: str) -> Any:
        return session.execute(
            select(func.count(), func.coalesce(func.sum(func.length(table.c[text_column])), 0))
        ).one()

    return (
        tuple(stats(_indicator, "title")),
        tuple(stats(_target, "title")),
        tuple(stats(_series, "name")),
        session.execute(select(func.count()).select_from(_link)).scalar_one(),
    )


@dataclass
class _Cached:
    generation: int
    fingerprint: tuple[Any, ...]
    index: Index


_cache: dict[str, _Cached] = {}
_cache_lock = threading.Lock()


def _database_key(session: Session) -> str:
    # One index per database: a process may talk to several (the tests use SQLite and PostgreSQL).
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def get_index(session: Session) -> Index:
    """The index for the session's database, built on first use and rebuilt when stale."""
    key = _database_key(session)
    generation = sdg.framework_generation()
    fingerprint = _fingerprint(session)
    cached = _cache.get(key)
    if cached and cached.generation == generation and cached.fingerprint == fingerprint:
        return cached.index
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached.generation == generation and cached.fingerprint == fingerprint:
            return cached.index
        index = Index(documents_from_store(session))
        _cache[key] = _Cached(generation=generation, fingerprint=fingerprint, index=index)
        return index


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def search(session: Session, q: str, kind: Kind | None = None, limit: int = 20) -> list[SearchHit]:
    """Indicators and series ranked by relevance to ``q``, best first; empty if nothing matches.

    ``kind`` restricts the results to ``"indicator"`` or ``"series"``. Scores are comparable
    within one query only (they are BM25F sums, not probabilities).
    """
    _check(q, kind, limit)
    return get_index(session).search(q, kind=kind, limit=limit)


def _check(q: str, kind: str | None, limit: int) -> None:
    problems: list[dict[str, Any]] = []
    if not q or not q.strip():
        problems.append({"field": "q", "message": "must contain at least one word"})
    if kind is not None and kind not in KINDS:
        problems.append({"field": "kind", "message": f"must be one of: {', '.join(KINDS)}"})
    if not 1 <= limit <= MAX_LIMIT:
        problems.append({"field": "limit", "message": f"must be between 1 and {MAX_LIMIT}"})
    if problems:
        raise InvalidInput("The search cannot be run as asked.", errors=problems)


def rank(documents: Iterable[Document], q: str, **kwargs: Any) -> list[SearchHit]:
    """Rank ad-hoc documents (no database): for tests and for trying out weights."""
    return Index(list(documents)).search(q, **kwargs)
