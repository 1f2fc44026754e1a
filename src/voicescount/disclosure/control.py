"""Disclosure control of a table, end to end: primary, secondary, exact check, reliability flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicescount.disclosure import audit, margins, secondary
from voicescount.disclosure.margins import Margin, Margins
from voicescount.disclosure.model import (
    OBS_LOW_RELIABILITY,
    OBS_SUPPRESSED,
    SDG_DIMENSIONS,
    Cell,
    Hierarchies,
    Outcome,
    Policy,
    dimension_name,
)
from voicescount.disclosure.primary import primary
from voicescount.disclosure.report import SuppressionReport

#: Cap on the parts a reason lists before it abbreviates ("_T = F + M + … (12 codes)").
_SHOWN_PARTS = 6


@dataclass(frozen=True, slots=True)
class Protection:
    """The outcome of every cell (input order) and the report for the steward."""

    outcomes: list[Outcome]
    report: SuppressionReport


def apply(
    cells: Sequence[Cell],
    policy: Policy | None = None,
    hierarchies: Hierarchies | None = None,
) -> list[Outcome]:
    """One outcome per cell, in input order (see :func:`protect`)."""
    return protect(cells, policy, hierarchies).outcomes


def protect(
    cells: Sequence[Cell],
    policy: Policy | None = None,
    hierarchies: Hierarchies | None = None,
) -> Protection:
    """Run disclosure control over ``cells`` (one table or many: margins never cross series).

    1. primary: withhold cells with n under the frequency threshold (and unknown n if asked);
    2. secondary: until no margin has exactly one withheld cell, withhold a partner in it;
    3. exact check (``policy.exact_check``): while combining margins still determines a withheld
       cell, withhold one more cell next to it and go back to 2;
    4. flag published cells with n under the reliability threshold as low reliability.
    """
    policy = policy or Policy()
    hierarchies = hierarchies or Hierarchies()
    table = margins.build(cells, policy, hierarchies)
    first = primary(cells, policy)
    withheld = [outcome is not None for outcome in first]
    rank = secondary.partner_order(cells, table.place)
    choices = secondary.protect(table, withheld, rank)
    exact: list[_Repair] = []
    residual: list[int] = []
    if policy.exact_check:
        residual = _repair(table, withheld, rank, choices, exact)
    names = SDG_DIMENSIONS if cells and len(cells[0].key) == len(SDG_DIMENSIONS) else ()
    outcomes: list[Outcome | None] = list(first)
    for choice in choices:
        margin = table.margins[choice.margin]
        outcomes[choice.cell] = _secondary_outcome(cells, margin, choice, names)
    for repair in exact:
        outcomes[repair.cell] = _repair_outcome(cells, table, repair, names)
    final = [
        outcome if outcome is not None else _published(cell, policy)
        for cell, outcome in zip(cells, outcomes, strict=True)
    ]
    report = SuppressionReport.build(
        cells, final, policy, hierarchies, residual=[cells[i].id for i in residual]
    )
    return Protection(final, report)


@dataclass(frozen=True, slots=True)
class _Repair:
    cell: int
    protects: int
    round: int
    #: The margins whose combination gave ``protects`` away before ``cell`` was withheld.
    margins: tuple[int, ...]


def _repair(
    table: Margins,
    withheld: list[bool],
    rank: Sequence[int],
    choices: list[secondary.Choice],
    repairs: list[_Repair],
) -> list[int]:
    """Step 3 of :func:`protect`; returns the cells left determined with nothing to withhold that
    would break their certificate (only possible when the equations force a value, e.g. to 0)."""
    while True:
        found = audit.exposures(table, withheld)
        if not found:
            return []
        rounds = [choice.round for choice in choices] + [repair.round for repair in repairs]
        round_number = max(rounds, default=0) + 1
        # One repair per independent group and round: a withheld cell can change what the rest
        # of its group gives away, so the group is audited again before the next one.
        repaired: set[int] = set()
        stuck: list[int] = []
        for exposure in sorted(found, key=lambda e: rank[e.cell]):
            if exposure.group in repaired:
                continue
            partner = _breaker(table, exposure, withheld, rank)
            if partner is None:
                stuck.append(exposure.cell)
                continue
            repaired.add(exposure.group)
            withheld[partner] = True
            margins_used = tuple(sorted(exposure.certificate))
            repairs.append(_Repair(partner, exposure.cell, round_number, margins_used))
        if not repaired:
            return sorted(stuck)
        choices.extend(secondary.protect(table, withheld, rank, first_round=round_number + 1))


def _breaker(
    table: Margins, exposure: audit.Exposure, withheld: Sequence[bool], rank: Sequence[int]
) -> int | None:
    """The cheapest published cell whose withholding breaks ``exposure``'s certificate.

    The certificate's combination of margins reads x = (weighted sum of published cells); a
    published cell with a non-zero weight there becomes a second unknown in that combination.
    Every cell of a consistent table has some non-zero weight (else the equations alone would
    force x to 0), so a candidate always exists there; components go before totals.
    """
    weights: dict[int, audit.Number] = {}
    totals: set[int] = set()
    for index, multiplier in exposure.certificate.items():
        margin = table.margins[index]
        for member in margin.members:
            if not withheld[member]:
                sign = 1 if member == margin.total else -1
                weights[member] = weights.get(member, 0) + multiplier * sign
                if member == margin.total:
                    totals.add(member)
    candidates = [cell for cell, weight in weights.items() if weight != 0]
    return min(candidates, key=lambda cell: (cell in totals, rank[cell]), default=None)


def _published(cell: Cell, policy: Policy) -> Outcome:
    if cell.n is None:
        return Outcome(
            cell.id,
            "F",
            None,
            "unweighted n unknown; published, for the reviewer to check (unknown-n)",
            "unknown-n",
        )
    if cell.n < policy.reliability_threshold:
        return Outcome(
            cell.id,
            "F",
            OBS_LOW_RELIABILITY,
            f"n = {cell.n} < reliability threshold {policy.reliability_threshold} "
            "(low-reliability)",
            "low-reliability",
        )
    return Outcome(
        cell.id, "F", None, f"n = {cell.n} ≥ {policy.reliability_threshold} (free)", "free"
    )


def _secondary_outcome(
    cells: Sequence[Cell],
    margin: Margin,
    choice: secondary.Choice,
    names: Sequence[str],
) -> Outcome:
    protected = cells[choice.protects]
    dimension = dimension_name(margin.position, names)
    code = protected.key[margin.position]
    reason = (
        f"suppressed so that {protected.series_key} {protected.period} ({dimension} {code}) "
        f"cannot be recovered from the published cells of the {dimension} margin "
        f"{_equation(cells, margin)} (secondary, round {choice.round})"
    )
    return Outcome(
        cells[choice.cell].id,
        "D",
        OBS_SUPPRESSED,
        reason,
        "secondary",
        protects=protected.id,
        round=choice.round,
    )


def _repair_outcome(
    cells: Sequence[Cell], table: Margins, repair: _Repair, names: Sequence[str]
) -> Outcome:
    protected = cells[repair.protects]
    dimensions = sorted(
        {dimension_name(table.margins[index].position, names) for index in repair.margins}
    )
    reason = (
        f"suppressed so that {protected.series_key} {protected.period} cannot be derived by "
        f"combining the {', '.join(dimensions)} margins (secondary, exact check, "
        f"round {repair.round})"
    )
    return Outcome(
        cells[repair.cell].id,
        "D",
        OBS_SUPPRESSED,
        reason,
        "secondary",
        protects=protected.id,
        round=repair.round,
    )


def _equation(cells: Sequence[Cell], margin: Margin) -> str:
    codes = [cells[part].key[margin.position] for part in margin.parts]
    shown = " + ".join(codes[:_SHOWN_PARTS])
    if len(codes) > _SHOWN_PARTS:
        shown += f" + … ({len(codes)} codes)"
    return f"{cells[margin.total].key[margin.position]} = {shown}"
