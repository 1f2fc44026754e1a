"""Primary suppression: the frequency rule on the unweighted n, and what to do without an n."""

from __future__ import annotations

from collections.abc import Sequence

from voicescount.disclosure.model import OBS_SUPPRESSED, Cell, Outcome, Policy


def primary(cells: Sequence[Cell], policy: Policy) -> list[Outcome | None]:
    """One entry per cell: its outcome if the cell must be withheld on its own, else ``None``.

    A cell is withheld when fewer than ``frequency_threshold`` respondents stand behind it, and,
    if the policy says so, when nobody told us how many do. A cell with n = 0 is withheld too:
    the steward cannot tell a true zero from a group nobody could reach.
    """
    threshold = policy.frequency_threshold
    outcomes: list[Outcome | None] = []
    for cell in cells:
        if cell.n is None:
            outcomes.append(
                Outcome(
                    cell.id,
                    "A",
                    OBS_SUPPRESSED,
                    "unweighted n unknown; withheld as the policy suppresses such cells "
                    "(unknown-n)",
                    "unknown-n",
                )
                if policy.unknown_n == "suppress"
                else None
            )
        elif cell.n < threshold:
            outcomes.append(
                Outcome(
                    cell.id,
                    "A",
                    OBS_SUPPRESSED,
                    f"n = {cell.n} < threshold {threshold} (primary)",
                    "primary",
                )
            )
        else:
            outcomes.append(None)
    return outcomes
