"""The suppression report: every cell, what happened to it and why, for the steward's review.

It never carries the withheld values themselves: it is shown to reviewers and may go back to the
producing coalition, and a report that repeats the numbers it hides would undo the suppression.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from voicescount.disclosure.model import RULES, Cell, Hierarchies, Outcome, Policy, Rule

CSV_HEADER: tuple[str, ...] = (
    "cell_id",
    "series_key",
    "time_period",
    "unweighted_n",
    "value_withheld",
    "conf_status",
    "obs_status",
    "rule",
    "round",
    "protects",
    "reason",
)


@dataclass(frozen=True, slots=True)
class ReportEntry:
    cell_id: int
    series_key: str
    time_period: str
    unweighted_n: int | None
    value_withheld: bool
    conf_status: str
    obs_status: str | None
    rule: Rule
    reason: str
    #: For a secondary suppression: the id of the cell it hides, and the round that chose it.
    protects: int | None = None
    round: int | None = None


@dataclass(frozen=True, slots=True)
class SuppressionReport:
    """Every cell's outcome and why, the policy used and the counts by rule.

    Entries are produced on demand (:meth:`entries`, :meth:`as_dict`, :meth:`csv_rows`) rather
    than built with the outcomes, so protecting a large table does not pay for a report nobody
    reads.
    """

    policy: Policy
    cells: Sequence[Cell]
    outcomes: Sequence[Outcome]
    hierarchies: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Ids of withheld cells the exact check found still derivable with nothing left to withhold
    #: that would help. Empty on every consistent table seen so far; a reviewer must look if not.
    residual: list[int] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        cells: Sequence[Cell],
        outcomes: Sequence[Outcome],
        policy: Policy,
        hierarchies: Hierarchies | None = None,
        residual: Sequence[int] = (),
    ) -> SuppressionReport:
        if len(cells) != len(outcomes):
            raise ValueError(f"{len(cells)} cells but {len(outcomes)} outcomes")
        return cls(
            policy=policy,
            cells=cells,
            outcomes=outcomes,
            hierarchies=hierarchies.as_dict() if hierarchies else {},
            residual=list(residual),
        )

    def entries(self) -> Iterator[ReportEntry]:
        """One entry per cell, in input order."""
        for cell, outcome in zip(self.cells, self.outcomes, strict=True):
            yield ReportEntry(
                cell_id=cell.id,
                series_key=cell.series_key,
                time_period=cell.period,
                unweighted_n=cell.n,
                value_withheld=outcome.withheld,
                conf_status=outcome.conf_status,
                obs_status=outcome.obs_status,
                rule=outcome.rule,
                reason=outcome.reason,
                protects=outcome.protects,
                round=outcome.round,
            )

    @property
    def counts(self) -> dict[Rule, int]:
        """Cells per rule, every rule listed (zeros included) in a fixed order."""
        counted = Counter(outcome.rule for outcome in self.outcomes)
        return {rule: counted.get(rule, 0) for rule in RULES}

    @property
    def withheld(self) -> int:
        return sum(outcome.withheld for outcome in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "policy": asdict(self.policy),
            "hierarchies": self.hierarchies,
            "cells": len(self.outcomes),
            "withheld": self.withheld,
            "counts": self.counts,
            "residual": self.residual,
            "entries": [asdict(entry) for entry in self.entries()],
        }

    def csv_rows(self) -> Iterator[list[str]]:
        """The header, then one row per cell (CSV_HEADER's columns; empty string for none)."""
        yield list(CSV_HEADER)
        for entry in self.entries():
            yield [
                str(entry.cell_id),
                entry.series_key,
                entry.time_period,
                "" if entry.unweighted_n is None else str(entry.unweighted_n),
                "yes" if entry.value_withheld else "no",
                entry.conf_status,
                entry.obs_status or "",
                entry.rule,
                "" if entry.round is None else str(entry.round),
                "" if entry.protects is None else str(entry.protects),
                entry.reason,
            ]

    def write_csv(self, stream: IO[str]) -> None:
        csv.writer(stream, lineterminator="\n").writerows(self.csv_rows())
