"""What intake checks codes and SDG references against, as a protocol.

The service builds a :class:`Vocabulary` from the registry (``intake/lookup.py``); pure modules such
as ``metadata.py`` and ``validate.py`` only see this protocol, so their tests use small fakes.
"""

from __future__ import annotations

from typing import Protocol


class Vocabulary(Protocol):
    def goal_exists(self, code: str) -> bool:
        """An SDG goal code such as ``5``."""
        ...

    def target_exists(self, code: str) -> bool:
        """An SDG target code such as ``5.3`` or ``1.a``."""
        ...

    def indicator_exists(self, code: str) -> bool:
        """An SDG indicator code such as ``5.3.1``."""
        ...

    def series_indicators(self, code: str) -> frozenset[str] | None:
        """The indicators a series measures, or ``None`` if the series is unknown.

        Community series that a coalition defined answer with the indicators of their target's
        mapping (possibly empty).
        """
        ...

    def area_exists(self, code: str) -> bool:
        """A REF_AREA code (M49 number or ISO 3166-2 subdivision)."""
        ...

    def area_within(self, code: str, ancestor: str) -> bool:
        """Whether area ``code`` is ``ancestor`` or lies inside it (following parent links)."""
        ...

    def country_area(self, alpha2: str) -> str | None:
        """The REF_AREA (M49) code of an ISO 3166-1 alpha-2 country, e.g. ``KE`` → ``404``."""
        ...

    def target_group_exists(self, code: str) -> bool:
        """A CUST_BREAKDOWN code (an official one or a voicescount target group)."""
        ...

    def unit_exists(self, code: str) -> bool:
        """A UNIT_MEASURE code such as ``PT`` (percent) or ``NUMBER``."""
        ...
