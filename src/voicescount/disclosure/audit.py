"""Exact audit: which withheld cells do all the margin equations together still pin down?

The per-margin rule (never exactly one withheld cell in a margin) stops the one-step attack,
total minus published parts. It does not stop an attacker who combines equations: in a 2-D table
two blocks of withheld cells joined by a single withheld cell (a "bridge") satisfy the rule, yet
adding the row equations on one side of the bridge and subtracting the column equations gives
the bridge cell's value. This module finds such cells exactly.

The unknowns are the withheld cells; each margin with a withheld cell contributes its equation
restricted to them (the published cells only move the right-hand side, which does not matter
for whether a value is determined). A withheld cell x_j is determined exactly when the unit
vector e_j lies in the row space of that system, which the reduced row echelon form shows
directly: x_j's pivot row is e_j itself. Arithmetic is over the rationals (``Fraction``), so
there is no floating-point doubt; independent groups of withheld cells are solved apart.

What it does not cover: bounds. With values known to be non-negative, an undetermined cell can
still be narrowed to an interval (e.g. between 0 and a small total); that needs linear
programming (sdcTable's and tau-ARGUS's "protection intervals") and is not attempted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from voicescount.disclosure.margins import Margins

Number = int | Fraction
#: A sparse row: column → non-zero coefficient.
Row = dict[int, Number]


@dataclass(frozen=True, slots=True)
class Exposure:
    """A withheld cell the margins determine, with the proof.

    ``certificate`` maps margin indices to multipliers: that combination of margin equations has
    coefficient 1 on ``cell`` and 0 on every other withheld cell, so it gives the cell's value
    from published ones. ``group`` names the connected set of withheld cells it belongs to.
    """

    cell: int
    group: int
    certificate: dict[int, Number]


def determined(margins: Margins, withheld: Sequence[bool]) -> list[int]:
    """Indices of the withheld cells whose value the margins determine, in index order."""
    return sorted(exposure.cell for exposure in exposures(margins, withheld))


def exposures(margins: Margins, withheld: Sequence[bool]) -> list[Exposure]:
    """The determined withheld cells with a certificate each, by group then cell index."""
    found: list[Exposure] = []
    for group, rows in sorted(_groups(margins, withheld).items()):
        # Most groups are safe: screen them cheaply first, and only solve a group that exposes
        # something again in full, tracking which margins make up each row.
        if _screen([row for _, row in rows]):
            for cell, certificate in sorted(_solve(rows, track=True).items()):
                found.append(Exposure(cell, group, certificate))
    return found


def _groups(margins: Margins, withheld: Sequence[bool]) -> dict[int, list[tuple[int, Row]]]:
    """Margin equations restricted to withheld cells, split into independent groups."""
    parent = list(range(len(withheld)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows: list[tuple[int, Row]] = []
    for index, margin in enumerate(margins.margins):
        row: Row = {m: (1 if m == margin.total else -1) for m in margin.members if withheld[m]}
        if row:
            rows.append((index, row))
            first, *rest = row
            for other in rest:
                parent[find(other)] = find(first)
    groups: dict[int, list[tuple[int, Row]]] = {}
    for index, row in rows:
        groups.setdefault(find(next(iter(row))), []).append((index, row))
    return groups


def _solve(rows: list[tuple[int, Row]], track: bool) -> dict[int, dict[int, Number]]:
    """Unknowns fixed by ``rows``, each with the margin combination giving it (empty unless
    ``track``); a sparse reduced row echelon form kept reduced as rows come in."""
    pivots: dict[int, Row] = {}
    combos: dict[int, Row] = {}
    #: column → pivot columns whose row has a non-zero there, to keep the form reduced.
    holders: dict[int, set[int]] = {}
    for margin_index, original in rows:
        row = dict(original)
        combo: Row = {margin_index: 1} if track else {}
        for column in [c for c in row if c in pivots]:
            factor = row[column]
            _add(row, pivots[column], -factor)
            if track:
                _add(combo, combos[column], -factor)
        if not row:
            continue  # implied by the equations already taken
        column = min(row, key=lambda c: (len(holders.get(c, ())), c))
        scale = row[column]
        if scale != 1:
            row = _scaled(row, scale)
            combo = _scaled(combo, scale)
        for holder in list(holders.get(column, ())):
            held = pivots[holder]
            factor = held[column]
            added, removed = _add(held, row, -factor)
            for gone in removed:
                holders[gone].discard(holder)
            for new in added:
                holders.setdefault(new, set()).add(holder)
            if track:
                _add(combos[holder], combo, -factor)
        pivots[column] = row
        combos[column] = combo
        _hold(holders, column, row)
    return {column: combos[column] for column, row in pivots.items() if len(row) == 1}


def _scaled(row: Row, scale: Number) -> Row:
    """row / scale, staying with integers for the usual ±1 pivots."""
    if scale == -1:
        return {c: -v for c, v in row.items()}
    return {c: Fraction(v) / scale for c, v in row.items()}


def _add(target: Row, source: Row, factor: Number) -> tuple[list[int], list[int]]:
    """target += factor * source, dropping zeros; returns the columns added and removed."""
    added: list[int] = []
    removed: list[int] = []
    for column, value in source.items():
        old = target.get(column, 0)
        new = old + factor * value
        if new:
            target[column] = new
            if not old:
                added.append(column)
        elif old:
            del target[column]
            removed.append(column)
    return added, removed


def _hold(holders: dict[int, set[int]], pivot: int, row: Row) -> None:
    for column in row:
        if column != pivot:
            holders.setdefault(column, set()).add(pivot)


def _screen(rows: list[Row]) -> set[int]:
    """The unknowns ``rows`` determine, found fast (same answer as :func:`_solve`).

    The heuristic leaves most margins with exactly two withheld cells, and an equation
    a·x + b·y = c just says y = -(a/b)·x + const: substituting it away is exact and cheap. So
    two-unknown equations merge unknowns (weighted union-find), one-unknown equations fix one
    (and everything merged into it), and only the rows that keep three or more unknowns go to
    the general elimination.
    """
    reducer = _Reducer(rows)
    reducer.run()
    remaining = [row for row in reducer.rows if row]
    fixed = set(reducer.fixed)
    if remaining:
        fixed.update(_solve(list(enumerate(remaining)), track=False))
    return {column for column in reducer.columns if reducer.root(column) in fixed}


class _Reducer:
    """Substitution of one- and two-unknown equations, driven by a work queue."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows: list[Row] = [dict(row) for row in rows]
        self.columns: set[int] = {column for row in rows for column in row}
        #: merged column → the column it was expressed in (x_col = w·x_into + const).
        self.link: dict[int, int] = {}
        self.fixed: set[int] = set()
        self.occurs: dict[int, set[int]] = {}
        for index, row in enumerate(self.rows):
            for column in row:
                self.occurs.setdefault(column, set()).add(index)

    def root(self, column: int) -> int:
        while column in self.link:
            column = self.link[column]
        return column

    def run(self) -> None:
        queue = [index for index, row in enumerate(self.rows) if len(row) <= 2]
        while queue:
            index = queue.pop()
            row = self.rows[index]
            if len(row) == 1:
                (column,) = row
                self.fixed.add(column)
                queue.extend(self._drop(column))
            elif len(row) == 2:
                (a, ca), (b, cb) = row.items()
                if len(self.occurs[a]) > len(self.occurs[b]):
                    (a, ca), (b, cb) = (b, cb), (a, ca)
                # x_a = -(cb/ca)·x_b + const: move every use of a onto b.
                self._retire(index)
                queue.extend(self._merge(a, b, _ratio(-cb, ca)))

    def _retire(self, index: int) -> None:
        for column in self.rows[index]:
            self.occurs[column].discard(index)
        self.rows[index] = {}

    def _drop(self, column: int) -> list[int]:
        touched = []
        for index in self.occurs.pop(column, set()):
            self.rows[index].pop(column, None)
            touched.append(index)
        return [index for index in touched if len(self.rows[index]) <= 2]

    def _merge(self, a: int, b: int, weight: Number) -> list[int]:
        self.link[a] = b
        touched = []
        into = self.occurs.setdefault(b, set())
        for index in self.occurs.pop(a, set()):
            row = self.rows[index]
            new = row.get(b, 0) + row.pop(a) * weight
            if new:
                row[b] = new
                into.add(index)
            else:
                row.pop(b, None)
                into.discard(index)
            if len(row) <= 2:
                touched.append(index)
        return touched


def _ratio(numerator: Number, denominator: Number) -> Number:
    if denominator == 1:
        return numerator
    if denominator == -1:
        return -numerator
    return Fraction(numerator) / denominator
