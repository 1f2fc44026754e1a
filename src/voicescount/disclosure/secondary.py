"""Secondary suppression: no margin may keep exactly one withheld cell.

A margin total = sum(parts) with one unknown gives that unknown away (total minus the published
parts, or a part as the total minus the others). So, until a fixed point, every margin with
exactly one withheld cell gets a second one withheld. Each step only ever adds suppressions and a
margin once at two stays at two or more, so the loop ends after at most as many steps as there
are cells; the work is proportional to the size of the margins touched (no pass over the table
per round).

The partner is the cheapest cell to lose: a component before the margin's total (totals are
what users read first), then the smallest n (least information, and usually the riskiest cell
anyway), then the smallest value, then key order, so the choice is deterministic. Cells without
a value are taken last: they hide nothing if the attacker knows them to be structural zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicescount.disclosure.margins import Margin, Margins
from voicescount.disclosure.model import Cell


@dataclass(frozen=True, slots=True)
class Choice:
    """A secondary suppression: ``cell`` hides ``protects`` in ``margin`` (all indices)."""

    cell: int
    margin: int
    protects: int
    round: int


def partner_order(cells: Sequence[Cell], place: Sequence[int]) -> list[int]:
    """Each cell's place in the order partners are chosen in (lower = chosen first); ``place``
    is the cell's rank in (period, key) order, the final tie-break."""
    inf = float("inf")
    order = sorted(
        range(len(cells)),
        key=lambda i: (
            cells[i].value is None,
            inf if cells[i].n is None else cells[i].n,
            0.0 if cells[i].value is None else cells[i].value,
            place[i],
        ),
    )
    rank = [0] * len(cells)
    for position, index in enumerate(order):
        rank[index] = position
    return rank


def best_partner(margin: Margin, withheld: Sequence[bool], rank: Sequence[int]) -> int | None:
    """The margin's cell to withhold next, or ``None`` if every cell of it is withheld."""
    best: tuple[bool, int] | None = None
    chosen = None
    for member in margin.members:
        if not withheld[member]:
            place = (member == margin.total, rank[member])
            if best is None or place < best:
                best, chosen = place, member
    return chosen


def protect(
    margins: Margins,
    withheld: list[bool],
    rank: Sequence[int],
    first_round: int = 1,
) -> list[Choice]:
    """Withhold partners until no margin has exactly one withheld cell (updates ``withheld``).

    Rounds are breadth-first: round r fixes the margins left with one withheld cell by round
    r - 1, in canonical margin order, so a chain of dependent suppressions shows up as a chain
    of rounds in the report.
    """
    count = [sum(withheld[m] for m in margin.members) for margin in margins.margins]
    todo = [index for index, c in enumerate(count) if c == 1]
    choices: list[Choice] = []
    round_number = first_round
    while todo:
        following: set[int] = set()
        for index in todo:
            if count[index] != 1:
                continue  # a partner chosen earlier in this round already covered it
            margin = margins.margins[index]
            partner = best_partner(margin, withheld, rank)
            if partner is None:  # pragma: no cover - a margin has two or more members
                continue
            protected = next(m for m in margin.members if withheld[m])
            withheld[partner] = True
            choices.append(Choice(partner, index, protected, round_number))
            for other in margins.of_cell[partner]:
                count[other] += 1
                if count[other] == 1:
                    following.add(other)
        todo = sorted(following)
        round_number += 1
    return choices
