"""Resolve raw labels to codes, and rank suggestions for those that do not resolve. Pure.

Order of resolution for a value of a component:

1. the coalition's mapping profile (exact label, then normalised label);
2. the value is itself a code (exact, then case-insensitive);
3. the value equals a code's name or a built-in label once normalised (recorded as an automatic
   mapping so the coalition can see and confirm it);
4. for places, the same without an administrative word ("Mombasa County" → "Mombasa").

Anything else is unresolved and comes back with ranked suggestions. Nothing fuzzy is ever
applied silently: similar-looking labels are only suggested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from voicescount.mapping.normalise import normalise, similarity, strip_accents, without_admin_words

Suggester = Callable[[str, int], list[str]]


@dataclass
class Codebook:
    """The codes a component accepts, with the names and labels they can be recognised by."""

    component: str
    codelist: str
    codes: frozenset[str]
    names: dict[str, str] = field(default_factory=dict)
    #: Extra labels per code (built-in multilingual labels, community series names…).
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Codes to prefer when a name is ambiguous (e.g. areas of the dataset's country).
    preferred: frozenset[str] = frozenset()
    #: A better suggestion engine for this component (e.g. BM25 over the SDG framework).
    suggester: Suggester | None = None
    places: bool = False

    def __post_init__(self) -> None:
        self._by_upper = {code.upper(): code for code in self.codes}
        self._by_label: dict[str, set[str]] = {}
        for code, name in self.names.items():
            self._index(name, code)
        for code, labels in self.labels.items():
            if code in self.codes:
                for label in labels:
                    self._index(label, code)

    def _index(self, label: str, code: str) -> None:
        for key in {normalise(label), normalise(strip_accents(label))}:
            if key:
                self._by_label.setdefault(key, set()).add(code)
        if self.places:
            key = without_admin_words(label)
            if key:
                self._by_label.setdefault(key, set()).add(code)

    def by_label(self, label: str) -> set[str]:
        found = set(self._by_label.get(normalise(label), ()))
        if not found:
            found = set(self._by_label.get(normalise(strip_accents(label)), ()))
        if not found and self.places:
            found = set(self._by_label.get(without_admin_words(label), ()))
        return found

    def by_code(self, value: str) -> str | None:
        if value in self.codes:
            return value
        return self._by_upper.get(value.upper())

    def suggest(self, value: str, limit: int = 5) -> list[str]:
        """Codes ranked by likeness to ``value``: the component's own engine, then trigrams."""
        ranked: list[str] = []
        if self.suggester is not None:
            ranked = [c for c in self.suggester(value, limit) if c in self.codes]
        wanted = normalise(strip_accents(value))
        scored: list[tuple[float, str]] = []
        for code in self.codes:
            name = self.names.get(code, "")
            score = max(
                similarity(wanted, normalise(strip_accents(name))) if name else 0.0,
                similarity(wanted, normalise(code)),
            )
            for label in self.labels.get(code, ()):
                score = max(score, similarity(wanted, normalise(strip_accents(label))))
            if code in self.preferred:
                score += 0.05
            if score >= 0.3:
                scored.append((score, code))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        for _, code in scored:
            if code not in ranked:
                ranked.append(code)
        return ranked[:limit]


@dataclass(frozen=True)
class Resolution:
    """Outcome for one raw value: a code, or a reason with suggestions."""

    code: str | None
    #: How it resolved: ``profile``, ``code``, ``label`` (automatic), or None when it did not.
    via: str | None = None
    problem: str | None = None
    suggestions: tuple[str, ...] = ()


class Resolver:
    """Resolves the values of one component, remembering each distinct value's outcome."""

    def __init__(self, codebook: Codebook, profile_values: dict[str, str] | None = None) -> None:
        self.codebook = codebook
        self.exact = dict(profile_values or {})
        self.normalised = {normalise(k): v for k, v in self.exact.items()}
        #: Outcome per distinct raw value seen (read directly by the validator's fast path).
        self.cache: dict[str, Resolution] = {}

    def __call__(self, raw: str) -> Resolution:
        found = self.cache.get(raw)
        if found is None:
            found = self._resolve(raw)
            if len(self.cache) < 100_000:
                self.cache[raw] = found
        return found

    def _resolve(self, raw: str) -> Resolution:
        book = self.codebook
        mapped = self.exact.get(raw)
        if mapped is None:
            mapped = self.normalised.get(normalise(raw))
        if mapped is not None:
            code = book.by_code(mapped)
            if code is None:
                return Resolution(
                    None,
                    problem=f"the mapping profile maps {raw!r} to {mapped!r}, which is not a code "
                    f"of {book.codelist}",
                    suggestions=tuple(book.suggest(mapped)),
                )
            return Resolution(code, via="profile")
        code = book.by_code(raw)
        if code is not None:
            return Resolution(code, via="code")
        candidates = book.by_label(raw)
        if len(candidates) > 1 and book.preferred:
            preferred = candidates & book.preferred
            if len(preferred) == 1:
                candidates = preferred
        if len(candidates) == 1:
            return Resolution(next(iter(candidates)), via="label")
        if len(candidates) > 1:
            return Resolution(
                None,
                problem=f"{raw!r} is the name of several codes of {book.codelist}; "
                "say which in the mapping profile",
                suggestions=tuple(sorted(candidates)),
            )
        return Resolution(
            None,
            problem=f"{raw!r} is not a code of {book.codelist} and matches no code's name",
            suggestions=tuple(book.suggest(raw)),
        )


def label_examples(codebook: Codebook, codes: Iterable[str]) -> list[str]:
    """``CODE (name)`` strings for messages and reports."""
    return [f"{c} ({codebook.names[c]})" if c in codebook.names else c for c in codes]
