"""Tables and attacks for the disclosure-control tests, written apart from the code under test.

The equations an attacker holds are derived here from how a table was *generated* (its
dimensions, totals and hierarchies), not from ``voicescount.disclosure.margins``, so a margin the
package forgot would show up as a successful attack.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd

from voicescount.disclosure import SDG_DIMENSIONS, Cell, Outcome

TOTAL = "_T"
POSITION = {dimension: index for index, dimension in enumerate(SDG_DIMENSIONS)}


def sdg_key(**codes: str) -> tuple[str, ...]:
    """A 15-code SDG key: annual, national, one series, Kenya, every breakdown at _T."""
    base = dict.fromkeys(SDG_DIMENSIONS, TOTAL)
    base.update(FREQ="A", REPORTING_TYPE="N", SERIES="SP_LNOB_X", REF_AREA="404")
    unknown = set(codes) - set(SDG_DIMENSIONS)
    assert not unknown, unknown
    base.update(codes)
    return tuple(base[dimension] for dimension in SDG_DIMENSIONS)


@dataclass(frozen=True)
class Dimension:
    """A breakdown of a generated table: its leaf codes and how aggregates are built.

    ``tree`` maps each aggregate code to the codes it adds up (for a plain category breakdown:
    ``{"_T": leaves}``; for areas: ``{"404": regions, "R1": counties…}``). ``root`` is the code
    covering everything.
    """

    name: str
    root: str
    tree: Mapping[str, tuple[str, ...]]

    @property
    def codes(self) -> list[str]:
        seen = [self.root]
        for children in self.tree.values():
            seen.extend(c for c in children if c not in seen)
        return seen

    def leaves_under(self, code: str) -> list[str]:
        if code not in self.tree:
            return [code]
        return [leaf for child in self.tree[code] for leaf in self.leaves_under(child)]

    @classmethod
    def categories(cls, name: str, count: int) -> Dimension:
        return cls(name, TOTAL, {TOTAL: tuple(f"C{i}" for i in range(count))})

    @classmethod
    def areas(cls, counties: Sequence[int], name: str = "REF_AREA") -> Dimension:
        """Country 404 → one region per entry of ``counties`` → that many counties (0: the
        region has no sub-areas), so the table has sub-totals at two levels."""
        tree: dict[str, tuple[str, ...]] = {"404": tuple(f"R{i}" for i in range(len(counties)))}
        for region, count in enumerate(counties):
            if count:
                tree[f"R{region}"] = tuple(f"R{region}K{j}" for j in range(count))
        return cls(name, "404", tree)

    @classmethod
    def groups(cls, subgroups: Sequence[int], name: str = "CUST_BREAKDOWN") -> Dimension:
        """_T → one group per entry of ``subgroups`` → that many sub-groups (0: none): a
        hierarchy that hangs under the plain total code."""
        tree: dict[str, tuple[str, ...]] = {TOTAL: tuple(f"G{i}" for i in range(len(subgroups)))}
        for group, count in enumerate(subgroups):
            if count:
                tree[f"G{group}"] = tuple(f"G{group}S{j}" for j in range(count))
        return cls(name, TOTAL, tree)


@dataclass
class Table:
    """Cells of a generated table plus the true equations between them."""

    dimensions: list[Dimension]
    cells: list[Cell] = field(default_factory=list)
    #: (total cell id, part cell ids) — the additive equations that really hold.
    equations: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)

    def by_id(self) -> dict[int, Cell]:
        return {cell.id: cell for cell in self.cells}


def build_table(
    dimensions: Sequence[Dimension],
    leaf_values: Mapping[tuple[str, ...], int],
    leaf_n: Mapping[tuple[str, ...], int | None],
    periods: Sequence[str] = ("2023",),
    aggregate_n: Mapping[tuple[str, ...], int | None] | None = None,
    scale: Mapping[str, int] | None = None,
) -> Table:
    """Every combination of codes (leaves and aggregates) of ``dimensions``, per period.

    Aggregate values are sums of leaf values, so every margin really holds; aggregate n are sums
    of leaf n unless ``aggregate_n`` gives them (survey bases need not add up); ``leaf_n`` may
    also give an aggregate's n directly, or ``None`` for "unknown". ``scale`` per period
    multiplies values so periods differ.
    """
    table = Table(list(dimensions))
    ids: dict[tuple[str, tuple[str, ...]], int] = {}
    for period in periods:
        factor = (scale or {}).get(period, 1)
        for combo in itertools.product(*(d.codes for d in dimensions)):
            leaves = list(
                itertools.product(
                    *(d.leaves_under(c) for d, c in zip(dimensions, combo, strict=True))
                )
            )
            value = factor * sum(leaf_values[leaf] for leaf in leaves)
            if combo in leaf_n:
                n = leaf_n[combo]
            elif aggregate_n is not None and combo in aggregate_n:
                n = aggregate_n[combo]
            else:
                n = sum(leaf_n[leaf] for leaf in leaves)
            cell_id = len(table.cells) + 1
            codes = {d.name: c for d, c in zip(dimensions, combo, strict=True)}
            table.cells.append(Cell(cell_id, sdg_key(**codes), period, float(value), n))
            ids[(period, combo)] = cell_id
    for period in periods:
        for axis, dimension in enumerate(dimensions):
            others = [d.codes for i, d in enumerate(dimensions) if i != axis]
            for rest in itertools.product(*others):
                for parent, children in dimension.tree.items():

                    def at(
                        code: str,
                        rest: tuple[str, ...] = rest,
                        axis: int = axis,
                        period: str = period,
                    ) -> int:
                        combo = (*rest[:axis], code, *rest[axis:])
                        return ids[(period, combo)]

                    table.equations.append((at(parent), tuple(at(c) for c in children)))
    return table


def check_equations_hold(table: Table) -> None:
    cells = table.by_id()
    for total, parts in table.equations:
        assert cells[total].value == sum(cells[p].value or 0 for p in parts)


def withheld_ids(outcomes: Sequence[Outcome]) -> set[int]:
    return {outcome.cell_id for outcome in outcomes if outcome.withheld}


def peel(table: Table, withheld: set[int], absent: Collection[int] = ()) -> dict[int, float]:
    """The attacker's first move, repeated: solve every equation with a single unknown.

    Returns the withheld cells so recovered (cell id → value), using only published values and
    values recovered earlier. ``absent`` cells were never submitted (a ragged table): unknown
    to the attacker too, though one recovered on the way helps like any other.
    """
    cells = table.by_id()
    known = {i: c.value for i, c in cells.items() if i not in withheld and i not in absent}
    recovered: dict[int, float] = {}
    progress = True
    while progress:
        progress = False
        for total, parts in table.equations:
            unknown = [i for i in (total, *parts) if i not in known]
            if len(unknown) != 1:
                continue
            (target,) = unknown
            parts_sum = sum(known[p] for p in parts if p != target)
            value = parts_sum if target == total else known[total] - parts_sum
            known[target] = value
            if target in withheld:
                recovered[target] = value
            progress = True
    return recovered


def determined_exactly(table: Table, withheld: set[int], absent: Collection[int] = ()) -> set[int]:
    """Withheld cells whose value all equations together fix: the chained attack.

    Any linear combination of the equations that leaves a single unknown gives that unknown's
    value from published ones. So x_j is fixed iff the unit vector e_j lies in the row space of
    the equations restricted to the unknowns; in the fully reduced row echelon form that means
    x_j's pivot row has no other entry. Exact: fraction-free elimination over Python integers.
    (:func:`determined_by_rank` is the slow textbook definition, used to check this one.)
    ``absent`` cells (never submitted) are unknowns too; only withheld cells are returned.
    """
    unknowns = sorted({*withheld, *absent})
    column = {cell_id: i for i, cell_id in enumerate(unknowns)}
    #: pivot column → its row (column → non-zero integer), every row zero on other pivots.
    pivots: dict[int, dict[int, int]] = {}
    for row in _restricted_rows(table, column):
        for pivot in [c for c in row if c in pivots]:
            row = _eliminate(row, pivots[pivot], pivot)
        if not row:
            continue
        pivot = min(row)
        for other, other_row in list(pivots.items()):
            if pivot in other_row:
                pivots[other] = _eliminate(other_row, row, pivot)
        pivots[pivot] = row
    return {unknowns[c] for c, row in pivots.items() if len(row) == 1} & withheld


def determined_by_rank(table: Table, withheld: set[int]) -> set[int]:
    """Same answer as :func:`determined_exactly`, by definition: x_j is fixed iff appending e_j
    to the equations does not raise their rank (dense ``Fraction`` elimination, slow)."""
    unknowns = sorted(withheld)
    column = {cell_id: i for i, cell_id in enumerate(unknowns)}
    rows = []
    for sparse in _restricted_rows(table, column):
        row = [Fraction(0)] * len(unknowns)
        for c, v in sparse.items():
            row[c] = Fraction(v)
        rows.append(row)
    base = _rank(rows)
    fixed = set()
    for cell_id, j in column.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[j] = Fraction(1)
        if _rank([*rows, unit]) == base:
            fixed.add(cell_id)
    return fixed


def _restricted_rows(table: Table, column: Mapping[int, int]) -> list[dict[int, int]]:
    """Each equation total - sum(parts) = 0 restricted to the unknowns (empty ones dropped)."""
    rows = []
    for total, parts in table.equations:
        row: dict[int, int] = {}
        for member, sign in ((total, 1), *((p, -1) for p in parts)):
            if member in column:
                row[column[member]] = row.get(column[member], 0) + sign
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    return rows


def _eliminate(row: dict[int, int], pivot_row: dict[int, int], pivot: int) -> dict[int, int]:
    """row·a - pivot_row·b with the entry at ``pivot`` cancelled, divided by the gcd."""
    a, b = pivot_row[pivot], row[pivot]
    out = {}
    for c in row.keys() | pivot_row.keys():
        v = row.get(c, 0) * a - pivot_row.get(c, 0) * b
        if v:
            out[c] = v
    divisor = 0
    for v in out.values():
        divisor = gcd(divisor, v)
    return {c: v // divisor for c, v in out.items()} if divisor > 1 else out


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [list(row) for row in rows]
    rank = 0
    width = len(matrix[0]) if matrix else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col] / matrix[rank][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def hierarchies_for(dimensions: Sequence[Dimension]) -> dict[str, dict[str, tuple[str, ...]]]:
    """The parent → children lists a caller would pass (everything but plain _T totals)."""
    found = {}
    for dimension in dimensions:
        tree = {p: c for p, c in dimension.tree.items() if p != TOTAL}
        if tree:
            found[dimension.name] = tree
    return found
