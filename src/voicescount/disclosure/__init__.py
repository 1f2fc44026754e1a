"""Statistical disclosure control of observations before publication (pure domain code).

Small counts about marginalised groups can identify people, so a steward publishes a table only
after:

* **primary suppression** of cells with fewer than ``Policy.frequency_threshold`` respondents
  (unweighted n; default 10): value withheld, CONF_STATUS ``A``, OBS_STATUS ``Q``;
* **secondary suppression** so that no withheld value can be recovered from the published
  totals and sub-totals along any disaggregation: CONF_STATUS ``D``, OBS_STATUS ``Q``
  (``secondary`` for the per-margin rule, ``audit`` for the exact check over all margins);
* **reliability flags** on published cells with n under ``Policy.reliability_threshold``
  (default 30): OBS_STATUS ``U``.

:func:`protect` returns an :class:`Outcome` per cell and a :class:`SuppressionReport`;
:func:`apply` only the outcomes.
"""

from voicescount.disclosure.control import Protection, apply, protect
from voicescount.disclosure.model import (
    SDG_DIMENSIONS,
    Cell,
    Hierarchies,
    Outcome,
    Policy,
)
from voicescount.disclosure.report import ReportEntry, SuppressionReport

__all__ = [
    "SDG_DIMENSIONS",
    "Cell",
    "Hierarchies",
    "Outcome",
    "Policy",
    "Protection",
    "ReportEntry",
    "SuppressionReport",
    "apply",
    "protect",
]
